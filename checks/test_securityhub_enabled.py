"""SECURITYHUB-1: AWS Security Hub is enabled in every region the audit reads."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("SECURITYHUB-1", severity="medium",
         frameworks={CIS_5: "4.16", CIS_6: "5.16", CIS_7: "5.16"},
         remediation="""
         In each region named: aws securityhub enable-security-hub --enable-default-standards --region REGION
         (or, in an organization, designate a delegated administrator and enable Security Hub for member accounts
         and regions from it: aws securityhub create-configuration-policy / update-organization-configuration).
         """)
def test_security_hub_enabled(security_hub, findings):
    """AWS Security Hub is enabled in every audited region

    Security Hub gathers the findings of GuardDuty, Inspector, Macie, Config and its own checks into one place
    per region. A region where it is off has no such view: what goes wrong there is seen late or not at all.
    """
    findings.judge("regions", security_hub,
                   {region: f"Security Hub is not enabled ({hub.off})"
                    for region, hub in security_hub.items() if not hub.enabled}, regions=True)
