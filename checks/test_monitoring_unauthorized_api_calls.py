"""MON-1: unauthorized API calls are monitored (CIS v5 4.1, v6/v7 5.1)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-1", severity="medium", frameworks={CIS_5: "4.1", CIS_6: "5.1", CIS_7: "5.1"},
         remediation=monitoring.remediation("unauthorized-api-calls", "UnauthorizedAPICalls"))
def test_watches_unauthorized_api_calls(alarm_chains):
    """Unauthorized API calls are monitored

    Calls refused as unauthorized (errorCode *UnauthorizedOperation or AccessDenied*) are how a stolen key or a
    compromised workload probes what it may do, and how a broken deployment shows itself. A metric filter on the
    trail's log group, an alarm on its metric and a confirmed SNS subscriber make someone hear of them the same day.

    Security Hub checks this topic as CloudWatch.2 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("unauthorized-api-calls")
    assert chain.complete, chain.why
