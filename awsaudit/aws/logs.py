"""Amazon CloudWatch Logs: the metric filters of the log groups trails deliver to, and what their patterns match.

Only the log groups a trail that can start a Monitoring chain delivers to are read (multi-region, logging, every
management event, the log group in this account), each in its own region: DescribeMetricFilters once per such log
group; no call at all in a region that holds none. What a pattern matches is asked of AWS (logs:TestMetricFilter)
once per distinct pattern, over the CloudTrail records of all fifteen CIS Monitoring topics together (50 records a
call), so the fifteen controls cost ceil(records / 50) calls per pattern, not one per topic.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from awsaudit import monitoring
from awsaudit.errors import error_code
from awsaudit.monitoring import LogGroup, MetricFilter
from awsaudit.source_fixtures import source


def _filter(described: dict[str, Any], region: str) -> MetricFilter:
    metrics = tuple((each.get("metricNamespace", ""), each.get("metricName", ""))
                    for each in described.get("metricTransformations", []))
    return MetricFilter(described["filterName"], described["logGroupName"], described.get("filterPattern", ""),
                        metrics, region)


@source("logs", regional=True, title="metric filters of the trails' log groups",
        actions=["logs:DescribeMetricFilters"],
        evidence=lambda found: {group.name: ([f"{f.name}: {f.pattern}" for f in group.filters] or "no metric filter")
                                if group.exists else "does not exist" for group in found} or "no trail log group here")
def metric_filters(logs: Any, trails: list, identity: Any) -> list[LogGroup]:
    """The metric filters of each log group of the region that a trail able to start a chain delivers to
    (DescribeMetricFilters per log group); none, and no call, in a region without one."""
    region = logs.meta.region_name
    found = []
    for (where, name) in sorted(monitoring.chain_log_groups(trails, identity.account_id)):
        if where != region:
            continue
        try:
            filters = tuple(_filter(each, region) for page in
                            logs.get_paginator("describe_metric_filters").paginate(logGroupName=name)
                            for each in page.get("metricFilters", []))
        except ClientError as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            found.append(LogGroup(name, region, exists=False))
            continue
        found.append(LogGroup(name, region, filters))
    return found


@source("logs", regional=True, title="what the metric filters' patterns match", actions=["logs:TestMetricFilter"],
        evidence=lambda found: {pattern: matched if isinstance(matched, str) else
                                f"matches {len(matched)} of the {len(monitoring.messages())} Monitoring records"
                                for pattern, matched in found.items()} or "no metric filter here")
def metric_filter_matches(logs: Any, metric_filters: dict[str, list[LogGroup]]) -> dict[str, frozenset[str] | str]:
    """For each distinct pattern of the region's trail log groups, the records of the fifteen CIS Monitoring topics
    it matches (logs:TestMetricFilter, 50 records a call), or why AWS refused to test it (InvalidParameterException:
    a pattern the offline emulation does not evaluate, say)."""
    patterns = dict.fromkeys(each.pattern for group in metric_filters.get(logs.meta.region_name, [])
                             for each in group.filters)
    records = monitoring.messages()
    test = monitoring.tester(logs)
    found: dict[str, frozenset[str] | str] = {}
    for pattern in patterns:
        try:
            found[pattern] = frozenset(test(pattern, records))
        except ClientError as exc:
            if error_code(exc) != "InvalidParameterException":
                raise
            found[pattern] = f"logs:TestMetricFilter refused it: {exc.response.get('Error', {}).get('Message', '')}"
    return found
