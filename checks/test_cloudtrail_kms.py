"""CLOUDTRAIL-4: every trail encrypts its logs with a KMS key."""

from awsaudit import control
from awsaudit.aws.cloudtrail import TRAIL_TYPE
from awsaudit.findings import Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("CLOUDTRAIL-4", severity="medium",
         frameworks={CIS_5: "3.5", CIS_6: "4.5", CIS_7: "4.5", SECURITY_HUB: "CloudTrail.2"},
         remediation="""
         Create a symmetric KMS key whose policy lets cloudtrail.amazonaws.com use it (GenerateDataKey*, with the
         aws:SourceArn of the trail) and lets the log readers decrypt, then for each trail named:
         aws cloudtrail update-trail --name TRAIL --kms-key-id KEY_ARN --region HOME_REGION.
         """)
def test_trails_encrypt_with_kms(trails, findings):
    """Every trail encrypts its log files with a KMS key

    Logs encrypted with S3's own keys can be read by anyone who can read the bucket. With a KMS key, reading them
    also takes kms:Decrypt on the key, a second, separately granted and logged permission.
    """
    judged = {Resource(t.arn, TRAIL_TYPE, t.home_region, t.name): t for t in trails}
    findings.judge("trails", judged, {resource: "no KMS key (S3-managed encryption only)"
                                      for resource, trail in judged.items() if not trail.kms_key_id})
