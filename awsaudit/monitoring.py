"""The CIS Monitoring topics (v5 4.1-4.15, v6/v7 5.1-5.15): does a metric filter watch what its topic asks for?

A metric filter is judged by the CloudTrail records it matches, never by its text. Each topic has a set of records
(awsaudit/monitoring_events/<topic>.json, CloudTrail records as CloudTrail writes them): those the filter must catch
and those it must not flag (reads and unrelated calls: a filter that flags them, such as `{ $.eventName = * }`, counts
everything and alarms on nothing in particular). The set lives beside the engine, not in checks/, so the installed
engine finds it wherever pytest runs; each file also holds the pattern CIS publishes for the topic and broken
variants of it, which tests prove fail.

The question "which of these records does the pattern match" is asked of AWS itself (logs:TestMetricFilter), so
the live answer is AWS's own reading of the pattern; offline, the emulation answers it with awsaudit.filter_patterns.
An audit asks it once per pattern found on a trail's log group, over the records of all fifteen topics together
(`messages()`, 50 a call), and judges every topic from that one answer.

The chain each control asks for (trail -> log group -> metric filter -> alarm -> SNS topic -> confirmed subscription)
is built here once (`chain`), from the sources aws/logs.py, aws/cloudwatch.py and aws/sns.py read; a control is the
fixture's `alarm_chains.of("route-table-changes")` and an assert.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from awsaudit import filter_patterns

EVENTS = Path(__file__).with_name("monitoring_events")
BATCH = 50  # logs:TestMetricFilter takes 1 to 50 logEventMessages (botocore's model: TestEventMessages min 1, max 50)

# A tester: (pattern, messages) -> the messages the pattern matches. Raises on a pattern AWS refuses.
Tester = Callable[[str, list[str]], set[str]]


@dataclass(frozen=True)
class Event:
    """One CloudTrail record of a topic's set, and the name it is called by in a verdict."""

    label: str
    record: Mapping[str, Any] = field(compare=False, hash=False)

    @property
    def message(self) -> str:
        """The record as the trail's log group holds it: one JSON object per log event."""
        return json.dumps(self.record, separators=(",", ":"))


@dataclass(frozen=True)
class Topic:
    key: str
    title: str
    cis: Mapping[str, str] = field(compare=False, hash=False)
    security_hub: str | None
    published: str  # the pattern as CIS publishes it
    alternatives: tuple[str, ...]  # other patterns CIS offers for the topic
    must_catch: tuple[Event, ...]
    must_not_flag: tuple[Event, ...]
    broken: tuple[tuple[str, str], ...]  # (why, pattern): variants that must fail

    @property
    def events(self) -> tuple[Event, ...]:
        return self.must_catch + self.must_not_flag


@dataclass(frozen=True)
class Verdict:
    """What a pattern does with a topic's set: `ok` when it catches every must-catch record and flags no other."""

    topic: str
    pattern: str
    missed: tuple[Event, ...] = ()
    flagged: tuple[Event, ...] = ()
    invalid: str | None = None  # why AWS refused the pattern

    @property
    def ok(self) -> bool:
        return self.invalid is None and not self.missed and not self.flagged

    @property
    def decided_by(self) -> Event | None:
        """The first record the verdict turned on: a missed one, else a flagged one."""
        return (self.missed + self.flagged + (None,))[0]

    @property
    def reason(self) -> str:
        if self.invalid is not None:
            return f"invalid pattern: {self.invalid}"
        parts = []
        if self.missed:
            parts.append("misses " + ", ".join(event.label for event in self.missed))
        if self.flagged:
            parts.append("flags " + ", ".join(event.label for event in self.flagged))
        return "; ".join(parts) or "catches every event of the topic and flags none of the others"


def _event(entry: Mapping[str, Any]) -> Event:
    record = entry["record"]
    return Event(entry.get("label", record["eventName"]), record)


def _topic(data: Mapping[str, Any]) -> Topic:
    return Topic(data["topic"], data["title"], data["cis"], data.get("security_hub"), data["published"],
                 tuple(data.get("alternatives", ())), tuple(map(_event, data["must_catch"])),
                 tuple(map(_event, data["must_not_flag"])),
                 tuple((each["why"], each["pattern"]) for each in data.get("broken", ())))


@cache
def topics() -> dict[str, Topic]:
    """Every topic, keyed as its file is named ("route-table-changes"), in CIS order."""
    loaded = [_topic(json.loads(path.read_text())) for path in EVENTS.glob("*.json")]
    return {topic.key: topic for topic in sorted(loaded, key=lambda t: int(t.cis["v5.0.0"].split(".")[1]))}


