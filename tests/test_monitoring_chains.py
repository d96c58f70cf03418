"""The Monitoring chain (trail -> log group -> metric filter -> alarm -> SNS subscriber), judged from hand-made models:
each way a chain breaks is named where it breaks; what could not be judged is told apart from what fails; and the
sources read only where a chain can start, testing each pattern once for all fifteen topics."""

from __future__ import annotations

import math
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit import filter_patterns, monitoring
from awsaudit.aws.cloudtrail import Recorded, Trail
from awsaudit.errors import AuditError
from awsaudit.fixtures import AlarmChains
from awsaudit.monitoring import Alarm, LogGroup, MetricFilter, Subscribers

ACCOUNT = "123456789012"
REGION = "eu-west-1"
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:trail-logs:*"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms"
ROUTE = monitoring.topics()["route-table-changes"]
METRIC = ("CISBenchmark", "RouteTableChanges")

TRAIL = Trail(name="main", arn=f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/main", home_region=REGION,
              multi_region=True, organization=False, log_file_validation=True, s3_bucket="trail-bucket",
              kms_key_id="", log_group_arn=GROUP_ARN, logs_role_arn="arn:aws:iam::123456789012:role/to-logs",
              include_global_service_events=True, logging=True, management=Recorded(True, True), selectors="basic")
GOOD = MetricFilter("route-changes", "trail-logs", ROUTE.published, (METRIC,), REGION)
ALARM = Alarm("route-changes", *METRIC, (TOPIC_ARN,), REGION)
SUBSCRIBED = Subscribers(TOPIC_ARN, confirmed=1)


def matches(*filters: MetricFilter) -> dict[str, frozenset[str]]:
    """What logs:TestMetricFilter answers for each pattern over every Monitoring record (the evaluator's reading)."""
    return {each.pattern: frozenset(monitoring.offline_tester(each.pattern, monitoring.messages())) for each in filters}


def route_chain(trails: list[Trail] = [TRAIL], filters: tuple[MetricFilter, ...] = (GOOD,),
                alarms: tuple[Alarm, ...] = (ALARM,), subscribers: tuple[Subscribers, ...] = (SUBSCRIBED,),
                groups: list[LogGroup] | None = None, tested: dict[str, Any] | None = None) -> monitoring.Chain:
    groups = [LogGroup("trail-logs", REGION, filters)] if groups is None else groups
    return monitoring.chain(ROUTE, trails, ACCOUNT, {REGION: groups, "us-east-1": []},
                            {REGION: matches(*filters) if tested is None else tested, "us-east-1": {}},
                            {REGION: list(alarms)}, {REGION: {each.topic_arn: each for each in subscribers}})


def broken(chain: monitoring.Chain) -> list[str]:
    assert not chain.complete and chain.why
    return [str(each) for each in chain.broken]


def test_a_complete_chain_passes_and_shows_every_link() -> None:
    chain = route_chain()
    assert chain.complete and chain.why == "" and chain.broken == () and chain.unknown == ()
    [link] = chain.evidence()["complete chains (1)"]
    assert link == {"trail": "main", "log group": f"{REGION}: trail-logs", "metric filter": "route-changes",
                    "pattern": ROUTE.published, "alarm": "route-changes", "SNS topic": TOPIC_ARN,
                    "confirmed subscriptions": 1}


def test_filters_that_watch_other_topics_are_counted_not_listed() -> None:
    vpc = MetricFilter("vpc-changes", "trail-logs", monitoring.topics()["vpc-changes"].published, (("CIS", "Vpc"),),
                       REGION)
    chain = route_chain(filters=(GOOD, vpc))
    assert chain.complete and chain.broken == () and chain.unrelated == 1
    assert broken(route_chain(filters=(vpc,))) == [
        f"{REGION}: log group trail-logs (trail main): no metric filter catches any of its events (1 filters watch "
        "other things)"]


