"""What moto lacks is one registry, answered alike in-process and through a moto server: the same boto3 calls from an
audit's own session get the same parsed answers both ways, made from the twins."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.model import ServiceModel

from awsaudit.accounts import Account, shared_loader
from awsaudit.offline import gaps
from awsaudit.twins import REGIONS
from emulated import OpenAccount, hosts_contacted, in_process, load, moto_server, over_http


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with moto_server() as url:
        yield url


def twin_texts(managing: str, standalone: str) -> dict[str, str]:
    """A twin that manages an organization and has an analyzer in one region, and one that has neither."""
    return {
        "managing": f'account_id = "{managing}"\naccess_analyzer_regions = ["eu-west-1"]\n'
                    '[root]\npassword = true\nmfa = "hardware"\n'
                    '[organization]\nroot_access_features = ["RootSessions", "RootCredentialsManagement"]\n',
        "standalone": f'account_id = "{standalone}"\n[root]\npassword = true\nmfa = "hardware"\n',
    }


def call(client: Any, operation: str, **params: Any) -> dict[str, Any]:
    """The parsed answer less its metadata, or the error as boto3 raised it, with its HTTP status."""
    try:
        answer = getattr(client, operation)(**params)
    except ClientError as error:
        return {"error": error.response["Error"], "status": error.response["ResponseMetadata"]["HTTPStatusCode"]}
    answer.pop("ResponseMetadata")
    if re.fullmatch(r"o-[a-z0-9]{10,32}", answer.get("OrganizationId", "")):
        answer["OrganizationId"] = "o-…"  # moto makes a new organization id in each emulation
    return answer


def registered(account: Account) -> dict[str, Any]:
    """The account's answers to today's gaps, as an audit asks for them."""
    return {
        "ListAnalyzers": {region: call(account.client("accessanalyzer", region), "list_analyzers")
                          for region in ("eu-west-1", "us-east-1")},
        "DescribeRegions": call(account.client("ec2"), "describe_regions"),
        "ListOrganizationsFeatures": call(account.client("iam"), "list_organizations_features"),
        "TestMetricFilter": {
            "matches": call(account.client("logs", "eu-west-1"), "test_metric_filter", filterPattern=ROUTE_PATTERN,
                            logEventMessages=ROUTE_EVENTS),
            "invalid": call(account.client("logs", "eu-west-1"), "test_metric_filter",
                            filterPattern="{ $.eventName = }", logEventMessages=ROUTE_EVENTS),
            "too many": call(account.client("logs", "eu-west-1"), "test_metric_filter", filterPattern="",
                             logEventMessages=["x"] * 51)},
    }


ROUTE_PATTERN = "{ ($.eventName = CreateRoute) || ($.eventName = DeleteRoute) }"
ROUTE_EVENTS = [json.dumps({"eventName": name}) for name in ("CreateRouteTable", "CreateRoute", "DescribeRouteTables",
                                                              "DeleteRoute")]


def both_ways(tmp_path: Path, url: str, texts: dict[str, str],
              ask: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """`ask(account)` of every twin, in-process and then through the moto server at `url`."""
    served = load(tmp_path / "fixtures", texts)
    answers = []
    for way, serve in (("in-process", in_process), ("served", over_http)):
        (tmp_path / way).mkdir()
        with serve(served, tmp_path / way, *((url,) if way == "served" else ())) as open_account:
            answers.append(ask_all(open_account, texts, ask, served=way == "served"))
    return answers[0], answers[1]


def ask_all(open_account: OpenAccount, texts: dict[str, str], ask: Any, served: bool) -> dict[str, Any]:
    """`ask` of each twin's account; served, every request it sends goes to the moto server on 127.0.0.1."""
    answers = {}
    for name in texts:
        account = open_account(name)
        hosts = hosts_contacted(account) if served else None
        answers[name] = ask(account)
        assert hosts is None or (hosts and set(hosts) == {"127.0.0.1"}), hosts
    return answers


