"""MON-2: console sign-ins without MFA are monitored (CIS v5 4.2, v6/v7 5.2)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-2", severity="medium", frameworks={CIS_5: "4.2", CIS_6: "5.2", CIS_7: "5.2"},
         remediation=monitoring.remediation("console-signin-without-mfa", "ConsoleSigninWithoutMFA"))
def test_watches_console_signin_without_mfa(alarm_chains):
    """Console sign-ins without MFA are monitored

    A console sign-in that succeeds without MFA (additionalEventData.MFAUsed not "Yes") means a password alone
    opened the console: an account left without MFA, or a stolen password. An alarm that reaches a person on each one
    closes the gap between the sign-in and someone noticing it.

    Security Hub checks this topic as CloudWatch.3 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("console-signin-without-mfa")
    assert chain.complete, chain.why