def offline_tester(pattern: str, messages: list[str]) -> set[str]:
    """The emulation's reading of a pattern (awsaudit.filter_patterns)."""
    parsed = filter_patterns.parse(pattern)
    return {message for message in messages if parsed.matches(message)}


def tester(logs: Any) -> Tester:
    """AWS's reading of a pattern: logs:TestMetricFilter through `logs` (a CloudWatch Logs client), 50 records a
    call, matches told apart by their message (AWS's eventNumber is not documented as 0- or 1-based)."""

    def test(pattern: str, messages: list[str]) -> set[str]:
        matched: set[str] = set()
        for start in range(0, len(messages), BATCH):
            answer = logs.test_metric_filter(filterPattern=pattern, logEventMessages=messages[start:start + BATCH])
            matched.update(match["eventMessage"] for match in answer.get("matches", []))
        return matched

    return test


def judge(pattern: str, topic: Topic | str, test: Tester = offline_tester) -> Verdict:
    """The verdict on `pattern` for `topic` (or its key), and the records that decided it.

    A pattern the tester refuses (filter_patterns.FilterPatternError offline; InvalidParameterException from AWS is
    left to propagate, as any other AWS error) is an invalid verdict offline only.
    """
    topic = topics()[topic] if isinstance(topic, str) else topic
    try:
        matched = test(pattern, [event.message for event in topic.events])
    except filter_patterns.FilterPatternError as error:
        return Verdict(topic.key, pattern, invalid=error.reason)
    return Verdict(topic.key, pattern,
                   missed=tuple(event for event in topic.must_catch if event.message not in matched),
                   flagged=tuple(event for event in topic.must_not_flag if event.message in matched))


def messages() -> list[str]:
    """Every record of every topic, once each, in CIS order: what one pattern is tested on, so that one set of
    logs:TestMetricFilter calls per pattern (50 records a call) answers all fifteen topics."""
    return list(dict.fromkeys(event.message for topic in topics().values() for event in topic.events))


# --- the chain a Monitoring control asks for ----------------------------------------------------------------------
#
# trail (multi-region, logging, every management event) -> its CloudWatch Logs log group (in the log group's own
# region) -> a metric filter there whose pattern watches the topic -> a metric alarm on the filter's metric, in that
# region, with its actions enabled -> an SNS topic among its alarm actions -> at least one confirmed subscription.
# Any one complete chain passes; otherwise each candidate names where it broke. A break that could not be judged (a
# log group of another account, a region the audit does not read, a topic AWS would not list) is `unknown`: with no
# complete chain, the control is an ERROR naming them, never a FAIL on what was not seen.


@dataclass(frozen=True)
class MetricFilter:
    """A metric filter of a log group: its pattern and the metrics (namespace, name) it feeds."""

    name: str
    log_group: str
    pattern: str
    metrics: tuple[tuple[str, str], ...]
    region: str = ""


@dataclass(frozen=True)
class LogGroup:
    """A log group a trail delivers to, as DescribeMetricFilters in its region told it."""

    name: str
    region: str
    filters: tuple[MetricFilter, ...] = ()
    exists: bool = True


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch metric alarm on one metric (namespace, name), and where it sends its ALARM state."""

    name: str
    namespace: str
    metric: str
    actions: tuple[str, ...]
    region: str = ""
    actions_enabled: bool = True

    @property
    def topics(self) -> tuple[str, ...]:
        """The SNS topics among its alarm actions."""
        return tuple(action for action in self.actions if action.split(":")[2:3] == ["sns"])


@dataclass(frozen=True)
class Subscribers:
    """The subscriptions of an SNS topic an alarm notifies: confirmed, pending confirmation; or why unknown."""

    topic_arn: str
    confirmed: int = 0
    pending: int = 0
    exists: bool = True
    unread: str = ""  # why ListSubscriptionsByTopic did not tell them (another account's topic)


# What logs:TestMetricFilter answered for a pattern: the messages it matches, or why AWS would not test it.
Matches = Mapping[str, "frozenset[str] | str"]


@dataclass(frozen=True)
class Link:
    """A complete chain."""

    trail: str
    log_group: str
    metric_filter: str
    pattern: str
    alarm: str
    topic: str
    subscribers: int

    def shown(self) -> dict[str, Any]:
        return {"trail": self.trail, "log group": self.log_group, "metric filter": self.metric_filter,
                "pattern": self.pattern, "alarm": self.alarm, "SNS topic": self.topic,
                "confirmed subscriptions": self.subscribers}


@dataclass(frozen=True)
class Break:
    """Where a candidate chain broke, and whether that is a fact (a FAIL) or unknown (an ERROR)."""

    where: str
    reason: str
    unknown: bool = False

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Chain:
    """A topic's chains: those complete (`found`) and where each other candidate broke (`broken`)."""

    topic: Topic
    found: tuple[Link, ...]
    broken: tuple[Break, ...]
    unrelated: int = 0  # filters on the trails' log groups that catch none of the topic's events

    @property
    def complete(self) -> bool:
        return bool(self.found)

    @property
    def unknown(self) -> tuple[Break, ...]:
        return tuple(each for each in self.broken if each.unknown)

    @property
    def why(self) -> str:
        """Why no chain is complete ("" when one is)."""
        if self.found:
            return ""
        return "no complete chain (trail, log group, metric filter, alarm, SNS subscriber): " + "; ".join(
            map(str, self.broken))

    def evidence(self) -> dict[str, Any]:
        shown: dict[str, Any] = {"topic": f"{self.topic.title} (CIS v5 {self.topic.cis['v5.0.0']}, v6/v7 "
                                          f"{self.topic.cis['v7.0.0']})"}
        if self.found:
            shown[f"complete chains ({len(self.found)})"] = [link.shown() for link in self.found]
        if self.broken:
            shown[f"chains that break ({len(self.broken)})"] = [str(each) for each in self.broken]
        if self.unrelated:
            shown["metric filters that catch none of its events (they watch other things)"] = self.unrelated
        return shown


