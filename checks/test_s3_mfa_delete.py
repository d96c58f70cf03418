"""S3-2: every S3 bucket is versioned, with MFA Delete."""

from awsaudit import control
from awsaudit.aws.s3 import read_in_regions
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("S3-2", severity="low", frameworks={CIS_5: "2.1.2", CIS_6: "3.1.2", CIS_7: "3.1.2", SECURITY_HUB: "S3.20"},
         remediation="""
         As the root user, with its MFA device, for each bucket named:
         aws s3api put-bucket-versioning --bucket BUCKET --versioning-configuration Status=Enabled,MFADelete=Enabled
         --mfa "arn:aws:iam::ACCOUNT_ID:mfa/root-account-mfa-device CODE"
         """)
def test_buckets_have_mfa_delete(buckets, bucket_versioning, findings):
    """S3 buckets are versioned with MFA Delete enabled

    With versioning, an overwritten or deleted object can be restored. MFA Delete makes removing a version or
    suspending versioning need the root user's MFA code too, so stolen credentials alone cannot destroy the history.
    """
    judged = read_in_regions(buckets, bucket_versioning, findings.evidence)
    offenders = {}
    for bucket in judged:
        versioning = bucket_versioning[bucket.region][bucket.name]
        if versioning.status != "Enabled":
            offenders[bucket.resource] = f"versioning {versioning.status.lower() or 'never enabled'}"
        elif versioning.mfa_delete != "Enabled":
            offenders[bucket.resource] = "versioned, MFA Delete not enabled"
    findings.judge("S3 buckets", [bucket.resource for bucket in judged], offenders)
