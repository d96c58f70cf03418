"""The CIS Logging section's judgements on hand-made AWS answers: CloudTrail event selectors (basic and advanced,
each pitfall peers hit), trails merged from every region's DescribeTrails with status asked of the home region, an
organization trail a member is told little about, AWS Config recorders and KMS keys that can or cannot rotate."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit.aws.cloudtrail import (
    Recorded,
    Trail,
    management_events,
    s3_object_events,
    why_not_everywhere,
    why_not_s3_objects,
)
from awsaudit.aws.config import Recorder
from awsaudit.aws.kms import Key
from awsaudit.errors import SourceError
from awsaudit.sources import SOURCES

ACCOUNT = "111111111111"
MANAGER = "999999999999"


def basic(read_write: str = "All", management: bool = True, *values: str, **more: Any) -> dict[str, Any]:
    selector: dict[str, Any] = {"ReadWriteType": read_write, "IncludeManagementEvents": management, **more}
    if values:
        selector["DataResources"] = [{"Type": "AWS::S3::Object", "Values": list(values)}]
    return selector


def advanced(name: str, *fields: dict[str, Any]) -> dict[str, Any]:
    return {"Name": name, "FieldSelectors": list(fields)}


def equals(field: str, *values: str) -> dict[str, Any]:
    return {"Field": field, "Equals": list(values)}


DATA_S3 = (equals("eventCategory", "Data"), equals("resources.type", "AWS::S3::Object"))


# -- basic event selectors -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["arn:aws:s3", "arn:aws:s3:::", "arn:aws-us-gov:s3:::"])
def test_a_basic_selector_of_every_bucket_records_all_s3_objects(value: str) -> None:
    assert s3_object_events([basic("All", True, value)], None) == Recorded(True, True)


def test_a_basic_selector_narrowed_to_a_bucket_records_only_some() -> None:
    found = s3_object_events([basic("All", True, "arn:aws:s3:::logs/")], None)
    assert (found.read, found.write) == (False, False)
    assert found.partly == ("read and write of arn:aws:s3:::logs/",)


@pytest.mark.parametrize("side, expected", [("ReadOnly", (True, False)), ("WriteOnly", (False, True)),
                                            ("All", (True, True))])
def test_read_write_type_picks_the_side(side: str, expected: tuple[bool, bool]) -> None:
    found = s3_object_events([basic(side, True, "arn:aws:s3")], None)
    assert (found.read, found.write) == expected
    assert (management_events([basic(side)], None).read, management_events([basic(side)], None).write) == expected


def test_selectors_add_up_and_a_later_one_does_not_overwrite_an_earlier_one() -> None:
    """ScoutSuite #1674: a flag overwritten by each selector in turn gave the last selector's answer."""
    selectors = [basic("ReadOnly", True, "arn:aws:s3"), basic("WriteOnly", False, "arn:aws:s3:::one/"),
                 basic("WriteOnly", True, "arn:aws:s3:::")]
    assert s3_object_events(selectors, None).all
    assert management_events(selectors, None).all
    both = s3_object_events([basic("All", True, "arn:aws:s3"), basic("All", True, "arn:aws:s3:::one/")], None)
    assert both.all and both.partly == ("read and write of arn:aws:s3:::one/",)


def test_other_data_types_and_management_only_selectors_record_no_s3_object() -> None:
    lambda_only = {"ReadWriteType": "All", "DataResources": [{"Type": "AWS::Lambda::Function",
                                                              "Values": ["arn:aws:lambda"]}]}
    assert s3_object_events([lambda_only, basic()], None) == Recorded()


def test_management_events_need_include_management_events_and_no_excluded_source() -> None:
    assert management_events([basic("All", False)], None) == Recorded()
    excluded = management_events([basic("All", True, ExcludeManagementEventSources=["kms.amazonaws.com"])], None)
    assert not excluded.read and not excluded.write
    assert excluded.partly == ("read and write excluding kms.amazonaws.com",)
    assert management_events([{"ReadWriteType": "All"}], None).all  # IncludeManagementEvents defaults to true
    assert management_events([], None) == management_events(None, None) == Recorded()