@pytest.mark.parametrize(("trail", "why"), [
    (replace(TRAIL, log_group_arn=""), "delivers to no CloudWatch Logs log group"),
    (replace(TRAIL, multi_region=False), f"single-region (only {REGION})"),
    (replace(TRAIL, logging=False), "not logging (StopLogging)"),
    (replace(TRAIL, management=Recorded(write=True)), "management events recorded: write only"),
    (replace(TRAIL, management=Recorded(partly=("read and write excluding kms.amazonaws.com",)), multi_region=False),
     f"single-region (only {REGION}); management events recorded: none; only some: read and write excluding "
     "kms.amazonaws.com"),
])
def test_a_trail_that_cannot_start_a_chain_says_why(trail: Trail, why: str) -> None:
    assert broken(route_chain(trails=[trail])) == [f"trail main ({REGION}): {why}"]


def test_no_trail_at_all() -> None:
    assert broken(route_chain(trails=[])) == ["account: no CloudTrail trail logs it in any region read"]


@pytest.mark.parametrize(("pattern", "why"), [
    (ROUTE.published.replace(" || ($.eventName = DisassociateRouteTable)", ""), "misses DisassociateRouteTable"),
    ("{ $.eventName = * }", "flags DescribeRouteTables, CreateVpc"),
    (ROUTE.published.replace("($.eventName = CreateRoute)", "($.eventName = CreateRouteTable)"), "misses CreateRoute"),
])
def test_a_filter_whose_pattern_does_not_watch_the_topic(pattern: str, why: str) -> None:
    chain = route_chain(filters=(replace(GOOD, pattern=pattern),))
    assert broken(chain) == [f"{REGION}: metric filter route-changes on log group trail-logs: {why}"]
    assert chain.unknown == ()


def test_the_log_group_is_missing_or_bare() -> None:
    assert broken(route_chain(groups=[LogGroup("trail-logs", REGION, exists=False)])) == [
        f"{REGION}: log group trail-logs (trail main): does not exist"]
    assert broken(route_chain(filters=())) == [
        f"{REGION}: log group trail-logs (trail main): no metric filter catches any of its events (no metric filter at "
        "all)"]


def test_a_filter_on_a_log_group_no_trail_feeds_does_not_count() -> None:
    elsewhere = replace(GOOD, log_group="other-logs")
    chain = route_chain(groups=[LogGroup("trail-logs", REGION), LogGroup("other-logs", REGION, (elsewhere,))])
    assert broken(chain) == [
        f"{REGION}: log group trail-logs (trail main): no metric filter catches any of its events (no metric filter at "
        "all)"]


