"""IAM-2: the account password policy prevents password reuse."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, PCI_DSS, SECURITY_HUB


@control("IAM-2", severity="low",
         frameworks={CIS_3: "1.9", CIS_5: "1.8", CIS_6: "2.8", CIS_7: "2.9", SECURITY_HUB: "IAM.16", PCI_DSS: "8.3.7"},
         remediation="""
         Console: IAM > Account settings > Password policy > Edit, turn on "Prevent password reuse" and remember 24.
         CLI: aws iam update-account-password-policy --password-reuse-prevention 24 (repeat the other settings you
         keep: the call replaces the whole policy)
         """)
def test_password_policy_prevents_reuse(password_policy, threshold):
    """Password policy prevents reuse of the last 24 passwords

    A user forced to change a leaked password must not be able to change it back. Remembering many previous
    passwords stops cycling through a few favourites.
    """
    remembered = threshold["password_reuse_prevention"]
    assert password_policy is not None, "the account has no password policy, so any earlier password may be reused"
    prevented = password_policy.get("PasswordReusePrevention", 0)
    assert prevented >= remembered, (
        f"the password policy refuses the last {prevented} passwords; it must refuse the last {remembered}")
