"""IAM Access Analyzer: the analyzers of each region (there is no call that spans regions)."""

from __future__ import annotations

from typing import Any

from awsaudit.source_fixtures import source


@source("accessanalyzer", regional=True, actions=["access-analyzer:ListAnalyzers"],
        evidence=lambda found: [f"{a['name']} ({a['type']}, {a['status']})" for a in found] or "none")
def access_analyzers(client: Any) -> list[dict[str, Any]]:
    """The region's IAM Access Analyzer analyzers: name, type and status."""
    pages = client.get_paginator("list_analyzers").paginate()
    return [{"name": a["name"], "type": a["type"], "status": a["status"]}
            for page in pages for a in page.get("analyzers", [])]