# -- advanced event selectors ----------------------------------------------------------------------------------------

def test_advanced_selectors_record_every_s3_object_without_read_only() -> None:
    """Prowler #1795: a check that read only basic selectors failed trails configured with advanced ones."""
    assert s3_object_events(None, [advanced("s3", *DATA_S3)]) == Recorded(True, True)
    assert management_events([], [advanced("m", equals("eventCategory", "Management"))]) == Recorded(True, True)


@pytest.mark.parametrize("read_only, expected", [
    (equals("readOnly", "true"), (True, False)),
    (equals("readOnly", "false"), (False, True)),
    (equals("readOnly", "true", "false"), (True, True)),
    ({"Field": "readOnly", "NotEquals": ["true"]}, (False, True)),
])
def test_read_only_picks_the_side_and_absent_means_both(read_only: dict[str, Any],
                                                        expected: tuple[bool, bool]) -> None:
    found = s3_object_events(None, [advanced("s3", *DATA_S3, read_only)])
    assert (found.read, found.write) == expected


def test_two_advanced_selectors_one_side_each_add_up() -> None:
    found = s3_object_events(None, [advanced("reads", *DATA_S3, equals("readOnly", "true")),
                                    advanced("writes", *DATA_S3, equals("readOnly", "false"))])
    assert found.all


def test_a_resources_arn_narrowing_to_some_buckets_records_only_some() -> None:
    narrowed = s3_object_events(None, [advanced("one", *DATA_S3, {"Field": "resources.ARN",
                                                                  "StartsWith": ["arn:aws:s3:::logs/"]})])
    assert (narrowed.read, narrowed.write) == (False, False)
    assert narrowed.partly == ("one (read and write, narrowed by resources.ARN)",)
    excluding = s3_object_events(None, [advanced("not one", *DATA_S3, {"Field": "resources.ARN",
                                                                       "NotStartsWith": ["arn:aws:s3:::logs/"]})])
    assert not excluding.read and not excluding.write


def test_a_resources_arn_of_every_bucket_still_records_all() -> None:
    found = s3_object_events(None, [advanced("all", *DATA_S3, {"Field": "resources.ARN",
                                                               "StartsWith": ["arn:aws:s3:::"]})])
    assert found.all


def test_any_other_field_narrows_an_advanced_selector() -> None:
    by_name = s3_object_events(None, [advanced("puts", *DATA_S3, equals("eventName", "PutObject"))])
    assert not by_name.write and by_name.partly
    without_kms = management_events(None, [advanced("m", equals("eventCategory", "Management"),
                                                    {"Field": "eventSource", "NotEquals": ["kms.amazonaws.com"]})])
    assert not without_kms.all and without_kms.partly == ("m (read and write, narrowed by eventSource)",)


def test_a_selector_of_another_category_or_type_records_nothing_here() -> None:
    dynamodb = advanced("ddb", equals("eventCategory", "Data"), equals("resources.type", "AWS::DynamoDB::Table"))
    assert s3_object_events(None, [dynamodb]) == Recorded()
    assert management_events(None, [advanced("s3", *DATA_S3)]) == Recorded()
    assert s3_object_events(None, [advanced("m", equals("eventCategory", "Management"))]) == Recorded()


# -- trails from every region ----------------------------------------------------------------------------------------

def described(name: str, home: str, account: str = ACCOUNT, **more: Any) -> dict[str, Any]:
    return {"Name": name, "TrailARN": f"arn:aws:cloudtrail:{home}:{account}:trail/{name}", "HomeRegion": home,
            "S3BucketName": f"{name}-bucket", "IsMultiRegionTrail": True, "LogFileValidationEnabled": True, **more}