@pytest.mark.parametrize(("alarms", "subscribers", "why"), [
    ((), (), "metric filter route-changes on log group trail-logs: watches it, but no alarm in eu-west-1 is on its "
             "metric (CISBenchmark/RouteTableChanges)"),
    ((replace(ALARM, metric="Other"),), (), "metric filter route-changes on log group trail-logs: watches it, but no "
     "alarm in eu-west-1 is on its metric (CISBenchmark/RouteTableChanges)"),
    ((replace(ALARM, region="us-east-1"),), (), None),  # placed in us-east-1 below: not the log group's region
    ((replace(ALARM, actions_enabled=False),), (SUBSCRIBED,),
     "alarm route-changes on CISBenchmark/RouteTableChanges (filter route-changes): its actions are disabled"),
    ((replace(ALARM, actions=()),), (), "alarm route-changes on CISBenchmark/RouteTableChanges (filter route-changes): "
                                        "no SNS topic among its alarm actions"),
    ((replace(ALARM, actions=("arn:aws:automate:eu-west-1:ec2:stop",)),), (),
     "alarm route-changes on CISBenchmark/RouteTableChanges (filter route-changes): no SNS topic among its alarm "
     "actions (arn:aws:automate:eu-west-1:ec2:stop)"),
    ((ALARM,), (Subscribers(TOPIC_ARN, exists=False),),
     f"alarm route-changes on CISBenchmark/RouteTableChanges (filter route-changes) -> SNS topic {TOPIC_ARN}: the "
     "topic does not exist"),
    ((ALARM,), (Subscribers(TOPIC_ARN, pending=2),),
     f"alarm route-changes on CISBenchmark/RouteTableChanges (filter route-changes) -> SNS topic {TOPIC_ARN}: no "
     "confirmed subscription (2 pending confirmation)"),
    ((ALARM,), (Subscribers(TOPIC_ARN),),
     f"alarm route-changes on CISBenchmark/RouteTableChanges (filter route-changes) -> SNS topic {TOPIC_ARN}: no "
     "confirmed subscription"),
])
def test_an_alarm_that_would_reach_no_one(alarms: tuple[Alarm, ...], subscribers: tuple[Subscribers, ...],
                                          why: str | None) -> None:
    if why is None:  # an alarm of another region than the log group's
        chain = monitoring.chain(ROUTE, [TRAIL], ACCOUNT, {REGION: [LogGroup("trail-logs", REGION, (GOOD,))]},
                                 {REGION: matches(GOOD)}, {"us-east-1": list(alarms)}, {})
        assert [str(each) for each in chain.broken] == [
            f"{REGION}: metric filter route-changes on log group trail-logs: watches it, but no alarm in {REGION} is "
            "on its metric (CISBenchmark/RouteTableChanges)"]
        return
    chain = route_chain(alarms=alarms, subscribers=subscribers)
    assert broken(chain) == [f"{REGION}: {why}"] and chain.unknown == ()


def test_any_one_complete_chain_passes() -> None:
    second = replace(ALARM, name="route-changes-mail", actions=(f"{TOPIC_ARN}-mail",))
    chain = route_chain(alarms=(second, ALARM), subscribers=(SUBSCRIBED, Subscribers(f"{TOPIC_ARN}-mail", pending=1)))
    assert chain.complete and len(chain.found) == 1 and len(chain.broken) == 1
    assert "chains that break (1)" in chain.evidence()


@pytest.mark.parametrize(("case", "why"), [
    ("organization", "its log group arn:aws:logs:eu-west-1:999999999999:log-group:org-logs:* is in account "
                     "999999999999, whose metric filters, alarms and subscriptions this account cannot read (that "
                     "account's own audit judges the chain) (an organization trail)"),
    ("region", "its log group is in ap-south-1, a region the audit does not read (the regions setting)"),
    ("status", "status and selectors unknown: GetTrailStatus answered AccessDenied"),
])
def test_a_trail_whose_chain_cannot_be_seen_is_unknown(case: str, why: str) -> None:
    trail = {"organization": replace(TRAIL, organization=True, arn="arn:aws:cloudtrail:eu-west-1:999999999999:trail/o",
                                     log_group_arn="arn:aws:logs:eu-west-1:999999999999:log-group:org-logs:*",
                                     logging=None, management=None, status_unread="TrailNotFoundException"),
             "region": replace(TRAIL, log_group_arn=f"arn:aws:logs:ap-south-1:{ACCOUNT}:log-group:trail-logs:*"),
             "status": replace(TRAIL, logging=None, management=None,
                               status_unread="GetTrailStatus answered AccessDenied")}[case]
    chain = route_chain(trails=[trail])
    assert broken(chain) == [f"trail {trail.name} ({REGION}): {why}"]
    assert [each.reason for each in chain.unknown] == [why]
    # Another trail's complete chain still passes.
    assert route_chain(trails=[trail, TRAIL]).complete


def test_a_pattern_aws_would_not_test_or_a_topic_it_would_not_list_is_unknown() -> None:
    refused = route_chain(tested={GOOD.pattern: "logs:TestMetricFilter refused it: bad"})
    assert [str(each) for each in refused.unknown] == [
        f"{REGION}: metric filter route-changes on log group trail-logs: its pattern could not be tested: "
        "logs:TestMetricFilter refused it: bad"]
    unread = route_chain(subscribers=(Subscribers(TOPIC_ARN, unread="AuthorizationError"),))
    assert [each.reason for each in unread.unknown] == ["its subscriptions could not be read: AuthorizationError"]


