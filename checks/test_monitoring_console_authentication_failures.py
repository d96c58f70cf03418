"""MON-6: console authentication failures are monitored (CIS v5 4.6, v6/v7 5.6)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-6", severity="low", frameworks={CIS_5: "4.6", CIS_6: "5.6", CIS_7: "5.6"},
         remediation=monitoring.remediation("console-authentication-failures", "ConsoleSigninFailures"))
def test_watches_console_authentication_failures(alarm_chains):
    """Console authentication failures are monitored

    Repeated failed console sign-ins are password guessing. An alarm on them shows an attack on a user's
    password before it succeeds, and which user and address it comes from.

    Security Hub checks this topic as CloudWatch.6 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("console-authentication-failures")
    assert chain.complete, chain.why
