"""IAM-13: AWSCloudShellFullAccess is held by no one."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("IAM-13", severity="medium",
         frameworks={CIS_3: "1.22", CIS_5: "1.21", CIS_6: "2.21", CIS_7: "2.20", SECURITY_HUB: "IAM.27"},
         remediation="""
         Detach the policy from each identity named (aws iam detach-user-policy / detach-group-policy /
         detach-role-policy --policy-arn arn:aws:iam::aws:policy/AWSCloudShellFullAccess). Grant CloudShell with
         a policy that leaves out file upload and download if people still need it.
         """)
def test_cloudshell_full_access_attached_to_no_one(authorization, findings):
    """AWSCloudShellFullAccess is attached to no one

    Full CloudShell access includes moving files in and out of the shell, a path for data to leave the account
    that bypasses the controls on other channels.
    """
    findings.judge("IAM users, groups and roles", [identity.resource for identity in authorization.identities],
                   {identity.resource: "AWSCloudShellFullAccess attached"
                    for identity in authorization.holders_of_aws_policy("AWSCloudShellFullAccess")})
