"""IAM-3: every IAM user who can sign in to the console has MFA."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, NIST, PCI_DSS, SECURITY_HUB


@control("IAM-3", severity="medium",
         frameworks={CIS_3: "1.10", CIS_5: "1.9", CIS_6: "2.9", CIS_7: "2.10", SECURITY_HUB: "IAM.5", PCI_DSS: "8.4.2",
                     NIST: "AC-2(1), AC-3(15), IA-2(1), IA-2(2), IA-2(6), IA-2(8)"},
         remediation="""
         For each user named: IAM > Users > user > Security credentials > Assign MFA device. Better, move people
         to IAM Identity Center, where MFA is enforced centrally, and delete their IAM console passwords.
         Enforce it: a policy that denies everything except MFA set-up when aws:MultiFactorAuthPresent is false.
         """)
def test_console_users_have_mfa(console_users, findings):
    """Every IAM user with a console password has MFA

    A console password alone falls to phishing, reuse from another breach, or guessing. MFA makes a stolen password
    insufficient to sign in.
    """
    findings.judge("IAM users with a console password", [user.resource for user in console_users],
                   {user.resource: "no MFA device" for user in console_users if not user.mfa_active})
