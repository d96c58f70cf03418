"""S3-4: Amazon Macie watches every region that holds S3 buckets."""

from awsaudit import control, not_applicable
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("S3-4", severity="medium", frameworks={CIS_5: "2.1.3", CIS_6: "3.1.3", CIS_7: "3.1.3"},
         remediation="""
         In each region named: aws macie2 enable-macie --region REGION, then turn on automated sensitive data
         discovery (aws macie2 update-automated-discovery-configuration --status ENABLED --region REGION) or
         schedule classification jobs for the buckets. In an organization, a delegated Macie administrator can
         enable it for every member.
         """)
def test_macie_enabled_where_buckets_are(buckets, macie_status, findings):
    """Amazon Macie is enabled in every region with S3 buckets

    CIS asks that data in S3 be discovered and classified so sensitive data is known and protected. Macie does that
    in the regions where it is enabled; a region holding buckets without it holds data nobody has looked at.
    """
    regions = sorted({bucket.region for bucket in buckets})
    findings.evidence["regions without S3 buckets (not judged)"] = [r for r in macie_status if r not in regions]
    unread = [region for region in regions if region not in macie_status]
    if unread:
        findings.evidence["regions with S3 buckets not read (regions setting, or Macie not offered)"] = unread
    judged = [region for region in regions if region in macie_status]
    if not judged:
        not_applicable("no S3 bucket" + (" in the regions read" if buckets else ""))
    findings.judge("regions with S3 buckets", judged,
                   {region: f"Macie {macie_status[region].lower()}" for region in judged
                    if macie_status[region] != "ENABLED"}, regions=True)
