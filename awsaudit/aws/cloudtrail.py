"""AWS CloudTrail: every trail that logs the account, with what it records and where it delivers.

DescribeTrails is regional, and a region's answer (includeShadowTrails, the default) holds the trails homed there,
the multi-region trails homed in other regions ("shadow" trails) and, in a member account, the organization's
trails, owned by its management account. So every region the audit reads is asked, and the trails are merged by ARN.
A trail's status (GetTrailStatus) and event selectors (GetEventSelectors) are asked of its home region only, once per
trail: a shadow trail is the same trail, and its home region is the one that answers for it.

An organization trail owned by another account may be refused to a member account (TrailNotFoundException, or
CloudTrailARNInvalidException, "AccountID in ARN is wrong"): the trail is kept, with what DescribeTrails told, and
`status_unread` says why the rest is unknown. Controls decide what an unknown means; nothing here guesses it.

The selector judgements (`management_events`, `s3_object_events`) are pure functions of GetEventSelectors' answer,
for basic EventSelectors and AdvancedEventSelectors alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping

from botocore.exceptions import ClientError

from awsaudit.errors import AuditError, SourceError, error_code
from awsaudit.findings import Findings, Resource
from awsaudit.source_fixtures import source

# What AWS answers a member account that asks about an organization trail its management account owns.
NOT_TOLD_TO_MEMBERS = {"TrailNotFoundException", "CloudTrailARNInvalidException"}
# A basic selector's value that selects the objects of every bucket: "arn:aws:s3" or "arn:aws:s3:::" (any partition).
_ALL_S3_OBJECTS = re.compile(r"^arn:[a-z-]+:s3(:::)?$")
S3_OBJECT = "AWS::S3::Object"


@dataclass(frozen=True)
class Recorded:
    """Which events of one kind (management events, S3 object data events) a trail records.

    `read` and `write` are true when the trail records every event of that side; `partly` names each selector that
    records only some (narrowed to some buckets, some event sources or names), with the side it covers.
    """

    read: bool = False
    write: bool = False
    partly: tuple[str, ...] = ()

    @property
    def all(self) -> bool:
        return self.read and self.write

    def describe(self) -> str:
        """"read and write", "write only; narrowed: arn:aws:s3:::logs/ (read)", "none"."""
        sides = "read and write" if self.all else "read only" if self.read else "write only" if self.write else "none"
        return sides + (f"; only some: {', '.join(self.partly)}" if self.partly else "")


def _sides(read_write_type: str) -> tuple[bool, bool]:
    """A basic selector's ReadWriteType as (read, write); AWS's default is All."""
    return read_write_type in ("All", "ReadOnly"), read_write_type in ("All", "WriteOnly")


def _merge(found: Iterable[Recorded]) -> Recorded:
    """Selectors add up: what any one records in full is recorded (never a flag overwritten by the next one)."""
    found = list(found)
    return Recorded(any(each.read for each in found), any(each.write for each in found),
                    tuple(dict.fromkeys(why for each in found for why in each.partly)))


def _side_name(read: bool, write: bool) -> str:
    return "read and write" if read and write else "read" if read else "write" if write else "no events"


def _advanced_sides(fields: Mapping[str, Mapping[str, Any]]) -> tuple[bool, bool, str]:
    """An advanced selector's readOnly field as (read, write, why it is not understood): absent means both."""
    read_only = fields.get("readOnly")
    if read_only is None:
        return True, True, ""
    operators = {key for key, value in read_only.items() if key != "Field" and value}
    if operators == {"Equals"}:
        values = set(read_only["Equals"])
        return "true" in values, "false" in values, ""
    if operators == {"NotEquals"}:
        values = set(read_only["NotEquals"])
        return "true" not in values, "false" not in values, ""
    return False, False, f"readOnly {sorted(operators)}"


