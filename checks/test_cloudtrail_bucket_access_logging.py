"""CLOUDTRAIL-3: the S3 buckets trails deliver to log every access to them."""

from awsaudit import control, not_applicable
from awsaudit.errors import AuditError
from awsaudit.findings import Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("CLOUDTRAIL-3", severity="low",
         frameworks={CIS_5: "3.4", CIS_6: "4.4", CIS_7: "4.4", SECURITY_HUB: "CloudTrail.7"},
         remediation="""
         For each bucket named: aws s3api put-bucket-logging --bucket BUCKET --bucket-logging-status
         '{"LoggingEnabled": {"TargetBucket": "ACCESS_LOG_BUCKET", "TargetPrefix": "BUCKET/"}}', with a target
         bucket in the same region and account that lets logging.s3.amazonaws.com write to it. A bucket of another
         account (an organization trail's) is set, and audited, in that account.
         """)
def test_trail_buckets_log_access(trails, trail_bucket_logging, findings):
    """Server access logging is enabled on every CloudTrail S3 bucket

    Access logs of the bucket that holds the trail's logs show who read, copied or deleted them: the first thing to
    look at when logs are missing or leaked.
    """
    if not trails:
        not_applicable("no trail: no CloudTrail bucket to judge")
    judged = {Resource(f"arn:aws:s3:::{name}", "AWS::S3::Bucket", "", name): each
              for name, each in trail_bucket_logging.items()}
    unread = {str(bucket): each.unread for bucket, each in judged.items() if each.unread}
    if unread:
        findings.evidence["CloudTrail buckets not evaluated"] = unread
    findings.judge("CloudTrail S3 buckets", [bucket for bucket, each in judged.items() if not each.unread],
                   {bucket: "server access logging off" for bucket, each in judged.items()
                    if not each.unread and not each.logging})
    if unread:
        raise AuditError("could not read the access logging of CloudTrail buckets: "
                         + "; ".join(f"{bucket}: {why}" for bucket, why in unread.items()))
