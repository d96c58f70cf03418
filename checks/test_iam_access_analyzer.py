"""IAM-12: IAM Access Analyzer watches every region the audit reads."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("IAM-12", severity="high",
         frameworks={CIS_3: "1.20", CIS_5: "1.19", CIS_6: "2.19", CIS_7: "2.18", SECURITY_HUB: "IAM.28"},
         remediation="""
         In each region named: aws accessanalyzer create-analyzer --analyzer-name external-access --type ACCOUNT
         --region REGION (or --type ORGANIZATION from the organization's management or delegated admin account).
         """)
def test_access_analyzer_in_every_region(access_analyzers, findings):
    """IAM Access Analyzer is active in every audited region

    Access Analyzer finds resources shared outside the account: public buckets, keys and roles trusted by
    strangers. A region it does not watch is a region where such sharing goes unnoticed.
    """
    findings.judge("regions", access_analyzers, {
        region: "no active analyzer" + (f" ({', '.join(a['name'] + ' ' + a['status'] for a in found)})"
                                        if found else "")
        for region, found in access_analyzers.items() if not any(a["status"] == "ACTIVE" for a in found)}, regions=True)
