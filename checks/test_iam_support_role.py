"""IAM-10: someone can open and manage cases with AWS Support."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, PCI_DSS, SECURITY_HUB


@control("IAM-10", severity="low",
         frameworks={CIS_3: "1.17", CIS_5: "1.16", CIS_6: "2.16", CIS_7: "2.15",
                     SECURITY_HUB: "IAM.18", PCI_DSS: "12.10.3"},
         remediation="""
         Create a role for your incident responders and attach AWSSupportAccess to it:
         aws iam create-role --role-name aws-support --assume-role-policy-document file://trust.json
         aws iam attach-role-policy --role-name aws-support --policy-arn arn:aws:iam::aws:policy/AWSSupportAccess
         """)
def test_support_role_exists(authorization, evidence):
    """A role for AWS Support exists (AWSSupportAccess attached)

    During an incident, responders need to reach AWS Support at once, without borrowing an administrator's access.
    A dedicated role gives them exactly that.
    """
    roles = [role.name for role in authorization.holders_of_aws_policy("AWSSupportAccess") if role.kind == "role"]
    evidence["roles with AWSSupportAccess"] = roles
    assert roles, f"no role has AWSSupportAccess attached ({len(authorization.roles)} roles read)"
