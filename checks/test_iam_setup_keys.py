"""IAM-4: console users were not handed access keys at set-up that they never used."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6


@control("IAM-4", severity="medium", frameworks={CIS_3: "1.11", CIS_5: "1.10", CIS_6: "2.10"},
         remediation="""
         Delete each access key named: it has never been used, so nothing depends on it.
         CLI: aws iam list-access-keys --user-name USER, then aws iam delete-access-key --user-name USER
         --access-key-id KEY. Create keys only when a user asks for them, and prefer roles or IAM Identity Center.
         """)
def test_no_unused_access_keys_from_user_setup(console_users, findings):
    """No access keys created at user set-up and never used

    Keys issued to every new console user "just in case" are credentials nobody watches. A key that has never been
    used is not needed, and it can leak just the same.
    """
    findings.judge("IAM users with a console password", [user.resource for user in console_users], {
        user.resource: ", ".join(f"{key.label} active and never used" for key in unused)
        for user in console_users if (unused := [key for key in user.active_access_keys if key.last_used is None])})
