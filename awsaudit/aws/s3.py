"""Amazon S3: server access logging of the buckets trails deliver to.

GetBucketLogging is asked once per bucket; botocore follows S3's redirect to the bucket's own region. A bucket this
account cannot read (another account's, such as an organization trail's, or one that no longer exists) is kept with
AWS's answer, so a control names it as not evaluated instead of passing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from awsaudit.accounts import describe_aws_error
from awsaudit.aws.cloudtrail import Trail
from awsaudit.errors import error_code
from awsaudit.source_fixtures import source


@dataclass(frozen=True)
class BucketLogging:
    bucket: str
    target: str = ""  # "target-bucket/prefix" where access logs go; "" when logging is off
    unread: str = ""  # why GetBucketLogging did not answer (AccessDenied, NoSuchBucket)

    @property
    def logging(self) -> bool:
        return bool(self.target)


@source("s3", title="trail bucket access logging", actions=["s3:GetBucketLogging"],
        evidence=lambda found: {name: (f"to {each.target}" if each.logging else
                                       f"not read: {each.unread}" if each.unread else "off")
                                for name, each in found.items()} or "none")
def trail_bucket_logging(s3: Any, trails: list[Trail], identity: Any) -> dict[str, BucketLogging]:
    """Server access logging of each bucket a trail delivers to (GetBucketLogging per bucket)."""
    found = {}
    others = {trail.s3_bucket: trail for trail in trails if trail.owned_by_another_account(identity.account_id)}
    for bucket in sorted({trail.s3_bucket for trail in trails if trail.s3_bucket}):
        try:
            enabled = s3.get_bucket_logging(Bucket=bucket).get("LoggingEnabled") or {}
        except ClientError as exc:
            if error_code(exc) not in ("AccessDenied", "NoSuchBucket", "AllAccessDisabled"):
                raise
            if bucket in others:  # an organization trail's bucket, in the account that owns the trail or elsewhere
                why = (f"s3:GetBucketLogging answered {error_code(exc)}: the bucket of trail {others[bucket].arn} "
                       f"of account {others[bucket].account_id}, to be judged by that account's audit")
            else:
                why = describe_aws_error(exc, "s3") + (" (or the bucket belongs to another account)"
                                                       if error_code(exc) == "AccessDenied" else "")
            found[bucket] = BucketLogging(bucket, unread=why)
            continue
        target = enabled.get("TargetBucket", "")
        found[bucket] = BucketLogging(bucket, target=f"{target}/{enabled.get('TargetPrefix', '')}" if target else "")
    return found
