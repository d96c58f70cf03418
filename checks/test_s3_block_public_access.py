"""S3-3: S3 Block Public Access protects every bucket, at the account level or the bucket's own."""

from awsaudit import control
from awsaudit.aws.s3 import block_gaps, read_in_regions
from awsaudit.findings import Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("S3-3", severity="high",
         frameworks={CIS_5: "2.1.4", CIS_6: "3.1.4", CIS_7: "3.1.4", SECURITY_HUB: "S3.1, S3.8"},
         remediation="""
         For the whole account (covers buckets made later too): aws s3control put-public-access-block
         --account-id ACCOUNT_ID --public-access-block-configuration
         BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
         Or per bucket named: aws s3api put-public-access-block --bucket BUCKET --public-access-block-configuration
         BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
         """)
def test_block_public_access(buckets, bucket_public_access_blocks, account_public_access_block, account, findings):
    """S3 Block Public Access is on for the account or for each bucket

    Block Public Access overrides ACLs and bucket policies that would make data public, so one mistaken grant
    does not publish a bucket. On at the account level, it also covers the buckets created tomorrow.
    """
    account_gaps = block_gaps(account_public_access_block)
    findings.evidence["account-level block: settings off"] = account_gaps or "none: all four on"
    if not buckets:
        setting = Resource(account.identity.account_id, "AWS::::Account", name="account-level S3 Block Public Access")
        findings.judge("account settings", [setting],
                       {setting: "no bucket yet, and the account-level block is off: " + ", ".join(account_gaps)}
                       if account_gaps else {})
        return
    judged = read_in_regions(buckets, bucket_public_access_blocks, findings.evidence)
    offenders = {}
    if account_gaps:
        for bucket in judged:
            gaps = block_gaps(bucket_public_access_blocks[bucket.region][bucket.name])
            if gaps:
                offenders[bucket.resource] = "off at the account level and on the bucket: " + ", ".join(gaps)
    findings.judge("S3 buckets", [bucket.resource for bucket in judged], offenders)