def test_the_fixture_errors_when_nothing_is_complete_and_something_was_unseen() -> None:
    item = SimpleNamespace(stash={})
    org = replace(TRAIL, organization=True, arn="arn:aws:cloudtrail:eu-west-1:999999999999:trail/o",
                  log_group_arn="arn:aws:logs:eu-west-1:999999999999:log-group:org-logs:*", logging=None,
                  management=None, status_unread="TrailNotFoundException")
    sources = dict(account_id=ACCOUNT, log_groups={REGION: []}, matches={}, alarms={}, subscribers={})
    with pytest.raises(AuditError, match="no chain is shown complete, and 1 could not be judged: trail main"):
        AlarmChains(item, trails=[org], **sources).of("route-table-changes")  # type: ignore[arg-type]
    assert "chains that break (1)" in next(iter(item.stash.values()))
    failing = AlarmChains(item, trails=[replace(TRAIL, multi_region=False)], **sources)  # type: ignore[arg-type]
    assert not failing.of("route-table-changes").complete  # a fact: a FAIL, not an ERROR


# -- the sources: calls only where a chain can start, one set of TestMetricFilter calls per pattern ------------------


class Client:
    """A client of one region that records its calls and answers from `answers` (operation -> answer or error)."""

    def __init__(self, region: str, **answers: Any) -> None:
        self.meta = SimpleNamespace(region_name=region)
        self.answers, self.calls = answers, []

    def get_paginator(self, operation: str) -> Any:
        client = self

        class Paginator:
            def paginate(self, **params: Any) -> list[dict[str, Any]]:
                return [client.call(operation, **params)]

        return Paginator()

    def call(self, operation: str, **params: Any) -> Any:
        self.calls.append((operation, params))
        answer = self.answers[operation]
        answer = answer(**params) if callable(answer) else answer
        if isinstance(answer, ClientError):
            raise answer
        return answer

    def test_metric_filter(self, **params: Any) -> dict[str, Any]:
        return self.call("test_metric_filter", **params)


IDENTITY = SimpleNamespace(account_id=ACCOUNT)


def loader(name: str) -> Any:
    from awsaudit.sources import SOURCES
    return SOURCES[name].loader


def test_metric_filters_read_only_trail_log_groups_in_their_region() -> None:
    described = {"metricFilters": [{"filterName": "route-changes", "logGroupName": "trail-logs",
                                    "filterPattern": ROUTE.published, "metricTransformations": [
                                        {"metricNamespace": "CISBenchmark", "metricName": "RouteTableChanges"}]}]}
    here = Client(REGION, describe_metric_filters=described)
    elsewhere = Client("us-east-1", describe_metric_filters=described)
    single = replace(TRAIL, name="single", multi_region=False, log_group_arn=GROUP_ARN.replace("trail-logs", "single"))
    assert loader("metric_filters")(here, [TRAIL, single], IDENTITY) == [LogGroup("trail-logs", REGION, (GOOD,))]
    assert here.calls == [("describe_metric_filters", {"logGroupName": "trail-logs"})]
    assert loader("metric_filters")(elsewhere, [TRAIL, single], IDENTITY) == [] and elsewhere.calls == []
    gone = Client(REGION, describe_metric_filters=ClientError(
        {"Error": {"Code": "ResourceNotFoundException", "Message": "no"}}, "DescribeMetricFilters"))
    assert loader("metric_filters")(gone, [TRAIL], IDENTITY) == [LogGroup("trail-logs", REGION, exists=False)]


