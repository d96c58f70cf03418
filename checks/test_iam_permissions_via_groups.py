"""IAM-8: IAM users receive permissions only through groups."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, NIST, SECURITY_HUB


@control("IAM-8", severity="low",
         frameworks={CIS_3: "1.15", CIS_5: "1.14", CIS_6: "2.14", CIS_7: "2.13", SECURITY_HUB: "IAM.2",
                     NIST: "AC-2, AC-2(1), AC-3, AC-3(7), AC-3(15), AC-6, AC-6(3)"},
         remediation="""
         For each user named: create or pick a group for the job, attach the policies to the group, add the user,
         then detach the user's own policies (aws iam detach-user-policy) and delete their inline policies
         (aws iam delete-user-policy).
         """)
def test_users_get_permissions_only_through_groups(authorization, findings):
    """IAM users receive permissions only through groups

    Permissions granted user by user drift apart and are hard to review or revoke. Granting by group keeps access
    tied to a job, so a reviewer reads a few groups instead of every user.
    """
    findings.judge("IAM users", [user.name for user in authorization.users], {
        user.name: ", ".join([f"policy {arn.rsplit('/', 1)[-1]} attached" for arn in user.attached]
                             + [f"inline policy {name}" for name in user.inline])
        for user in authorization.users if user.attached or user.inline})
