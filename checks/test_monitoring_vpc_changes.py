"""MON-14: vPC changes are monitored (CIS v5 4.14, v6/v7 5.14)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-14", severity="low", frameworks={CIS_5: "4.14", CIS_6: "5.14", CIS_7: "5.14"},
         remediation=monitoring.remediation("vpc-changes", "VPCChanges"))
def test_watches_vpc_changes(alarm_chains):
    """VPC changes are monitored

    VPCs, their attributes and their peering connections bound the network. An alarm on VPCs created, deleted or
    modified and on peerings requested, accepted, rejected or deleted shows a network joined to another.

    Security Hub checks this topic as CloudWatch.14 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("vpc-changes")
    assert chain.complete, chain.why
