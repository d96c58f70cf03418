"""What moto lacks, answered from the twins: one registry, keyed by (service, operation) as botocore names them.

An answer takes the twin of the account that asked (None: no twin, such as the source profile's own key), the
region the request was signed for, and the request's parameters as boto3 takes them. It returns the response as
boto3 returns it (less ResponseMetadata), or raises Refusal with the error code AWS answers with. The same answer
serves a run in-process and one through a moto server (respond.py), whatever the service's protocol: a new gap is
one function here, registered with @gap.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

from moto.cloudtrail.models import cloudtrail_backends
from moto.core.exceptions import ServiceException
from moto.organizations.models import organizations_backends
from moto.s3.models import s3_backends
from moto.sns.models import sns_backends

from awsaudit import filter_patterns
from awsaudit.twins import REGIONS, Twin

Answer = Callable[[Twin | None, str, dict[str, Any]], dict[str, Any]]
GAPS: dict[tuple[str, str], Answer] = {}


def gap(service: str, operation: str) -> Callable[[Answer], Answer]:
    """Register `answer` as the emulation's answer to `service`'s `operation` (botocore's names: "accessanalyzer",
    "ListAnalyzers")."""

    def register(answer: Answer) -> Answer:
        GAPS[service, operation] = answer
        return answer

    return register


class Refusal(ServiceException):
    """An error answer: `code` as the service model names the error (its HTTP status comes from the model too)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)


@gap("accessanalyzer", "ListAnalyzers")
def list_analyzers(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """An active account analyzer in each region the twin's `access_analyzer_regions` names; moto has no IAM Access
    Analyzer."""
    regions = twin.access_analyzer_regions if twin else ()
    if twin is None or (regions != "all" and region not in regions):
        return {"analyzers": []}
    return {"analyzers": [{"arn": f"arn:aws:access-analyzer:{region}:{twin.account_id}:analyzer/external-access",
                           "name": "external-access", "type": "ACCOUNT", "status": "ACTIVE",
                           "createdAt": datetime(2024, 1, 1, tzinfo=timezone.utc)}]}


@gap("ec2", "DescribeRegions")
def describe_regions(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The regions the twin has enabled (a commercial account's by default). moto lists every partition's regions,
    and the opt-in ones too."""
    return {"Regions": [{"RegionName": name, "Endpoint": f"ec2.{name}.amazonaws.com",
                         "OptInStatus": "opt-in-not-required"} for name in (twin.enabled_regions if twin else REGIONS)]}


@gap("iam", "ListOrganizationsFeatures")
def list_organizations_features(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The centralized root access features of the organization the twin manages; moto has no such call."""
    if twin is None or twin.organization is None:
        raise Refusal("OrganizationNotFoundException", "The account is not in an organization.")
    answer: dict[str, Any] = {"EnabledFeatures": list(twin.organization.root_access_features)}
    organization = organizations_backends[twin.account_id]["aws"].org
    if organization is not None:
        answer["OrganizationId"] = organization.id
    return answer


@gap("logs", "TestMetricFilter")
def test_metric_filter(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """The events of the request that the pattern matches, read by awsaudit.filter_patterns; moto has no
    TestMetricFilter. It reads nothing of the account: the answer depends on the request alone."""
    messages = params.get("logEventMessages", [])
    if not 1 <= len(messages) <= 50:
        raise Refusal("InvalidParameterException",
                      f"logEventMessages holds {len(messages)} messages; it takes 1 to 50.")
    try:
        return filter_patterns.test_metric_filter(params.get("filterPattern", ""), messages)
    except filter_patterns.UnsupportedPattern as error:
        raise Refusal("InvalidParameterException", f"{error} (the offline emulation's limit, not AWS's)") from error
    except filter_patterns.FilterPatternError as error:
        raise Refusal("InvalidParameterException", f"Invalid metric filter pattern: {error}") from error


test_metric_filter.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, whatever its name


def _management_account(account_id: str) -> str | None:
    """The management account of the organization a twin is a member of (seed.py joins them), or None."""
    manager = organizations_backends.master_accounts.get(account_id)
    return manager[0] if manager and manager[0] != account_id else None


@gap("cloudtrail", "DescribeTrails")
def describe_trails(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """moto's trails of the account, and, in a member account, its organization's trails (IsOrganizationTrail) as
    AWS shows them to members: moto keeps each account's trails to itself."""
    if twin is None:
        return {"trailList": []}
    shadows = params.get("includeShadowTrails", True)
    seen = list(cloudtrail_backends[twin.account_id][region].describe_trails(shadows))
    manager = _management_account(twin.account_id)
    if manager is not None:
        seen += [trail for home in cloudtrail_backends[manager].values() for trail in home.trails.values()
                 if trail.is_org_trail and (trail.region_name == region or (shadows and trail.is_multi_region))]
    return {"trailList": [trail.description(include_region=True) for trail in seen]}


@gap("s3", "GetBucketLogging")
def get_bucket_logging(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """moto's answer for the twin's own buckets; AccessDenied for another account's bucket, as AWS answers unless the
    bucket's policy grants the read (moto lets any account read any bucket)."""
    name = params["Bucket"]
    owner = s3_backends.bucket_accounts.get(name)
    if twin is None or owner is None:
        raise Refusal("NoSuchBucket", "The specified bucket does not exist")
    partition, account_id = owner
    if account_id != twin.account_id:
        raise Refusal("AccessDenied", "Access Denied")
    logging = s3_backends[account_id][partition].get_bucket_logging(name)
    if not logging:
        return {}
    return {"LoggingEnabled": {"TargetBucket": logging["TargetBucket"], "TargetPrefix": logging["TargetPrefix"]}}


# The protocols whose subscriptions wait for the endpoint to confirm them (a link in the mail, a request to the URL);
# sqs, lambda, firehose and application endpoints of the topic's own account are confirmed at once.
CONFIRMED_BY_ENDPOINT = ("email", "email-json", "http", "https")


@gap("sns", "ListSubscriptionsByTopic")
def list_subscriptions_by_topic(twin: Twin | None, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """moto's subscriptions of the topic, those an endpoint must confirm shown as AWS shows them until it does
    (SubscriptionArn "PendingConfirmation"): moto confirms every subscription at once. Another account's topic is
    refused (AuthorizationError), as AWS refuses it unless the topic's policy grants the read."""
    arn = params["TopicArn"]
    parts = arn.split(":")
    if twin is None or len(parts) != 6 or parts[4] != twin.account_id:
        raise Refusal("AuthorizationError", f"not authorized to perform sns:ListSubscriptionsByTopic on {arn}")
    backend = sns_backends[twin.account_id][parts[3]]
    if arn not in backend.topics:
        raise Refusal("NotFound", "Topic does not exist")
    return {"Subscriptions": [
        {"SubscriptionArn": "PendingConfirmation" if sub.protocol in CONFIRMED_BY_ENDPOINT else sub.arn,
         "Owner": twin.account_id, "Protocol": sub.protocol, "Endpoint": sub.endpoint, "TopicArn": arn}
        for sub in backend.subscriptions.values() if sub.topic.arn == arn]}