def _advanced(selectors: list[dict[str, Any]], category: str, resource_type: str | None,
              covers_all: Mapping[str, Any]) -> Recorded:
    """What advanced selectors record of `category` (and, for data events, `resource_type`) in full.

    Field selectors of one selector are ANDed, selectors ORed. A selector counts in full when eventCategory equals
    the category, resources.type (data events) equals the type, readOnly is absent or picks a side, and no other field
    narrows it; `covers_all[field]` says which values of an otherwise narrowing field still select everything (a
    resources.ARN StartsWith "arn:aws:s3:::").
    """
    found = []
    for selector in selectors:
        fields: dict[str, dict[str, Any]] = {}
        for field_selector in selector.get("FieldSelectors", []):
            fields[field_selector["Field"]] = field_selector
        category_field = fields.get("eventCategory", {})
        if category not in category_field.get("Equals", []) or set(category_field) - {"Field", "Equals"}:
            continue
        if resource_type is not None:
            type_field = fields.get("resources.type", {})
            if resource_type not in type_field.get("Equals", []) or set(type_field) - {"Field", "Equals"}:
                continue
        read, write, odd = _advanced_sides(fields)
        narrowing = [name for name, field_selector in fields.items()
                     if name not in ("eventCategory", "resources.type", "readOnly")
                     and not covers_all.get(name, lambda _: False)(field_selector)]
        label = selector.get("Name") or "advanced selector"
        if odd:
            found.append(Recorded(partly=(f"{label} ({odd}: not understood)",)))
        elif narrowing:
            found.append(Recorded(partly=(f"{label} ({_side_name(read, write)}, narrowed by "
                                          f"{', '.join(sorted(narrowing))})",)))
        else:
            found.append(Recorded(read, write))
    return _merge(found)


def _every_bucket(field_selector: Mapping[str, Any]) -> bool:
    """A resources.ARN field that still selects every object: StartsWith one of the all-objects prefixes only."""
    operators = {key for key, value in field_selector.items() if key != "Field" and value}
    return operators == {"StartsWith"} and all(_ALL_S3_OBJECTS.match(v) for v in field_selector["StartsWith"])


def management_events(event_selectors: list[dict[str, Any]] | None,
                      advanced_event_selectors: list[dict[str, Any]] | None) -> Recorded:
    """Which management events the selectors record in full.

    Basic: a selector with IncludeManagementEvents (AWS's default: true) and no ExcludeManagementEventSources
    records its ReadWriteType's side; one that excludes sources (KMS, RDS Data API) records only some. Advanced:
    eventCategory Equals Management, with readOnly absent or one side; an eventSource or any other field narrows it.
    """
    found = []
    for selector in event_selectors or []:
        if not selector.get("IncludeManagementEvents", True):
            continue
        read, write = _sides(selector.get("ReadWriteType", "All"))
        excluded = selector.get("ExcludeManagementEventSources") or []
        found.append(Recorded(partly=(f"{_side_name(read, write)} excluding {', '.join(excluded)}",)) if excluded
                     else Recorded(read, write))
    found.append(_advanced(advanced_event_selectors or [], "Management", None, {}))
    return _merge(found)


def s3_object_events(event_selectors: list[dict[str, Any]] | None,
                     advanced_event_selectors: list[dict[str, Any]] | None) -> Recorded:
    """Which S3 object-level data events the selectors record for every bucket.

    Basic: a DataResources entry of type AWS::S3::Object whose values hold "arn:aws:s3" or "arn:aws:s3:::" records
    its selector's ReadWriteType side for all buckets; values naming buckets ("arn:aws:s3:::logs/") record only
    those. Advanced: eventCategory Data and resources.type AWS::S3::Object, readOnly absent or one side, and no
    resources.ARN (nor any other field) narrowing it, but a StartsWith of the all-buckets prefix.
    """
    found = []
    for selector in event_selectors or []:
        read, write = _sides(selector.get("ReadWriteType", "All"))
        for resource in selector.get("DataResources", []) or []:
            if resource.get("Type") != S3_OBJECT:
                continue
            values = resource.get("Values", []) or []
            if any(_ALL_S3_OBJECTS.match(value) for value in values):
                found.append(Recorded(read, write))
            elif values:
                found.append(Recorded(partly=(f"{_side_name(read, write)} of {', '.join(values)}",)))
    found.append(_advanced(advanced_event_selectors or [], "Data", S3_OBJECT,
                           {"resources.ARN": _every_bucket}))
    return _merge(found)


