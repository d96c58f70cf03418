"""IAM-1: the account password policy requires long passwords."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("IAM-1", severity="medium",
         frameworks={CIS_3: "1.8", CIS_5: "1.7", CIS_6: "2.7", CIS_7: "2.8", SECURITY_HUB: "IAM.15"},
         remediation="""
         Console: IAM > Account settings > Password policy > Edit, and set the minimum length to 14 or more.
         CLI: aws iam update-account-password-policy --minimum-password-length 14 (repeat the other settings you keep:
         the call replaces the whole policy)
         """)
def test_password_policy_minimum_length(password_policy, threshold):
    """Password policy requires at least 14 characters

    Length is what makes a password resist guessing and offline cracking. Without a policy, AWS lets IAM users
    choose passwords of 8 characters.
    """
    minimum = threshold["password_min_length"]
    assert password_policy is not None, "the account has no password policy, so passwords of 8 characters are allowed"
    length = password_policy.get("MinimumPasswordLength", 0)
    assert length >= minimum, f"minimum password length is {length}; it must be at least {minimum}"