def test_each_distinct_pattern_is_tested_once_for_all_fifteen_topics_fifty_records_a_call() -> None:
    records = monitoring.messages()
    assert len(records) == len(set(records)) > monitoring.BATCH
    client = Client(REGION, test_metric_filter=lambda filterPattern, logEventMessages:  # noqa: N803
                    filter_patterns.test_metric_filter(filterPattern, logEventMessages))
    twice = replace(GOOD, name="route-changes-again")
    everything = replace(GOOD, name="everything", pattern="{ $.eventName = * }")
    found = loader("metric_filter_matches")(client, {REGION: [LogGroup("trail-logs", REGION, (GOOD, twice,
                                                                                             everything))]})
    assert len(client.calls) == 2 * math.ceil(len(records) / monitoring.BATCH)
    assert all(len(params["logEventMessages"]) <= monitoring.BATCH for _, params in client.calls)
    assert found[GOOD.pattern] == frozenset(event.message for event in ROUTE.must_catch)
    assert found["{ $.eventName = * }"] == frozenset(records)
    refused = Client(REGION, test_metric_filter=ClientError(
        {"Error": {"Code": "InvalidParameterException", "Message": "Invalid character(s) in term"}},
        "TestMetricFilter"))
    assert loader("metric_filter_matches")(refused, {REGION: [LogGroup("trail-logs", REGION, (GOOD,))]}) == {
        GOOD.pattern: "logs:TestMetricFilter refused it: Invalid character(s) in term"}
    nothing = Client("us-east-1")
    assert loader("metric_filter_matches")(nothing, {REGION: [LogGroup("trail-logs", REGION, (GOOD,))]}) == {}


def test_alarms_and_subscriptions_are_read_only_where_a_trail_filter_is() -> None:
    described = {"MetricAlarms": [
        {"AlarmName": "route-changes", "Namespace": "CISBenchmark", "MetricName": "RouteTableChanges",
         "AlarmActions": [TOPIC_ARN], "ActionsEnabled": True},
        {"AlarmName": "math", "Metrics": [{"Id": "m", "MetricStat": {"Metric": {
            "Namespace": "CISBenchmark", "MetricName": "RouteTableChanges"}}, "ReturnData": True}],
         "AlarmActions": [f"{TOPIC_ARN}-2"], "ActionsEnabled": False}]}
    groups = {REGION: [LogGroup("trail-logs", REGION, (GOOD,))], "us-east-1": [LogGroup("x", "us-east-1")]}
    here, bare = Client(REGION, describe_alarms=described), Client("us-east-1", describe_alarms=described)
    alarms = loader("metric_alarms")(here, groups)
    assert alarms == [ALARM, Alarm("math", *METRIC, (f"{TOPIC_ARN}-2",), REGION, actions_enabled=False)]
    assert here.calls == [("describe_alarms", {"AlarmTypes": ["MetricAlarm"]})]
    assert loader("metric_alarms")(bare, groups) == [] and bare.calls == []

    topics = Client(REGION, list_subscriptions_by_topic={"Subscriptions": [
        {"SubscriptionArn": f"{TOPIC_ARN}:1"}, {"SubscriptionArn": "PendingConfirmation"}]})
    found = loader("alarm_subscriptions")(topics, {REGION: alarms}, groups, IDENTITY)
    assert found == {TOPIC_ARN: Subscribers(TOPIC_ARN, confirmed=1, pending=1)}  # the disabled alarm's topic: not read
    assert topics.calls == [("list_subscriptions_by_topic", {"TopicArn": TOPIC_ARN})]
    foreign = "arn:aws:sns:eu-west-1:999999999999:alarms"
    refused = Client(REGION, list_subscriptions_by_topic=ClientError(
        {"Error": {"Code": "AuthorizationError", "Message": "no"}}, "ListSubscriptionsByTopic"))
    found = loader("alarm_subscriptions")(refused, {REGION: [replace(ALARM, actions=(foreign,))]}, groups, IDENTITY)
    assert found[foreign].unread.startswith("ListSubscriptionsByTopic answered AuthorizationError")
    with pytest.raises(ClientError):  # the account's own topic refused: a permission to grant, an ERROR
        loader("alarm_subscriptions")(refused, {REGION: alarms}, groups, IDENTITY)
