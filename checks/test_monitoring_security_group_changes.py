"""MON-10: security group changes are monitored (CIS v5 4.10, v6/v7 5.10)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-10", severity="medium", frameworks={CIS_5: "4.10", CIS_6: "5.10", CIS_7: "5.10"},
         remediation=monitoring.remediation("security-group-changes", "SecurityGroupChanges"))
def test_watches_security_group_changes(alarm_chains):
    """Security group changes are monitored

    Security groups are the firewall of every instance and interface. An alarm on rules authorized, revoked or
    modified and on groups created or deleted shows a port opened to the internet when it happens, not at the next
    review.

    Security Hub checks this topic as CloudWatch.10 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("security-group-changes")
    assert chain.complete, chain.why
