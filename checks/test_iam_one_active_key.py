"""IAM-6: no IAM user has two active access keys."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6


@control("IAM-6", severity="medium", frameworks={CIS_3: "1.13", CIS_5: "1.12", CIS_6: "2.12"},
         remediation="""
         For each user named, find which key is still in use (aws iam get-access-key-last-used --access-key-id KEY),
         make the other inactive, confirm nothing breaks, then delete it. Keep a second key only during a rotation.
         """)
def test_at_most_one_active_access_key(iam_users, findings):
    """At most one active access key per user

    Two live keys for one identity double what can leak and make it unclear which one a workload really uses.
    The second key exists for rotation and should not outlive it.
    """
    findings.judge("IAM users", [user.resource for user in iam_users],
                   {user.resource: "access keys 1 and 2 are both active"
                    for user in iam_users if len(user.active_access_keys) > 1})
