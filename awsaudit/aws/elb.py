"""Elastic Load Balancing, Classic Load Balancers: those of each region, and the access-log attribute of each one
that serves HTTP or HTTPS (one paginated DescribeLoadBalancers per region, then one DescribeLoadBalancerAttributes
per such load balancer).

A Classic Load Balancer with TCP or SSL listeners only works at layer 4, like a network load balancer: it is listed
but its attributes are not read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source

# The listener protocols that make a Classic Load Balancer a web front end.
WEB_PROTOCOLS = frozenset({"HTTP", "HTTPS"})
# The largest page DescribeLoadBalancers returns.
PAGE = {"PageSize": 400}


@dataclass(frozen=True)
class ClassicLoadBalancer:
    name: str
    arn: str
    region: str
    protocols: tuple[str, ...]  # its listeners' protocols
    access_logs: bool | None  # AccessLog.Enabled; None where not read (no HTTP or HTTPS listener)
    log_bucket: str  # AccessLog.S3BucketName, "" when none

    @property
    def web(self) -> bool:
        return bool(WEB_PROTOCOLS & set(self.protocols))

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::ElasticLoadBalancing::LoadBalancer", self.region, self.name)


@source("elb", regional=True, title="Classic Load Balancers",
        actions=["elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes"],
        evidence=lambda found: [f"{lb.name} ({'/'.join(lb.protocols) or 'no listener'}"
                                + (", access logs on" if lb.access_logs else
                                   ", access logs off" if lb.access_logs is False else "") + ")"
                                for lb in found] or "none")
def classic_load_balancers(elb: Any, identity: Any) -> tuple[ClassicLoadBalancer, ...]:
    """The region's Classic Load Balancers; for each with an HTTP or HTTPS listener, whether it writes access logs to
    S3 (one attributes call per such load balancer)."""
    region = elb.meta.region_name
    found = []
    for page in elb.get_paginator("describe_load_balancers").paginate(PaginationConfig=PAGE):
        for answer in page.get("LoadBalancerDescriptions", []):
            name = answer.get("LoadBalancerName")
            if not name:
                raise SourceError(f"elasticloadbalancing:DescribeLoadBalancers in {region} answered a Classic Load "
                                  "Balancer without a name")
            protocols = tuple(sorted({listener["Listener"]["Protocol"].upper()
                                      for listener in answer.get("ListenerDescriptions", [])}))
            arn = f"arn:{elb.meta.partition}:elasticloadbalancing:{region}:{identity.account_id}:loadbalancer/{name}"
            lb = ClassicLoadBalancer(name, arn, region, protocols, None, "")
            if lb.web:
                attributes = elb.describe_load_balancer_attributes(LoadBalancerName=name)
                log = (attributes.get("LoadBalancerAttributes") or {}).get("AccessLog")
                if not isinstance(log, dict) or not isinstance(log.get("Enabled"), bool):
                    raise SourceError(f"elasticloadbalancing:DescribeLoadBalancerAttributes in {region}: Classic Load "
                                      f"Balancer {name} answered without AccessLog.Enabled")
                lb = ClassicLoadBalancer(lb.name, lb.arn, region, protocols, log["Enabled"],
                                         log.get("S3BucketName") or "")
            found.append(lb)
    return tuple(found)


def access_log_gap(lb: ClassicLoadBalancer) -> str | None:
    """Why a Classic Load Balancer fails WEB-1 (None: it logs, or it serves no HTTP and is not judged)."""
    if not lb.web:
        return None
    if not lb.access_logs:
        return "Classic Load Balancer without access logs (AccessLog.Enabled false)"
    if not lb.log_bucket:
        return "Classic Load Balancer with access logs on but no bucket named"
    return None
