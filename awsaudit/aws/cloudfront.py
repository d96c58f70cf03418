"""Amazon CloudFront: the account's distributions and whether each writes access logs.

CloudFront is global: one paginated ListDistributions, then one GetDistributionConfig per distribution, since the
list does not carry the logging settings. A distribution logs in one of two ways: the legacy standard logging of its
configuration (Logging.Enabled, to an S3 bucket), or standard logging v2, a CloudWatch Logs delivery whose source is
the distribution. CloudFront's delivery sources live in us-east-1 only, so v2 costs one DescribeDeliverySources and
one DescribeDeliveries there (paginated) and no call in any other region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source

# The only region where CloudFront's log deliveries (standard logging v2) are made and can be read.
DELIVERY_REGION = "us-east-1"
# The log type of a delivery source that carries a distribution's access logs.
ACCESS_LOGS = "ACCESS_LOGS"


@dataclass(frozen=True)
class Distribution:
    id: str
    arn: str
    domain: str
    enabled: bool
    logging: bool  # legacy standard logging: Logging.Enabled of its configuration
    log_bucket: str  # Logging.Bucket, "" when none

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::CloudFront::Distribution", "", f"{self.id} ({self.domain})")


@source("cloudfront", actions=["cloudfront:ListDistributions", "cloudfront:GetDistributionConfig"],
        title="CloudFront distributions",
        evidence=lambda found: [f"{d.id} (" + (f"legacy logging to {d.log_bucket}" if d.logging else
                                               "no legacy logging") + ")" for d in found] or "none")
def cloudfront_distributions(cloudfront: Any) -> tuple[Distribution, ...]:
    """The account's CloudFront distributions and their legacy standard logging (one GetDistributionConfig per
    distribution)."""
    found = []
    for page in cloudfront.get_paginator("list_distributions").paginate():
        for item in (page.get("DistributionList") or {}).get("Items", []):
            dist_id, arn = item.get("Id"), item.get("ARN")
            if not dist_id or not arn:
                raise SourceError(f"cloudfront:ListDistributions answered a distribution without an Id or ARN "
                                  f"({dist_id!r}, {arn!r})")
            config = cloudfront.get_distribution_config(Id=dist_id).get("DistributionConfig") or {}
            logging = config.get("Logging") or {}
            enabled = logging.get("Enabled") is True
            found.append(Distribution(dist_id, arn, item.get("DomainName", ""), bool(item.get("Enabled")), enabled,
                                      logging.get("Bucket", "") if enabled else ""))
    return tuple(found)


@source("logs", regional=True, actions=["logs:DescribeDeliverySources", "logs:DescribeDeliveries"],
        title="CloudFront log deliveries",
        evidence=lambda found: sorted(found) if found is not None else f"not read (only {DELIVERY_REGION} has them)")
def cloudfront_log_deliveries(logs: Any) -> frozenset[str] | None:
    """The ARNs of the CloudFront distributions whose access logs a CloudWatch Logs delivery carries (standard
    logging v2); read in us-east-1 only, None in every other region."""
    if logs.meta.region_name != DELIVERY_REGION:
        return None
    sources: dict[str, list[str]] = {}
    for page in logs.get_paginator("describe_delivery_sources").paginate():
        for each in page.get("deliverySources", []):
            if each.get("logType") == ACCESS_LOGS and each.get("name"):
                sources[each["name"]] = [arn for arn in each.get("resourceArns", []) if ":cloudfront::" in arn]
    delivered = {delivery.get("deliverySourceName") for page in logs.get_paginator("describe_deliveries").paginate()
                 for delivery in page.get("deliveries", [])}
    return frozenset(arn for name, arns in sources.items() if name in delivered for arn in arns)


def access_log_gap(distribution: Distribution, deliveries: Mapping[str, frozenset[str] | None]) -> str | None:
    """Why a distribution fails WEB-1 (None: it logs). `deliveries` is cloudfront_log_deliveries' value; when
    us-east-1 was not read (the `regions` setting), a distribution without legacy logging cannot be judged."""
    if distribution.logging and distribution.log_bucket:
        return None
    delivered = deliveries.get(DELIVERY_REGION)
    if delivered is None:
        raise SourceError(f"CloudFront distribution {distribution.id} has no legacy standard logging, and its "
                          f"standard logging v2 cannot be read: {DELIVERY_REGION} is not among the regions read")
    if distribution.arn in delivered:
        return None
    return "no standard logging (neither legacy Logging.Enabled nor a v2 log delivery)"
