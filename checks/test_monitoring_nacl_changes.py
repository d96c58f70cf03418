"""MON-11: network ACL changes are monitored (CIS v5 4.11, v6/v7 5.11)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-11", severity="low", frameworks={CIS_5: "4.11", CIS_6: "5.11", CIS_7: "5.11"},
         remediation=monitoring.remediation("nacl-changes", "NACLChanges"))
def test_watches_nacl_changes(alarm_chains):
    """Network ACL changes are monitored

    Network ACLs filter the traffic of whole subnets. An alarm on ACLs and their entries created, replaced or
    deleted shows a change that opens or cuts off a subnet.

    Security Hub checks this topic as CloudWatch.11 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("nacl-changes")
    assert chain.complete, chain.why
