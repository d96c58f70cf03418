"""Amazon S3: the account's buckets, each bucket's policy, versioning and public access block, and the account's own
public access block (S3 Control).

ListBuckets is one global call; the settings of a bucket are calls per bucket, made in the bucket's region. They are
regional sources: in each region the audit reads, the loader reads the buckets that live there, so a bucket's calls go
to its region's endpoint and a region that cannot be read is named. A bucket in a region the audit does not read (the
`regions` setting) is listed by `buckets` but has no settings read.

The access logging of the buckets trails deliver to is asked per bucket too (GetBucketLogging; botocore follows S3's
redirect to the bucket's own region). A trail bucket this account cannot read (another account's, such as an
organization trail's, or one that no longer exists) is kept with AWS's answer, so a control names it as not evaluated
instead of passing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, TypeVar

from botocore.exceptions import ClientError

from awsaudit import policy_documents
from awsaudit.accounts import describe_aws_error
from awsaudit.aws.absent import absent_when
from awsaudit.aws.cloudtrail import Trail
from awsaudit.errors import SourceError, error_code
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source

T = TypeVar("T")

# The four settings of a public access block, all of which must be on for it to block.
BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
# GetBucketLocation's answer for the regions that predate LocationConstraint.
LEGACY_LOCATIONS = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}


@dataclass(frozen=True)
class Bucket:
    name: str
    region: str
    partition: str = "aws"

    @property
    def arn(self) -> str:
        return f"arn:{self.partition}:s3:::{self.name}"

    @property
    def objects_arn(self) -> str:
        return f"{self.arn}/*"

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::S3::Bucket", self.region, self.name)


@dataclass(frozen=True)
class Versioning:
    status: str  # "Enabled", "Suspended", or "" (never enabled)
    mfa_delete: str  # "Enabled", "Disabled", or "" (never set)


def _region(s3: Any, listed: dict[str, Any]) -> str:
    """A bucket's region: ListBuckets names it (BucketRegion); otherwise GetBucketLocation does."""
    if listed.get("BucketRegion"):
        return str(listed["BucketRegion"])
    location = s3.get_bucket_location(Bucket=listed["Name"]).get("LocationConstraint")
    return LEGACY_LOCATIONS.get(location, location)


def _partition(identity: Any) -> str:
    parts = str(getattr(identity, "caller_arn", "")).split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


@source("s3", actions=["s3:ListAllMyBuckets", "s3:GetBucketLocation"],
        evidence=lambda found: [f"{b.region}: {b.name}" for b in found] or "none")
def buckets(s3: Any, identity: Any) -> list[Bucket]:
    """The account's S3 buckets with their regions (one ListBuckets; GetBucketLocation for a bucket whose region
    ListBuckets does not give)."""
    partition = _partition(identity)
    pages = s3.get_paginator("list_buckets").paginate()
    return [Bucket(listed["Name"], _region(s3, listed), partition)
            for page in pages for listed in page.get("Buckets", [])]


def _per_bucket(s3: Any, found: list[Bucket], read: Callable[[Bucket], T]) -> dict[str, T]:
    """`read(bucket)` for each bucket of the client's region; a bucket that cannot be read fails the source, named."""
    region = s3.meta.region_name
    answers: dict[str, T] = {}
    for bucket in found:
        if bucket.region != region:
            continue
        try:
            answers[bucket.name] = read(bucket)
        except ClientError as exc:
            raise SourceError(f"bucket {bucket.name}: {describe_aws_error(exc, 's3')}") from None
    return answers


def _policy(s3: Any, bucket: Bucket) -> Optional[policy_documents.Document]:
    text = absent_when("NoSuchBucketPolicy", lambda: s3.get_bucket_policy(Bucket=bucket.name)["Policy"])
    return None if text is None else policy_documents.read(text, "s3:GetBucketPolicy", bucket.name)


@source("s3", regional=True, actions=["s3:GetBucketPolicy"],
        evidence=lambda found: {name: "none" if doc is None else f"{len(doc.statements)} statements"
                                for name, doc in found.items()})
def bucket_policies(s3: Any, buckets: list[Bucket]) -> dict[str, Optional[policy_documents.Document]]:
    """The policy of each bucket in the region, by bucket name (None: the bucket has no policy)."""
    return _per_bucket(s3, buckets, lambda bucket: _policy(s3, bucket))


def _versioning(s3: Any, bucket: Bucket) -> Versioning:
    answer = s3.get_bucket_versioning(Bucket=bucket.name)
    return Versioning(answer.get("Status", ""), answer.get("MFADelete", ""))


@source("s3", regional=True, actions=["s3:GetBucketVersioning"],
        evidence=lambda found: {name: f"versioning {v.status or 'never enabled'}, MFA delete {v.mfa_delete or 'unset'}"
                                for name, v in found.items()})
def bucket_versioning(s3: Any, buckets: list[Bucket]) -> dict[str, Versioning]:
    """The versioning state and MFA delete of each bucket in the region, by bucket name."""
    return _per_bucket(s3, buckets, lambda bucket: _versioning(s3, bucket))


def _block(s3: Any, bucket: Bucket) -> Optional[dict[str, bool]]:
    return absent_when("NoSuchPublicAccessBlockConfiguration",
                       lambda: s3.get_public_access_block(Bucket=bucket.name)["PublicAccessBlockConfiguration"])


@source("s3", regional=True, actions=["s3:GetBucketPublicAccessBlock"], title="bucket public access blocks",
        evidence=lambda found: {name: block if block is not None else "none" for name, block in found.items()})
def bucket_public_access_blocks(s3: Any, buckets: list[Bucket]) -> dict[str, Optional[dict[str, bool]]]:
    """The public access block of each bucket in the region, by bucket name (None: the bucket has none)."""
    return _per_bucket(s3, buckets, lambda bucket: _block(s3, bucket))


@source("s3control", actions=["s3:GetAccountPublicAccessBlock"], title="account public access block",
        evidence=lambda block: block if block is not None else "none (NoSuchPublicAccessBlockConfiguration)")
def account_public_access_block(s3control: Any, identity: Any) -> Optional[dict[str, bool]]:
    """The account-level S3 public access block, which covers every bucket, those made later too (None: none)."""
    return absent_when("NoSuchPublicAccessBlockConfiguration", lambda: s3control.get_public_access_block(
        AccountId=identity.account_id)["PublicAccessBlockConfiguration"])


def read_in_regions(found: list[Bucket], by_region: dict[str, Any], evidence: dict[str, Any]) -> list[Bucket]:
    """The buckets whose region the audit read (`by_region`: a regional source's value); the others, in regions the
    `regions` setting leaves out, are listed in `evidence` as not judged."""
    unread = [f"{bucket.region}: {bucket.name}" for bucket in found if bucket.region not in by_region]
    if unread:
        evidence["S3 buckets not judged (their region is not read)"] = unread
    return [bucket for bucket in found if bucket.region in by_region]


def block_gaps(block: Optional[dict[str, Any]]) -> list[str]:
    """The settings of a public access block that are not on (all four when there is none)."""
    return [setting for setting in BLOCK_SETTINGS if block is None or block.get(setting) is not True]


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
