"""The S3 and Macie loaders on hand-made AWS answers: where each bucket lives, which calls go to which region, what
"none" looks like, and what must stay an error (a bucket that cannot be read, a Macie call that is denied)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit.aws.s3 import Bucket, Versioning, block_gaps, read_in_regions
from awsaudit.errors import SourceError
from awsaudit.sources import SOURCES

# The loaders (`@source` makes each name the fixture; the loader itself is the declared source's).
buckets = SOURCES["buckets"].loader
bucket_policies = SOURCES["bucket_policies"].loader
bucket_versioning = SOURCES["bucket_versioning"].loader
macie_status = SOURCES["macie_status"].loader

IDENTITY = SimpleNamespace(account_id="121000000009", caller_arn="arn:aws:sts::121000000009:assumed-role/audit/x")


def error(code: str, message: str = "", operation: str = "GetBucketPolicy") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


class Client:
    """A client of one region that answers each operation from a table (a callable of the parameters)."""

    def __init__(self, region: str, **answers: Any) -> None:
        self.meta = SimpleNamespace(region_name=region)
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def get_paginator(self, operation: str) -> Any:
        return SimpleNamespace(paginate=lambda **params: [self._answer(operation, params)])

    def __getattr__(self, operation: str) -> Any:
        if operation not in self.answers:
            raise AttributeError(operation)
        return lambda **params: self._answer(operation, params)

    def _answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        answer = self.answers[operation]
        return answer(**params) if callable(answer) else answer


def test_a_bucket_region_comes_from_list_buckets_or_else_from_its_location() -> None:
    locations = {"old-virginia": None, "old-ireland": "EU", "tokyo": "ap-northeast-1"}

    def location(Bucket: str) -> dict[str, Any]:
        return {} if locations[Bucket] is None else {"LocationConstraint": locations[Bucket]}

    s3 = Client("us-east-1", list_buckets={"Buckets": [
        {"Name": "listed", "BucketRegion": "eu-central-1"}, *({"Name": name} for name in locations)]},
        get_bucket_location=location)
    found = buckets(s3, IDENTITY)
    assert [(b.name, b.region) for b in found] == [("listed", "eu-central-1"), ("old-virginia", "us-east-1"),
                                                    ("old-ireland", "eu-west-1"), ("tokyo", "ap-northeast-1")]
    assert [params["Bucket"] for op, params in s3.calls if op == "get_bucket_location"] == list(locations)
    assert found[0].arn == "arn:aws:s3:::listed" and found[0].objects_arn == "arn:aws:s3:::listed/*"


def test_each_region_reads_only_its_own_buckets() -> None:
    found = [Bucket("here", "eu-west-1"), Bucket("there", "us-east-1")]
    s3 = Client("eu-west-1", get_bucket_versioning={"Status": "Enabled", "MFADelete": "Enabled"},
                get_bucket_policy=lambda Bucket: (_ for _ in ()).throw(error("NoSuchBucketPolicy")))
    assert bucket_versioning(s3, found) == {"here": Versioning("Enabled", "Enabled")}
    assert bucket_policies(s3, found) == {"here": None}
    assert {params["Bucket"] for _, params in s3.calls} == {"here"}


def test_a_bucket_whose_policy_cannot_be_read_fails_the_source_naming_it() -> None:
    s3 = Client("us-east-1", get_bucket_policy=lambda Bucket: (_ for _ in ()).throw(
        error("AccessDenied", "Access Denied")))
    with pytest.raises(SourceError, match=r"bucket secret-data: s3:GetBucketPolicy was denied \(AccessDenied\)"):
        bucket_policies(s3, [Bucket("secret-data", "us-east-1")])


def test_an_unreadable_bucket_policy_fails_the_source_naming_the_bucket() -> None:
    s3 = Client("us-east-1", get_bucket_policy={"Policy": "{not json"})
    with pytest.raises(SourceError, match="unreadable policy for odd"):
        bucket_policies(s3, [Bucket("odd", "us-east-1")])


def test_never_versioned_reads_as_empty() -> None:
    s3 = Client("us-east-1", get_bucket_versioning={})
    assert bucket_versioning(s3, [Bucket("b", "us-east-1")]) == {"b": Versioning("", "")}


def test_buckets_of_regions_not_read_are_named_in_the_evidence() -> None:
    evidence: dict[str, Any] = {}
    found = [Bucket("a", "us-east-1"), Bucket("b", "ap-south-1")]
    assert read_in_regions(found, {"us-east-1": {}}, evidence) == [found[0]]
    assert evidence == {"S3 buckets not judged (their region is not read)": ["ap-south-1: b"]}


@pytest.mark.parametrize("block, gaps", [
    (None, ["BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets"]),
    ({"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}, []),
    ({"BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True}, ["RestrictPublicBuckets"]),
])
def test_a_block_protects_only_with_its_four_settings_on(block: Any, gaps: list[str]) -> None:
    assert block_gaps(block) == gaps


def test_macie_never_enabled_reads_as_off() -> None:
    macie = Client("eu-west-1", get_macie_session=lambda: (_ for _ in ()).throw(
        error("AccessDeniedException", "Macie is not enabled.", "GetMacieSession")))
    assert macie_status(macie) == "NOT ENABLED"


def test_macie_denied_to_the_auditor_stays_an_error() -> None:
    denied = error("AccessDeniedException", "User: arn:aws:sts::1:assumed-role/audit/x is not authorized to perform: "
                   "macie2:GetMacieSession on resource: arn:aws:macie2:eu-west-1:1:*", "GetMacieSession")
    macie = Client("eu-west-1", get_macie_session=lambda: (_ for _ in ()).throw(denied))
    with pytest.raises(ClientError):
        macie_status(macie)


@pytest.mark.parametrize("status", ["ENABLED", "PAUSED"])
def test_macie_status_is_as_aws_gives_it(status: str) -> None:
    assert macie_status(Client("eu-west-1", get_macie_session={"status": status})) == status