def test_today_s_gaps_answer_alike_in_process_and_served(tmp_path: Path, server: str) -> None:
    here, there = both_ways(tmp_path, server, twin_texts("616161616161", "626262626262"), registered)

    assert here == there
    managing, standalone = here["managing"], here["standalone"]
    [analyzer] = managing["ListAnalyzers"]["eu-west-1"]["analyzers"]
    assert (analyzer["name"], analyzer["type"], analyzer["status"]) == ("external-access", "ACCOUNT", "ACTIVE")
    assert analyzer["arn"] == "arn:aws:access-analyzer:eu-west-1:616161616161:analyzer/external-access"
    assert managing["ListAnalyzers"]["us-east-1"] == {"analyzers": []}
    assert standalone["ListAnalyzers"] == {"eu-west-1": {"analyzers": []}, "us-east-1": {"analyzers": []}}
    for twin in (managing, standalone):
        assert twin["DescribeRegions"] == {"Regions": [
            {"RegionName": region, "Endpoint": f"ec2.{region}.amazonaws.com", "OptInStatus": "opt-in-not-required"}
            for region in REGIONS]}
    assert managing["ListOrganizationsFeatures"] == {
        "OrganizationId": "o-…", "EnabledFeatures": ["RootSessions", "RootCredentialsManagement"]}
    assert standalone["ListOrganizationsFeatures"] == {"status": 400, "error": {
        "Type": "Sender", "Code": "OrganizationNotFoundException", "Message": "The account is not in an organization."}}
    for twin in (managing, standalone):
        tested = twin["TestMetricFilter"]
        assert tested["matches"] == {"matches": [
            {"eventNumber": 2, "eventMessage": ROUTE_EVENTS[1], "extractedValues": {}},
            {"eventNumber": 4, "eventMessage": ROUTE_EVENTS[3], "extractedValues": {}}]}
        assert tested["invalid"]["error"]["Code"] == "InvalidParameterException"
        assert "position 16" in tested["invalid"]["error"]["Message"], tested["invalid"]
        assert tested["too many"]["error"]["Code"] == "InvalidParameterException"


