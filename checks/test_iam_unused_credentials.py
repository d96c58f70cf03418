"""IAM-5: passwords and access keys left unused are disabled."""

from awsaudit import control, not_applicable
from awsaudit.ages import too_old
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("IAM-5", severity="medium",
         frameworks={CIS_3: "1.12", CIS_5: "1.11", CIS_6: "2.11", CIS_7: "2.11", SECURITY_HUB: "IAM.22"},
         remediation="""
         For each credential named: remove an unused console password (IAM > Users > user > Security credentials >
         Manage console access > Disable; CLI: aws iam delete-login-profile --user-name USER) and make an unused
         access key inactive, then delete it (aws iam update-access-key --status Inactive, then delete-access-key).
         """)
def test_unused_credentials_disabled(iam_users, now, threshold, findings):
    """Passwords and access keys unused for 45 days are disabled

    A credential nobody uses is one nobody would miss, and nobody would notice being used by someone else.
    Disabling what lies idle shrinks what an attacker can find and use.
    """
    limit = threshold["unused_credentials_days"]
    # Never used: idle since it was made (password set, key created, or the user created).
    last_use = {f"{user.user} password": user.password_last_used or user.password_last_changed
                or user.user_creation_time for user in iam_users if user.password_enabled}
    last_use |= {f"{user.user} {key.label}": key.last_used or key.last_rotated
                 for user in iam_users for key in user.active_access_keys}
    if not last_use:
        not_applicable("no IAM user has a console password or an active access key")
    findings.judge(f"passwords and active access keys (limit {limit} days)", last_use,
                   too_old(last_use, now, limit, "last used"))