@dataclass(frozen=True)
class Trail:
    """A trail as the account sees it; the parts read from its home region are None when AWS would not tell them
    (`status_unread` says why)."""

    name: str
    arn: str
    home_region: str
    multi_region: bool
    organization: bool  # an organization trail (IsOrganizationTrail)
    log_file_validation: bool
    s3_bucket: str
    kms_key_id: str  # "" when the logs are encrypted with S3's keys only
    log_group_arn: str  # the CloudWatch Logs log group it delivers to, "" for none
    logs_role_arn: str
    include_global_service_events: bool
    logging: bool | None = None  # GetTrailStatus IsLogging
    management: Recorded | None = None
    s3_objects: Recorded | None = None
    selectors: str = ""  # "basic", "advanced", or "none": which kind GetEventSelectors answered with
    status_unread: str = ""  # why the home region did not tell status and selectors (another account's trail)
    raw_selectors: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def account_id(self) -> str:
        """The account that owns the trail (an organization trail's is the management account)."""
        return self.arn.split(":")[4]

    @property
    def log_group_name(self) -> str:
        """The log group's name, from arn:aws:logs:REGION:ACCOUNT:log-group:NAME:*; "" for none."""
        parts = self.log_group_arn.split(":")
        return parts[6] if len(parts) > 6 and parts[5] == "log-group" else ""

    @property
    def log_group_region(self) -> str:
        parts = self.log_group_arn.split(":")
        return parts[3] if len(parts) > 3 else ""

    def owned_by_another_account(self, account_id: str) -> bool:
        return self.account_id != account_id

    def summary(self) -> dict[str, Any]:
        """What evidence shows of a trail."""
        shown: dict[str, Any] = {
            "home region": self.home_region, "multi-region": self.multi_region, "organization trail": self.organization,
            "log file validation": self.log_file_validation, "S3 bucket": self.s3_bucket,
            "KMS key": self.kms_key_id or "none", "CloudWatch Logs log group": self.log_group_arn or "none"}
        if self.status_unread:
            shown["status and selectors"] = f"not told to this account: {self.status_unread}"
        else:
            shown["logging"] = self.logging
            shown["selectors"] = self.selectors
            shown["management events"] = self.management.describe() if self.management else "unknown"
            shown["S3 object data events"] = self.s3_objects.describe() if self.s3_objects else "unknown"
        return shown


def _parse(described: Mapping[str, Any]) -> Trail:
    try:
        return Trail(
            name=described["Name"], arn=described["TrailARN"], home_region=described["HomeRegion"],
            multi_region=bool(described.get("IsMultiRegionTrail", False)),
            organization=bool(described.get("IsOrganizationTrail", False)),
            log_file_validation=bool(described.get("LogFileValidationEnabled", False)),
            s3_bucket=described.get("S3BucketName") or "", kms_key_id=described.get("KmsKeyId") or "",
            log_group_arn=described.get("CloudWatchLogsLogGroupArn") or "",
            logs_role_arn=described.get("CloudWatchLogsRoleArn") or "",
            include_global_service_events=bool(described.get("IncludeGlobalServiceEvents", False)))
    except KeyError as exc:
        raise SourceError(f"cloudtrail:DescribeTrails answered a trail without {exc.args[0]}: {dict(described)}")


def _with_home_reads(client: Any, trail: Trail, account_id: str) -> Trail:
    """The trail with its status and selectors, asked of its home region (the client's)."""
    try:
        status = client.get_trail_status(Name=trail.arn)
        selectors = client.get_event_selectors(TrailName=trail.arn)
    except ClientError as exc:
        if trail.owned_by_another_account(account_id) and error_code(exc) in NOT_TOLD_TO_MEMBERS:
            return replace(trail, status_unread=f"{exc.operation_name} answered {error_code(exc)} (an organization "
                                                 f"trail of account {trail.account_id}: its own audit judges them)")
        raise
    basic = selectors.get("EventSelectors")
    advanced = selectors.get("AdvancedEventSelectors")
    kind = "advanced" if advanced else "basic" if basic else "none"
    return replace(trail, logging=bool(status.get("IsLogging", False)), management=management_events(basic, advanced),
                    s3_objects=s3_object_events(basic, advanced), selectors=kind,
                    raw_selectors={"EventSelectors": basic or [], "AdvancedEventSelectors": advanced or []})


@source("cloudtrail", regional=True, title="trails seen per region",
        actions=["cloudtrail:DescribeTrails", "cloudtrail:GetTrailStatus", "cloudtrail:GetEventSelectors"],
        evidence=lambda found: [f"{trail.name} ({trail.home_region})" for trail in found] or "none")
def trails_by_region(client: Any, identity: Any) -> list[Trail]:
    """The trails a region's DescribeTrails shows (its own, multi-region ones homed elsewhere, the organization's);
    those homed in this region with their status and event selectors, asked here, once per trail."""
    region = client.meta.region_name
    found = [_parse(described) for described in
             client.describe_trails(includeShadowTrails=True).get("trailList", [])]
    return [_with_home_reads(client, trail, identity.account_id) if trail.home_region == region else trail
            for trail in found]