def describe_resource_policy(twin: Any, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """A JSON-protocol call (X-Amz-Target), answered from the twin or refused."""
    if twin is None or twin.organization is None:
        raise gaps.Refusal("AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
    return {"ResourcePolicy": {
        "ResourcePolicySummary": {"Id": "rp-0a1b2c3d",
                                  "Arn": f"arn:aws:organizations::{twin.account_id}:resourcepolicy/o-x/rp-0a1b2c3d"},
        "Content": json.dumps({"Version": "2012-10-17", "Statement": [], "Twin": twin.name})}}


def access_point_policy_status(twin: Any, region: str, params: dict[str, Any]) -> dict[str, Any]:
    """A REST-XML call (method and path; the account id in the host or its header), answered from its parameters."""
    return {"PolicyStatus": {"IsPublic": params["Name"] == "public" and params["AccountId"] == twin.account_id}}


def added(account: Account) -> dict[str, Any]:
    s3control = account.client("s3control")
    return {"DescribeResourcePolicy": call(account.client("organizations"), "describe_resource_policy"),
            "GetAccessPointPolicyStatus": {
                name: call(s3control, "get_access_point_policy_status", AccountId=account.identity.account_id,
                           Name=name) for name in ("public", "private")}}


def test_a_new_gap_is_one_function_and_one_entry_whatever_the_protocol(
        tmp_path: Path, server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(gaps.GAPS, ("organizations", "DescribeResourcePolicy"), describe_resource_policy)
    monkeypatch.setitem(gaps.GAPS, ("s3control", "GetAccessPointPolicyStatus"), access_point_policy_status)

    here, there = both_ways(tmp_path, server, twin_texts("636363636363", "646464646464"), added)

    assert here == there
    policy = here["managing"]["DescribeResourcePolicy"]["ResourcePolicy"]
    assert json.loads(policy["Content"])["Twin"] == "managing"
    assert policy["ResourcePolicySummary"]["Arn"].startswith("arn:aws:organizations::636363636363:")
    assert here["standalone"]["DescribeResourcePolicy"] == {"status": 400, "error": {
        "Code": "AWSOrganizationsNotInUseException", "Message": "Your account is not a member of an organization."}}
    for twin in ("managing", "standalone"):
        assert here[twin]["GetAccessPointPolicyStatus"] == {"public": {"PolicyStatus": {"IsPublic": True}},
                                                             "private": {"PolicyStatus": {"IsPublic": False}}}


def test_the_registry_holds_today_s_gaps_each_an_operation_of_its_service() -> None:
    assert set(gaps.GAPS) == {("accessanalyzer", "ListAnalyzers"), ("ec2", "DescribeRegions"),
                              ("iam", "ListOrganizationsFeatures"), ("logs", "TestMetricFilter"),
                              ("cloudtrail", "DescribeTrails"), ("s3", "GetBucketLogging"),
                              ("sns", "ListSubscriptionsByTopic")}
    for service, operation in gaps.GAPS:
        model = ServiceModel(shared_loader().load_service_model(service, "service-2"), service)
        assert operation in model.operation_names, (service, operation)


def organization_trail_texts(manager: str, member: str) -> dict[str, str]:
    """A management account with an organization trail (multi-region, homed in us-east-1) and a bucket with access
    logging off, and its member account, which owns no trail."""
    seeds = "".join(f'[[seed]]\ncall = "{call}"\nparams = {params}\n' for call, params in (
        ("s3.create_bucket", '{ Bucket = "org-trail-bucket" }'),
        ("cloudtrail.create_trail", '{ Name = "org", S3BucketName = "org-trail-bucket", IsMultiRegionTrail = true, '
                                    'IsOrganizationTrail = true }'),
        ("cloudtrail.create_trail", '{ Name = "own", S3BucketName = "org-trail-bucket" }')))
    return {
        "manager": f'account_id = "{manager}"\n[root]\npassword = true\nmfa = "hardware"\n[organization]\nmembers = ["member"]\n'
                   + seeds,
        "member": f'account_id = "{member}"\n[root]\npassword = true\nmfa = "hardware"\n',
    }


def trails_and_bucket(account: Account) -> dict[str, Any]:
    return {
        "DescribeTrails": {region: sorted((trail["Name"], trail["TrailARN"], trail["IsOrganizationTrail"]) for trail in
                                          call(account.client("cloudtrail", region), "describe_trails")["trailList"])
                           for region in ("us-east-1", "eu-west-1")},
        "GetBucketLogging": {bucket: call(account.client("s3"), "get_bucket_logging", Bucket=bucket)
                             for bucket in ("org-trail-bucket", "no-such-bucket")},
    }


def test_a_member_sees_its_organization_s_trails_and_cannot_read_their_bucket(tmp_path: Path, server: str) -> None:
    """moto keeps each account's trails and lets any account read any bucket; AWS shows members the organization's
    trails and refuses them the management account's bucket."""
    here, there = both_ways(tmp_path, server, organization_trail_texts("656565656565", "666666666666"),
                            trails_and_bucket)

    assert here == there
    org = ("org", "arn:aws:cloudtrail:us-east-1:656565656565:trail/org", True)
    own = ("own", "arn:aws:cloudtrail:us-east-1:656565656565:trail/own", False)
    assert here["manager"]["DescribeTrails"] == {"us-east-1": [org, own], "eu-west-1": [org]}
    assert here["member"]["DescribeTrails"] == {"us-east-1": [org], "eu-west-1": [org]}
    assert here["manager"]["GetBucketLogging"]["org-trail-bucket"] == {}
    assert here["member"]["GetBucketLogging"]["org-trail-bucket"]["error"]["Code"] == "AccessDenied"
    for twin in ("manager", "member"):
        assert here[twin]["GetBucketLogging"]["no-such-bucket"]["error"]["Code"] == "NoSuchBucket"


def subscribed_texts(owner: str, other: str) -> dict[str, str]:
    """A twin with two topics in eu-west-1: one a queue subscribes to (confirmed at once), one only a mail address
    subscribes to (pending until the mail is answered); and another account."""
    topic = f"arn:aws:sns:eu-west-1:{owner}"
    seeds = "".join(f'[[seed]]\ncall = "{call}"\nparams = {params}\nregion = "eu-west-1"\n' for call, params in (
        ("sns.create_topic", '{ Name = "queued" }'), ("sns.create_topic", '{ Name = "mailed" }'),
        ("sqs.create_queue", '{ QueueName = "inbox" }'),
        ("sns.subscribe", f'{{ TopicArn = "{topic}:queued", Protocol = "sqs", '
                          f'Endpoint = "arn:aws:sqs:eu-west-1:{owner}:inbox" }}'),
        ("sns.subscribe", f'{{ TopicArn = "{topic}:mailed", Protocol = "email", Endpoint = "ops@example.com" }}')))
    return {"owner": f'account_id = "{owner}"\n[root]\npassword = true\nmfa = "hardware"\n' + seeds,
            "other": f'account_id = "{other}"\n[root]\npassword = true\nmfa = "hardware"\n'}


def subscriptions(account: Account) -> dict[str, Any]:
    sns = account.client("sns", "eu-west-1")
    answers = {name: call(sns, "list_subscriptions_by_topic", TopicArn=f"arn:aws:sns:eu-west-1:676767676767:{name}")
               for name in ("queued", "mailed", "missing")}
    for answer in answers.values():  # each emulation makes its own subscription ids
        for each in answer.get("Subscriptions", []):
            each["SubscriptionArn"] = re.sub(r":[0-9a-f-]{36}$", ":…", each["SubscriptionArn"])
    return answers


def test_subscriptions_an_endpoint_must_confirm_are_pending(tmp_path: Path, server: str) -> None:
    """moto confirms every subscription at once; AWS shows mail and HTTP ones as PendingConfirmation until the
    endpoint confirms them, and refuses another account's topic."""
    here, there = both_ways(tmp_path, server, subscribed_texts("676767676767", "686868686868"), subscriptions)

    assert here == there
    owner = here["owner"]
    [queued] = owner["queued"]["Subscriptions"]
    assert (queued["Protocol"], queued["SubscriptionArn"]) == ("sqs", "arn:aws:sns:eu-west-1:676767676767:queued:…")
    [mailed] = owner["mailed"]["Subscriptions"]
    assert (mailed["Protocol"], mailed["SubscriptionArn"]) == ("email", "PendingConfirmation")
    assert owner["missing"]["error"]["Code"] == "NotFound"
    assert {answer["error"]["Code"] for answer in here["other"].values()} == {"AuthorizationError"}
