"""MON-8: s3 bucket policy changes are monitored (CIS v5 4.8, v6/v7 5.8)."""

from awsaudit import control, monitoring
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7


@control("MON-8", severity="medium", frameworks={CIS_5: "4.8", CIS_6: "5.8", CIS_7: "5.8"},
         remediation=monitoring.remediation("s3-bucket-policy-changes", "S3BucketPolicyChanges"))
def test_watches_s3_bucket_policy_changes(alarm_chains):
    """S3 bucket policy changes are monitored

    Bucket policies, ACLs, CORS, lifecycle and replication rules decide who reads a bucket, where its objects are
    copied and when they are deleted. An alarm on each change catches a bucket opened to the world or copied away
    before its data is.

    Security Hub checks this topic as CloudWatch.8 in its CIS 1.2.0 and 1.4.0 standards only.
    """
    chain = alarm_chains.of("s3-bucket-policy-changes")
    assert chain.complete, chain.why
