"""MON-3: use of the root user is monitored (CIS v5 4.3, v6/v7 5.3)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-3", severity="high", frameworks={CIS_5: "4.3", CIS_6: "5.3", CIS_7: "5.3"},
         remediation=monitoring.remediation("root-usage", "RootAccountUsage"))
def test_watches_root_usage(alarm_chains):
    """Use of the root user is monitored

    The root user can do anything, and is not needed for daily work: any call it makes (not one AWS makes on its
    behalf) is either a rare, planned task or an intrusion. An alarm with a confirmed subscriber on each use tells
    the team at once which of the two it was.

    Security Hub checks this topic as CloudWatch.1 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("root-usage")
    assert chain.complete, chain.why
