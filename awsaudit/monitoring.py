"""The CIS Monitoring topics (v5 4.1-4.15, v6/v7 5.1-5.15): does a metric filter watch what its topic asks for?

A metric filter is judged by the CloudTrail records it matches, never by its text. Each topic has a set of records
(awsaudit/monitoring_events/<topic>.json, CloudTrail records as CloudTrail writes them): those the filter must catch
and those it must not flag (reads and unrelated calls: a filter that flags them, such as `{ $.eventName = * }`, counts
everything and alarms on nothing in particular). The set lives beside the engine, not in checks/, so the installed
engine finds it wherever pytest runs; each file also holds the pattern CIS publishes for the topic and broken
variants of it, which tests prove fail.

The question "which of these records does the pattern match" is asked of AWS itself (logs:TestMetricFilter, one call
per pattern and topic: a set holds at most 50 records, the API's limit), so the live answer is AWS's own reading of
the pattern; offline, the emulation answers it with awsaudit.filter_patterns.

A control over a topic is a few lines (the trail's log group's filters and the alarms come from their sources):

    verdict = monitoring.watch(TOPICS["route-table-changes"], filters, alarms, monitoring.tester(logs))
    findings.judge(...) / assert verdict.watched, verdict.why
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


@dataclass(frozen=True)
class MetricFilter:
    """A metric filter of a log group: its pattern and the metrics (namespace, name) it feeds."""

    name: str
    log_group: str
    pattern: str
    metrics: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch alarm on one metric (namespace, name), and where it sends its alarm state."""

    name: str
    namespace: str
    metric: str
    actions: tuple[str, ...]


@dataclass(frozen=True)
class Watch:
    """A topic's watch over one log group: the filters whose pattern passes, each with its alarms that act."""

    topic: str
    verdicts: tuple[tuple[MetricFilter, Verdict], ...]
    watched: tuple[tuple[MetricFilter, tuple[Alarm, ...]], ...]

    @property
    def why(self) -> str:
        """Why no filter watches the topic (empty when one does)."""
        if self.watched:
            return ""
        if not self.verdicts:
            return "no metric filter on the log group"
        reasons = [f"{f.name} ({v.reason if not v.ok else 'no alarm with an action on its metric'})"
                   for f, v in self.verdicts]
        return "no metric filter with an alarm watches it: " + "; ".join(reasons)


def watch(topic: Topic | str, filters: Iterable[MetricFilter], alarms: Iterable[Alarm], test: Tester) -> Watch:
    """Judge each filter's pattern against the topic (one test per filter) and pair the passing ones with the alarms
    on their metrics that have at least one action."""
    topic = topics()[topic] if isinstance(topic, str) else topic
    alarms = list(alarms)
    verdicts, watched = [], []
    for each in filters:
        verdict = judge(each.pattern, topic, test)
        verdicts.append((each, verdict))
        acting = tuple(alarm for alarm in alarms
                       if (alarm.namespace, alarm.metric) in each.metrics and alarm.actions)
        if verdict.ok and acting:
            watched.append((each, acting))
    return Watch(topic.key, tuple(verdicts), tuple(watched))