@source("cloudtrail", title="trails", actions=["cloudtrail:DescribeTrails"],
        evidence=lambda found: {trail.arn: trail.summary() for trail in found} or "none")
def trails(client: Any, trails_by_region: dict[str, list[Trail]]) -> list[Trail]:
    """Every trail that logs the account, once each (merged by ARN), with its status and selectors read in its home
    region; a trail whose home region the audit does not read (the `regions` setting) is a SourceError naming it."""
    merged: dict[str, Trail] = {}
    for region, found in trails_by_region.items():
        for trail in found:
            if trail.home_region == region or trail.arn not in merged:
                merged[trail.arn] = trail
    unread = sorted(f"{trail.name} (home region {trail.home_region})" for trail in merged.values()
                    if trail.home_region not in trails_by_region)
    if unread:
        raise SourceError(f"the status and event selectors of trails are read in their home region, which the audit "
                          f"does not read (the regions setting): {', '.join(unread)}")
    return sorted(merged.values(), key=lambda trail: trail.arn)


# -- what the controls judge of a trail --------------------------------------------------------------------------------

TRAIL_TYPE = "AWS::CloudTrail::Trail"


def organizations_word(trail: Trail, account_id: str) -> bool:
    """An organization trail of another account whose status and selectors AWS would not tell this account."""
    return bool(trail.status_unread) and trail.organization and trail.owned_by_another_account(account_id)


def why_not_everywhere(trail: Trail, account_id: str) -> str:
    """Why the trail does not log the management events of every region ("" when it does; CIS "CloudTrail is enabled
    in all regions"): multi-region, logging, and recording all management events, read and write. Every reason that
    holds is named.

    An organization trail of another account (the management account) whose status and selectors AWS does not tell
    a member counts on what DescribeTrails shows (multi-region, IsOrganizationTrail): the member cannot turn it off,
    and the management account's own audit judges its status and selectors.
    """
    reasons = [] if trail.multi_region else [f"single-region trail (only {trail.home_region})"]
    if organizations_word(trail, account_id):
        return "; ".join(reasons)
    if trail.status_unread:
        return "; ".join([*reasons, f"status and selectors unknown: {trail.status_unread}"])
    if not trail.logging:
        reasons.append("not logging (StopLogging)")
    if trail.management is None or not trail.management.all:
        reasons.append(f"management events recorded: {trail.management.describe() if trail.management else 'none'}")
    return "; ".join(reasons)


def why_not_s3_objects(trail: Trail, side: str) -> str:
    """Why the trail does not record `side` ("read" or "write") S3 object-level events of every bucket in every
    region ("" when it does), every reason that holds; "unknown: ..." when AWS did not tell this account its
    selectors."""
    if trail.status_unread:
        return f"unknown: {trail.status_unread}"
    reasons = [] if trail.multi_region else [f"single-region trail (only {trail.home_region})"]
    if not trail.logging:
        reasons.append("not logging (StopLogging)")
    recorded = trail.s3_objects or Recorded()
    if not (recorded.read if side == "read" else recorded.write):
        reasons.append(f"{trail.selectors} selectors record S3 object events: {recorded.describe()}")
    return "; ".join(reasons)


def judge_s3_objects(trails: list[Trail], side: str, findings: Findings) -> None:
    """CLOUDTRAIL-5 and -6: pass when one trail records `side` S3 object events of every bucket; fail naming why
    each trail does not; an error when none is shown to and the selectors of one could not be read."""
    why = {Resource(t.arn, TRAIL_TYPE, t.home_region, t.name): why_not_s3_objects(t, side) for t in trails}
    findings.evidence["trails: why each counts or not"] = {str(trail): reason or "counts"
                                                          for trail, reason in why.items()}
    assert trails, "no CloudTrail trail logs this account in any region read"
    counting = any(not reason for reason in why.values())
    unknown = {str(trail): reason for trail, reason in why.items() if reason.startswith("unknown")}
    if unknown and not counting:
        raise AuditError(f"no trail is shown to record S3 object {side} events, and what "
                         + "; ".join(f"{trail} records is {reason}" for trail, reason in unknown.items()))
    findings.judge(f"trails (at least one must record S3 object {side} events of every bucket)", why,
                   {} if counting else why)
