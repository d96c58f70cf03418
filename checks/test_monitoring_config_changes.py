"""MON-9: aWS Config configuration changes are monitored (CIS v5 4.9, v6/v7 5.9)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-9", severity="medium", frameworks={CIS_5: "4.9", CIS_6: "5.9", CIS_7: "5.9"},
         remediation=monitoring.remediation("config-changes", "AWSConfigChanges"))
def test_watches_config_changes(alarm_chains):
    """AWS Config configuration changes are monitored

    AWS Config records how resources change; stopping its recorder or removing its delivery channel blinds that
    record. An alarm on those calls says when the account stops recording its own configuration.

    Security Hub checks this topic as CloudWatch.9 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("config-changes")
    assert chain.complete, chain.why