class FakeCloudTrail:
    """A region's CloudTrail: DescribeTrails' answer, and the status and selectors of the trails it owns."""

    def __init__(self, region: str, trails: list[dict[str, Any]], refuse: str = "") -> None:
        self.meta = type("Meta", (), {"region_name": region})()
        self.trails, self.refuse, self.asked = trails, refuse, []

    def describe_trails(self, includeShadowTrails: bool) -> dict[str, Any]:
        assert includeShadowTrails
        return {"trailList": self.trails}

    def _answer(self, operation: str, arn: str, answer: dict[str, Any]) -> dict[str, Any]:
        self.asked.append((operation, arn))
        if self.refuse:
            raise ClientError({"Error": {"Code": self.refuse, "Message": "Unknown trail"}}, operation)
        return answer

    def get_trail_status(self, Name: str) -> dict[str, Any]:
        return self._answer("GetTrailStatus", Name, {"IsLogging": True})

    def get_event_selectors(self, TrailName: str) -> dict[str, Any]:
        return self._answer("GetEventSelectors", TrailName, {"EventSelectors": [basic()]})


IDENTITY = type("Identity", (), {"account_id": ACCOUNT})()
by_region = SOURCES["trails_by_region"].loader
merged = SOURCES["trails"].loader


def test_status_and_selectors_are_asked_of_the_home_region_only() -> None:
    trail = described("main", "eu-west-1")
    home, shadow = FakeCloudTrail("eu-west-1", [trail]), FakeCloudTrail("us-east-1", [trail])
    found = {"us-east-1": by_region(shadow, IDENTITY), "eu-west-1": by_region(home, IDENTITY)}
    assert shadow.asked == []
    assert [operation for operation, _ in home.asked] == ["GetTrailStatus", "GetEventSelectors"]
    [main] = merged(None, found)
    assert (main.home_region, main.logging, main.management, main.selectors) == (
        "eu-west-1", True, Recorded(True, True), "basic")
    assert why_not_everywhere(main, ACCOUNT) == ""


def test_a_trail_homed_in_a_region_not_read_is_an_error_naming_it() -> None:
    found = {"us-east-1": by_region(FakeCloudTrail("us-east-1", [described("main", "eu-west-1")]), IDENTITY)}
    with pytest.raises(SourceError, match=r"main \(home region eu-west-1\)"):
        merged(None, found)


def test_an_organization_trail_a_member_is_not_told_about_counts_for_all_regions_only() -> None:
    org = described("org", "us-east-1", MANAGER, IsOrganizationTrail=True)
    [trail] = by_region(FakeCloudTrail("us-east-1", [org], refuse="TrailNotFoundException"), IDENTITY)
    assert trail.logging is None and "TrailNotFoundException" in trail.status_unread
    assert why_not_everywhere(trail, ACCOUNT) == ""
    assert why_not_s3_objects(trail, "write").startswith("unknown: ")
    single = Trail(**{**trail.__dict__, "multi_region": False})
    assert why_not_everywhere(single, ACCOUNT) == "single-region trail (only us-east-1)"


def test_the_account_s_own_trail_refused_is_an_error_not_an_unknown() -> None:
    with pytest.raises(ClientError):
        by_region(FakeCloudTrail("us-east-1", [described("own", "us-east-1")], refuse="TrailNotFoundException"),
                  IDENTITY)


def test_every_reason_a_trail_does_not_count_is_named() -> None:
    trail = Trail("t", f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/t", "us-east-1", False, False, False, "b", "",
                  "", "", True, logging=False, management=Recorded(False, True), s3_objects=Recorded(), selectors="basic")
    assert why_not_everywhere(trail, ACCOUNT) == ("single-region trail (only us-east-1); not logging (StopLogging); "
                                                 "management events recorded: write only")
    assert why_not_s3_objects(trail, "read").endswith("basic selectors record S3 object events: none")


# -- AWS Config and KMS ----------------------------------------------------------------------------------------------