def _log_group_account(trail: Any) -> str:
    parts = trail.log_group_arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def trail_break(trail: Any, account_id: str, regions_read: Iterable[str] | None = None) -> Break | None:
    """Why a trail's log group cannot start a chain (None when it can). `trail` is an aws.cloudtrail.Trail."""
    where = f"trail {trail.name} ({trail.home_region})"
    reasons = [] if trail.log_group_arn else ["delivers to no CloudWatch Logs log group"]
    if not trail.multi_region:
        reasons.append(f"single-region (only {trail.home_region})")
    if not trail.status_unread:
        if not trail.logging:
            reasons.append("not logging (StopLogging)")
        if trail.management is None or not trail.management.all:
            reasons.append("management events recorded: "
                           + (trail.management.describe() if trail.management else "none"))
    if reasons:
        return Break(where, "; ".join(reasons))
    owner = _log_group_account(trail)
    if owner != account_id:
        return Break(where, f"its log group {trail.log_group_arn} is in account {owner}, whose metric filters, alarms "
                            "and subscriptions this account cannot read (that account's own audit judges the chain)"
                     + (" (an organization trail)" if trail.organization else ""), unknown=True)
    if trail.status_unread:
        return Break(where, f"status and selectors unknown: {trail.status_unread}", unknown=True)
    if regions_read is not None and trail.log_group_region not in set(regions_read):
        return Break(where, f"its log group is in {trail.log_group_region}, a region the audit does not read (the "
                            "regions setting)", unknown=True)
    return None


def chain_log_groups(trails: Iterable[Any], account_id: str) -> dict[tuple[str, str], list[Any]]:
    """(region, log group name) -> the trails that deliver to it and can start a chain: the log groups whose
    metric filters are worth reading."""
    fed: dict[tuple[str, str], list[Any]] = {}
    for trail in trails:
        if trail_break(trail, account_id) is None:
            fed.setdefault((trail.log_group_region, trail.log_group_name), []).append(trail)
    return fed


