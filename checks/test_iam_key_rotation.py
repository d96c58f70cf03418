"""IAM-7: active access keys are rotated."""

from awsaudit import control, not_applicable
from awsaudit.ages import too_old
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, NIST, PCI_DSS, SECURITY_HUB


@control("IAM-7", severity="medium",
         frameworks={CIS_3: "1.14", CIS_5: "1.13", CIS_6: "2.13", CIS_7: "2.12",
                     SECURITY_HUB: "IAM.3", PCI_DSS: "8.3.9, 8.6.3",
                     NIST: "AC-2(1), AC-2(3), AC-3(15)"},
         remediation="""
         For each key named: create a second key (aws iam create-access-key --user-name USER), move its users to
         it, make the old key inactive (aws iam update-access-key --status Inactive), then delete it. Better,
         replace long-lived keys with roles or IAM Identity Center.
         """)
def test_access_keys_rotated(iam_users, now, threshold, findings):
    """Active access keys are rotated within 90 days

    A key that lives for years has been copied into more places than anyone remembers. Rotation bounds how long
    a leaked key stays useful.
    """
    max_age = threshold["access_key_max_age_days"]
    keys = {f"{user.user} {key.label}": key.last_rotated for user in iam_users for key in user.active_access_keys}
    if not keys:
        not_applicable("no IAM user has an active access key")
    findings.judge(f"active access keys (maximum age {max_age} days)", keys, too_old(keys, now, max_age, "created"))
