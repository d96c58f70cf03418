"""The CIS Monitoring topics: each record set against the pattern CIS publishes (and the alternatives it offers), its
broken variants, and the verdicts a control builds on; asked of the evaluator directly and through
logs:TestMetricFilter as an audit's own client asks it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from awsaudit import filter_patterns, monitoring

TOPICS = monitoring.topics()
CIS_V5 = [f"4.{n}" for n in range(1, 16)]


def test_the_fifteen_cis_monitoring_topics_are_there_in_order() -> None:
    assert [topic.cis["v5.0.0"] for topic in TOPICS.values()] == CIS_V5
    assert [topic.cis["v7.0.0"] for topic in TOPICS.values()] == [f"5.{n}" for n in range(1, 16)]
    hub = {topic.cis["v5.0.0"]: topic.security_hub for topic in TOPICS.values()}
    assert hub["4.3"] == "CloudWatch.1" and hub["4.1"] == "CloudWatch.2" and hub["4.14"] == "CloudWatch.14"
    assert hub["4.15"] is None  # Security Hub has no control for Organizations changes


@pytest.mark.parametrize("key", TOPICS)
def test_each_set_is_cloudtrail_records_within_one_testmetricfilter_call(key: str) -> None:
    topic = TOPICS[key]
    assert topic.must_catch and topic.must_not_flag
    assert len(topic.events) <= monitoring.BATCH
    assert len({event.message for event in topic.events}) == len(topic.events), "records must differ"
    assert len({event.label for event in topic.events}) == len(topic.events), "labels must differ"
    for event in topic.events:
        record = event.record
        for key_ in ("eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion",
                     "eventID", "eventType", "recipientAccountId"):
            assert key_ in record, (event.label, key_)
        assert record["eventSource"].endswith(".amazonaws.com")
        assert record["eventType"] in ("AwsApiCall", "AwsConsoleSignIn", "AwsServiceEvent")


@pytest.mark.parametrize("key", TOPICS)
def test_the_published_patterns_catch_every_must_catch_record_and_flag_none_of_the_others(key: str) -> None:
    topic = TOPICS[key]
    for pattern in (topic.published, *topic.alternatives):
        verdict = monitoring.judge(pattern, topic)
        assert verdict.ok, (pattern, verdict.reason)
        assert verdict.decided_by is None


@pytest.mark.parametrize(("key", "why", "pattern"),
                         [(key, why, pattern) for key, topic in TOPICS.items() for why, pattern in topic.broken])
def test_each_broken_variant_fails(key: str, why: str, pattern: str) -> None:
    verdict = monitoring.judge(pattern, key)
    assert not verdict.ok, why
    assert verdict.decided_by is not None


def test_every_topic_has_a_broken_variant_that_flags_everything() -> None:
    for key, topic in TOPICS.items():
        assert any(pattern == "{ $.eventName = * }" for _, pattern in topic.broken), key


def test_a_verdict_names_the_record_that_decided() -> None:
    route = TOPICS["route-table-changes"]
    missing = route.published.replace(" || ($.eventName = DisassociateRouteTable)", "")
    assert monitoring.judge(missing, route).reason == "misses DisassociateRouteTable"
    assert monitoring.judge(missing, route).decided_by.label == "DisassociateRouteTable"
    everything = monitoring.judge("{ $.eventName = * }", route)
    assert everything.reason == "flags DescribeRouteTables, CreateVpc"
    near = route.published.replace("($.eventName = CreateRoute)", "($.eventName = CreateRouteTable)")
    assert monitoring.judge(near, route).reason == "misses CreateRoute"
    assert monitoring.judge("{ $.eventName = ", route).reason.startswith("invalid pattern: ")


def test_equivalent_rewrites_of_a_published_pattern_pass() -> None:
    route = TOPICS["route-table-changes"]
    names = [event.record["eventName"] for event in route.must_catch]
    reordered = "{" + "||".join(f'$.eventName="{name}"' for name in reversed(names)) + "}"
    assert monitoring.judge(reordered, route).ok
    root = TOPICS["root-usage"]
    assert monitoring.judge('{ ($.eventType != "AwsServiceEvent") && ($.userIdentity.invokedBy NOT EXISTS) && '
                            '($.userIdentity.type = Root) }', root).ok


def test_a_clause_on_a_field_the_records_lack_drops_them() -> None:
    """The peers' pitfall: `$.userIdentity.invokedBy != "x"` is false where the field is missing, so it drops the
    very calls it was meant to keep (CIS section 3; DataBiosphere/azul#5884)."""
    topic = TOPICS["unauthorized-api-calls"]
    pattern = topic.published[:-1] + ' && ($.userIdentity.invokedBy != "cloudfront.amazonaws.com") }'
    verdict = monitoring.judge(pattern, topic)
    assert not verdict.ok and verdict.reason.startswith("misses ListUsers refused (AccessDenied)")


class FakeLogs:
    """A CloudWatch Logs client whose TestMetricFilter is the evaluator: counts the calls and their sizes."""

    def __init__(self) -> None:
        self.calls: list[int] = []

    def test_metric_filter(self, filterPattern: str, logEventMessages: list[str]) -> dict[str, Any]:  # noqa: N803
        assert 1 <= len(logEventMessages) <= 50
        self.calls.append(len(logEventMessages))
        return filter_patterns.test_metric_filter(filterPattern, logEventMessages)


def test_one_testmetricfilter_call_per_pattern_and_topic_and_batches_of_fifty() -> None:
    logs = FakeLogs()
    topic = TOPICS["organizations-changes"]
    assert monitoring.judge(topic.published, topic, monitoring.tester(logs)).ok
    assert logs.calls == [len(topic.events)]
    big = monitoring.Topic("big", "big", {"v5.0.0": "4.99"}, None, "{ $.n >= 0 }", (),
                           tuple(monitoring.Event(f"n{n}", {"n": n}) for n in range(120)), (), ())
    logs.calls.clear()
    assert monitoring.judge("{ $.n >= 0 }", big, monitoring.tester(logs)).ok
    assert logs.calls == [50, 50, 20]


def test_the_records_are_what_the_log_group_holds() -> None:
    event = TOPICS["root-usage"].must_catch[0]
    assert json.loads(event.message) == event.record