def recorder(**changes: Any) -> Recorder:
    base = dict(name="default", recording=True, last_status="SUCCESS", last_error="", all_supported=True,
                strategy="ALL_SUPPORTED_RESOURCE_TYPES", excluded=(), included=(), global_resource_types=True)
    return Recorder(**{**base, **changes})


@pytest.mark.parametrize("changes, reason", [
    ({}, ""),
    ({"strategy": ""}, ""),
    ({"recording": False}, "default is not recording"),
    ({"last_status": "FAILURE", "last_error": "NoSuchBucket"}, "default is failing (NoSuchBucket)"),
    ({"all_supported": False, "strategy": "EXCLUSION_BY_RESOURCE_TYPES", "excluded": ("AWS::EC2::Instance",)},
     "default excludes AWS::EC2::Instance (EXCLUSION_BY_RESOURCE_TYPES)"),
    ({"all_supported": False, "strategy": "INCLUSION_BY_RESOURCE_TYPES", "included": ("AWS::S3::Bucket",)},
     "default records only AWS::S3::Bucket (INCLUSION_BY_RESOURCE_TYPES)"),
])
def test_a_recorder_records_everything_only_when_recording_all_supported_types(changes: dict[str, Any],
                                                                              reason: str) -> None:
    assert recorder(**changes).why_not() == reason


def key(**changes: Any) -> Key:
    base = dict(key_id="k", arn="arn:aws:kms:us-east-1:111111111111:key/k", manager="CUSTOMER", state="Enabled",
                spec="SYMMETRIC_DEFAULT", usage="ENCRYPT_DECRYPT", origin="AWS_KMS")
    return Key(**{**base, **changes})


@pytest.mark.parametrize("changes, judged", [
    ({}, True),
    ({"manager": "AWS"}, False),
    ({"state": "Disabled"}, False),
    ({"state": "PendingDeletion"}, False),
    ({"spec": "RSA_2048", "usage": "SIGN_VERIFY"}, False),
    ({"spec": "HMAC_256", "usage": "GENERATE_VERIFY_MAC"}, False),
    ({"origin": "EXTERNAL"}, False),
    ({"origin": "AWS_CLOUDHSM"}, False),
    ({"origin": "EXTERNAL_KEY_STORE"}, False),
])
def test_only_enabled_customer_symmetric_keys_of_kms_material_are_judged(changes: dict[str, Any],
                                                                        judged: bool) -> None:
    assert (key(**changes).not_judged_because == "") is judged


class FakeKms:
    def __init__(self, keys: list[dict[str, Any]]) -> None:
        self.keys, self.rotation_asked = {k["KeyId"]: k for k in keys}, []

    def get_paginator(self, name: str) -> Any:
        keys = [{"KeyId": key_id} for key_id in self.keys]
        return type("P", (), {"paginate": lambda self: [{"Keys": keys}]})()

    def describe_key(self, KeyId: str) -> dict[str, Any]:
        return {"KeyMetadata": self.keys[KeyId]}

    def get_key_rotation_status(self, KeyId: str) -> dict[str, Any]:
        self.rotation_asked.append(KeyId)
        return {"KeyRotationEnabled": KeyId == "rotating"}


def test_rotation_is_asked_only_of_the_keys_that_can_rotate() -> None:
    def meta(key_id: str, **more: Any) -> dict[str, Any]:
        return {"KeyId": key_id, "Arn": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{key_id}", "KeyManager": "CUSTOMER",
                "KeyState": "Enabled", "KeySpec": "SYMMETRIC_DEFAULT", "Origin": "AWS_KMS", **more}

    kms = FakeKms([meta("rotating"), meta("still"), meta("signing", KeySpec="ECC_NIST_P256"),
                   meta("doomed", KeyState="PendingDeletion"), meta("aws", KeyManager="AWS")])
    found = {k.key_id: k.rotates for k in SOURCES["kms_keys"].loader(kms)}
    assert found == {"rotating": True, "still": False, "signing": None, "doomed": None, "aws": None}
    assert kms.rotation_asked == ["rotating", "still"]
