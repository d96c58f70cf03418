"""MON-5: cloudTrail configuration changes are monitored (CIS v5 4.5, v6/v7 5.5)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-5", severity="medium", frameworks={CIS_5: "4.5", CIS_6: "5.5", CIS_7: "5.5"},
         remediation=monitoring.remediation("cloudtrail-changes", "CloudTrailChanges"))
def test_watches_cloudtrail_changes(alarm_chains):
    """CloudTrail configuration changes are monitored

    Stopping, deleting or reconfiguring a trail is what an intruder does first to act unseen. An alarm on
    CreateTrail, UpdateTrail, DeleteTrail, StartLogging and StopLogging, reaching a subscriber, says so while the
    trail's last records still show who did it.

    Security Hub checks this topic as CloudWatch.5 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("cloudtrail-changes")
    assert chain.complete, chain.why
