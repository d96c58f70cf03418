"""Amazon EventBridge: the resource policy of each event bus."""

from __future__ import annotations

from typing import Any

from awsaudit.findings import Resource
from awsaudit.policy_documents import ResourcePolicy, read
from awsaudit.source_fixtures import source


@source("events", regional=True, actions=["events:ListEventBuses"],
        evidence=lambda found: [str(policy.resource) for policy in found])
def event_bus_policies(events: Any) -> list[ResourcePolicy]:
    """The event buses of the region that have a resource policy, with it (ListEventBuses returns the policies: no
    call per bus)."""
    found, token = [], None
    while True:
        page = events.list_event_buses(**({"NextToken": token} if token else {}))
        for bus in page.get("EventBuses", []):
            if bus.get("Policy"):
                found.append(ResourcePolicy(Resource(bus["Arn"], "AWS::Events::EventBus", events.meta.region_name,
                                                     bus["Name"]), read(bus["Policy"], "events:ListEventBuses", bus["Arn"])))
        token = page.get("NextToken")
        if not token:
            return found