def chain(topic: Topic | str, trails: Iterable[Any], account_id: str, log_groups: Mapping[str, Iterable[LogGroup]],
          matches: Mapping[str, Matches], alarms: Mapping[str, Iterable[Alarm]],
          subscribers: Mapping[str, Mapping[str, Subscribers]]) -> Chain:
    """The chains that watch `topic`, from the sources as they read them: `log_groups`, `matches`, `alarms` and
    `subscribers` per region ({region: value}; the regions `log_groups` holds are those the audit reads)."""
    topic = topics()[topic] if isinstance(topic, str) else topic
    found: list[Link] = []
    broken: list[Break] = []
    unrelated = 0
    groups = {(region, group.name): group for region, each in log_groups.items() for group in each}
    fed: dict[tuple[str, str], list[Any]] = {}
    for trail in trails:
        why = trail_break(trail, account_id, log_groups)
        if why is None:
            fed.setdefault((trail.log_group_region, trail.log_group_name), []).append(trail)
        else:
            broken.append(why)
    if not fed and not broken:
        broken.append(Break("account", "no CloudTrail trail logs it in any region read"))
    by_metric: dict[tuple[str, str, str], list[Alarm]] = {}
    for region, each in alarms.items():
        for alarm in each:
            by_metric.setdefault((region, alarm.namespace, alarm.metric), []).append(alarm)
    told = {arn: subs for each in subscribers.values() for arn, subs in each.items()}
    for (region, name), feeding in fed.items():
        trail_names = ", ".join(trail.name for trail in feeding)
        group = groups.get((region, name))
        if group is None or not group.exists:
            broken.append(Break(f"{region}: log group {name} (trail {trail_names})", "does not exist" if group else
                                "its metric filters were not read", unknown=group is None))
            continue
        candidates = 0
        for each in group.filters:
            where = f"{region}: metric filter {each.name} on log group {name}"
            matched = matches.get(region, {}).get(each.pattern)
            if matched is None or isinstance(matched, str):
                broken.append(Break(where, f"its pattern could not be tested: {matched or 'not asked'}", unknown=True))
                candidates += 1
                continue
            verdict = judge(each.pattern, topic, lambda _, asked, found=matched: set(asked) & found)
            if len(verdict.missed) == len(topic.must_catch):
                unrelated += 1
                continue
            candidates += 1
            if not verdict.ok:
                broken.append(Break(where, verdict.reason))
                continue
            alarmed = [alarm for namespace, metric in each.metrics
                       for alarm in by_metric.get((region, namespace, metric), [])]
            if not alarmed:
                metrics = ", ".join(f"{namespace}/{metric}" for namespace, metric in each.metrics) or "no metric"
                broken.append(Break(where, f"watches it, but no alarm in {region} is on its metric ({metrics})"))
            for alarm in alarmed:
                at = f"{region}: alarm {alarm.name} on {alarm.namespace}/{alarm.metric} (filter {each.name})"
                if not alarm.actions_enabled:
                    broken.append(Break(at, "its actions are disabled"))
                    continue
                if not alarm.topics:
                    broken.append(Break(at, "no SNS topic among its alarm actions"
                                        + (f" ({', '.join(alarm.actions)})" if alarm.actions else "")))
                    continue
                for arn in alarm.topics:
                    subs = told.get(arn)
                    if subs is None or subs.unread:
                        broken.append(Break(f"{at} -> SNS topic {arn}", "its subscriptions could not be read"
                                            + (f": {subs.unread}" if subs else ""), unknown=True))
                    elif not subs.exists:
                        broken.append(Break(f"{at} -> SNS topic {arn}", "the topic does not exist"))
                    elif not subs.confirmed:
                        broken.append(Break(f"{at} -> SNS topic {arn}", "no confirmed subscription"
                                            + (f" ({subs.pending} pending confirmation)" if subs.pending else "")))
                    else:
                        found.append(Link(trail_names, f"{region}: {name}", each.name, each.pattern, alarm.name, arn,
                                          subs.confirmed))
        if not candidates:
            broken.append(Break(f"{region}: log group {name} (trail {trail_names})",
                                "no metric filter catches any of its events" + (
                                    f" ({len(group.filters)} filters watch other things)" if group.filters
                                    else " (no metric filter at all)")))
    return Chain(topic, tuple(found), tuple(broken), unrelated)


def remediation(key: str, metric: str) -> str:
    """The remediation text of a topic's control: CIS's pattern on the trail's log group, an alarm on its metric, and
    an SNS topic with a confirmed subscriber."""
    topic = topics()[key]
    return f"""
    On the log group a multi-region, logging trail that records every management event delivers to (`aws cloudtrail
    describe-trails`: CloudWatchLogsLogGroupArn; to add one: aws cloudtrail update-trail --name TRAIL
    --cloud-watch-logs-log-group-arn LOG_GROUP_ARN --cloud-watch-logs-role-arn ROLE_ARN), in the log group's region:
    aws logs put-metric-filter --region REGION --log-group-name LOG_GROUP --filter-name {metric}
    --metric-transformations metricName={metric},metricNamespace=CISBenchmark,metricValue=1
    --filter-pattern '{topic.published}'.
    An SNS topic with a subscriber, once for every alarm: aws sns create-topic --region REGION --name security-alarms;
    aws sns subscribe --region REGION --topic-arn TOPIC_ARN --protocol email --notification-endpoint
    security@example.com, and confirm the subscription from the message it sends. Then:
    aws cloudwatch put-metric-alarm --region REGION --alarm-name {metric} --namespace CISBenchmark --metric-name
    {metric} --statistic Sum --period 300 --evaluation-periods 1 --threshold 1 --comparison-operator
    GreaterThanOrEqualToThreshold --treat-missing-data notBreaching --alarm-actions TOPIC_ARN.
    """
