"""MON-7: disabling or scheduled deletion of customer managed KMS keys is monitored (CIS v5 4.7, v6/v7 5.7)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-7", severity="medium", frameworks={CIS_5: "4.7", CIS_6: "5.7", CIS_7: "5.7"},
         remediation=monitoring.remediation("cmk-disable-or-deletion", "DisableOrDeleteCMK"))
def test_watches_cmk_disable_or_deletion(alarm_chains):
    """Disabling or scheduled deletion of customer managed KMS keys is monitored

    Data encrypted under a KMS key becomes unreadable when the key is disabled, and is lost for good once it is
    deleted. An alarm on DisableKey and ScheduleKeyDeletion leaves the waiting period to cancel a deletion that
    nobody meant.

    Security Hub checks this topic as CloudWatch.7 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("cmk-disable-or-deletion")
    assert chain.complete, chain.why
