"""Amazon EC2: the regions enabled for the account."""

from __future__ import annotations

from typing import Any

from awsaudit.source_fixtures import source


@source("ec2", actions=["ec2:DescribeRegions"])
def enabled_regions(ec2: Any) -> list[str]:
    """Regions enabled for the account: DescribeRegions leaves out opt-in regions that are not enabled (and the status
    is checked too, should an answer include them)."""
    return sorted(region["RegionName"] for region in ec2.describe_regions()["Regions"]
                  if region.get("OptInStatus") != "not-opted-in")
