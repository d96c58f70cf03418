"""IAM-9: no policy in use grants every action on every resource."""

from awsaudit import control
from awsaudit.authorization import full_admin_statements
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, NIST, SECURITY_HUB


@control("IAM-9", severity="high",
         frameworks={CIS_3: "1.16", CIS_5: "1.15", CIS_6: "2.15", CIS_7: "2.14", SECURITY_HUB: "IAM.1",
                     NIST: "AC-2, AC-2(1), AC-3, AC-3(7), AC-3(15), AC-5, AC-6, AC-6(2), AC-6(3), AC-6(10)"},
         remediation="""
         For each policy named, find who holds it (aws iam list-entities-for-policy --policy-arn ARN) and what they
         really do (IAM Access Analyzer policy generation, or last-accessed data), give them a policy with only
         those actions, then detach the full-administrator policy or delete the inline one.
         """)
def test_no_full_admin_policies_attached(authorization, findings):
    """No attached policy grants full administrative "*" on "*"

    A policy that allows every action on every resource removes least privilege for whoever holds it: one
    compromised holder can read, change or delete anything in the account, its audit trail included.
    """
    attached = [policy for policy in authorization.policies if policy.attachments]
    inline = [(identity, name, doc) for identity in authorization.identities for name, doc in identity.inline.items()]
    offenders = {f"policy {p.name}": f"grants * on *, attachment count {p.attachments}" for p in attached
                 if full_admin_statements(p.document)}
    offenders |= {f"inline policy {name} of {identity.label}": "grants * on *" for identity, name, doc in inline
                  if full_admin_statements(doc)}
    findings.judge("policies in use", [f"policy {p.name}" for p in attached]
                   + [f"inline policy {name} of {identity.label}" for identity, name, _ in inline], offenders)
