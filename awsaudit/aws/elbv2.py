"""Elastic Load Balancing (v2): the load balancers of each region, and the access-log attributes of each application
load balancer (one paginated DescribeLoadBalancers per region, then one DescribeLoadBalancerAttributes per
application load balancer).

Network and gateway load balancers are listed but their attributes are not read: they work at layers 3 and 4, are no
web front end, and a gateway load balancer has no access logs at all (a network load balancer logs its TLS
listeners only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source

# The load balancer type whose access logs are read and judged.
APPLICATION = "application"
# The largest page DescribeLoadBalancers returns.
PAGE = {"PageSize": 400}


@dataclass(frozen=True)
class LoadBalancer:
    name: str
    arn: str
    region: str
    type: str  # "application", "network" or "gateway"
    scheme: str  # "internet-facing" or "internal"
    access_logs: bool | None  # access_logs.s3.enabled; None where not read (a network or gateway load balancer)
    log_bucket: str  # access_logs.s3.bucket, "" when none

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::ElasticLoadBalancingV2::LoadBalancer", self.region, self.name)


def _attributes(elbv2: Any, arn: str, name: str, region: str) -> dict[str, str]:
    answer = elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)
    attributes = {each["Key"]: each.get("Value", "") for each in answer.get("Attributes", [])}
    if "access_logs.s3.enabled" not in attributes:
        raise SourceError(f"elasticloadbalancing:DescribeLoadBalancerAttributes in {region}: load balancer {name} "
                          "answered without access_logs.s3.enabled")
    return attributes


@source("elbv2", regional=True, title="Elastic Load Balancing v2 load balancers",
        actions=["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes"],
        evidence=lambda found: [f"{lb.name} ({lb.type}" + (", access logs on" if lb.access_logs else
                                                           ", access logs off" if lb.access_logs is False else "")
                                + ")" for lb in found] or "none")
def load_balancers(elbv2: Any) -> tuple[LoadBalancer, ...]:
    """The region's application, network and gateway load balancers; for each application load balancer, whether
    it writes access logs to S3 (one attributes call per application load balancer)."""
    region = elbv2.meta.region_name
    found = []
    for page in elbv2.get_paginator("describe_load_balancers").paginate(PaginationConfig=PAGE):
        for answer in page.get("LoadBalancers", []):
            name, arn, kind = answer.get("LoadBalancerName"), answer.get("LoadBalancerArn"), answer.get("Type")
            if not name or not arn or not kind:
                raise SourceError(f"elasticloadbalancing:DescribeLoadBalancers in {region} answered a load balancer "
                                  f"without a name, ARN or type ({name!r}, {arn!r}, {kind!r})")
            logs, bucket = None, ""
            if kind == APPLICATION:
                attributes = _attributes(elbv2, arn, name, region)
                logs = attributes["access_logs.s3.enabled"] == "true"
                bucket = attributes.get("access_logs.s3.bucket", "")
            found.append(LoadBalancer(name, arn, region, kind, answer.get("Scheme", ""), logs, bucket))
    return tuple(found)


def access_log_gap(lb: LoadBalancer) -> str | None:
    """Why an application load balancer fails WEB-1 (None: it logs, or it is not judged)."""
    if lb.type != APPLICATION:
        return None
    if not lb.access_logs:
        return "application load balancer without access logs (access_logs.s3.enabled false)"
    if not lb.log_bucket:
        return "application load balancer with access logs on but no bucket named"
    return None
