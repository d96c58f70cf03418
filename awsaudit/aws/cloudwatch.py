"""Amazon CloudWatch: the metric alarms of the regions that hold a trail's log group with metric filters."""

from __future__ import annotations

from typing import Any

from awsaudit.monitoring import Alarm, LogGroup
from awsaudit.source_fixtures import source


def _alarm(described: dict[str, Any], region: str) -> Alarm:
    """A metric alarm on one metric; a metric-math alarm counts on the metric whose data it returns (ReturnData)."""
    namespace, metric = described.get("Namespace", ""), described.get("MetricName", "")
    if not metric:
        returned = [query["MetricStat"]["Metric"] for query in described.get("Metrics", [])
                    if query.get("ReturnData", True) and "MetricStat" in query]
        if len(returned) == 1:
            namespace, metric = returned[0].get("Namespace", ""), returned[0].get("MetricName", "")
    return Alarm(described["AlarmName"], namespace, metric, tuple(described.get("AlarmActions", [])), region,
                 bool(described.get("ActionsEnabled", True)))


@source("cloudwatch", regional=True, title="metric alarms", actions=["cloudwatch:DescribeAlarms"],
        evidence=lambda found: [f"{a.name} on {a.namespace}/{a.metric} -> {', '.join(a.actions) or 'no action'}"
                                + ("" if a.actions_enabled else " (actions disabled)") for a in found]
        or "none read (no metric filter on a trail's log group here) or none")
def metric_alarms(cloudwatch: Any, metric_filters: dict[str, list[LogGroup]]) -> list[Alarm]:
    """The metric alarms of a region where a trail's log group has metric filters (DescribeAlarms); none, and no
    call, elsewhere."""
    region = cloudwatch.meta.region_name
    if not any(group.filters for group in metric_filters.get(region, [])):
        return []
    return [_alarm(each, region) for page in
            cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"])
            for each in page.get("MetricAlarms", [])]
