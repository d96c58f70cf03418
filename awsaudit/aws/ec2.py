"""Amazon EC2: the regions enabled for the account, and the networking state of each region (security groups,
network ACLs, instances, VPCs, flow logs, route tables, peering connections, EBS encryption by default)."""

from __future__ import annotations

from typing import Any

from awsaudit import network
from awsaudit.errors import SourceError
from awsaudit.source_fixtures import source


@source("ec2", actions=["ec2:DescribeRegions"])
def enabled_regions(ec2: Any) -> list[str]:
    """Regions enabled for the account: DescribeRegions leaves out opt-in regions that are not enabled (and the status
    is checked too, should an answer include them)."""
    return sorted(region["RegionName"] for region in ec2.describe_regions()["Regions"]
                  if region.get("OptInStatus") != "not-opted-in")


# The networking sources below are read once per region and shared by every control that judges them: one paginated
# Describe* call per region each, never one per resource. Their models and rule semantics are in awsaudit/network.py.

def _pages(client: Any, operation: str, key: str, **params: Any) -> list[dict[str, Any]]:
    return [item for page in client.get_paginator(operation).paginate(**params) for item in page.get(key) or []]


@source("ec2", regional=True, actions=["ec2:GetEbsEncryptionByDefault"], title="EBS encryption by default",
        evidence=lambda on: "on" if on else "off")
def ebs_encryption_by_default(ec2: Any) -> bool:
    """Whether EBS encrypts the region's new volumes by default."""
    answer = ec2.get_ebs_encryption_by_default()
    if "EbsEncryptionByDefault" not in answer:
        raise SourceError("ec2:GetEbsEncryptionByDefault answered without EbsEncryptionByDefault")
    return bool(answer["EbsEncryptionByDefault"])


@source("ec2", regional=True, actions=["ec2:DescribeSecurityGroups"],
        evidence=lambda groups: [group.resource.name for group in groups])
def security_groups(ec2: Any) -> list[network.SecurityGroup]:
    """The region's security groups with their inbound and outbound rules."""
    region = ec2.meta.region_name
    return [network.SecurityGroup.parse(item, region, ec2)
            for item in _pages(ec2, "describe_security_groups", "SecurityGroups")]


@source("ec2", regional=True, actions=["ec2:DescribeNetworkAcls"], title="network ACLs",
        evidence=lambda acls: {acl.resource.name: [str(entry) for entry in acl.entries if not entry.egress]
                               for acl in acls})
def network_acls(ec2: Any) -> list[network.NetworkAcl]:
    """The region's network ACLs with their entries (the inbound ones shown)."""
    region = ec2.meta.region_name
    return [network.NetworkAcl.parse(item, region, ec2) for item in _pages(ec2, "describe_network_acls", "NetworkAcls")]


@source("ec2", regional=True, actions=["ec2:DescribeInstances"], title="EC2 instances",
        evidence=lambda found: {i.resource.name: f"{i.state}, HttpTokens {i.http_tokens}, endpoint {i.http_endpoint}, "
                                f"profile {i.profile_arn or 'none'}" for i in found})
def instances(ec2: Any) -> list[network.Instance]:
    """The region's instances: state, metadata service options, instance profile and security groups."""
    region = ec2.meta.region_name
    return [network.Instance.parse(item, reservation.get("OwnerId", ""), region, ec2)
            for reservation in _pages(ec2, "describe_instances", "Reservations")
            for item in reservation.get("Instances") or []]


@source("ec2", regional=True, actions=["ec2:DescribeVpcs"], title="VPCs",
        evidence=lambda vpcs: [vpc.resource.name for vpc in vpcs])
def vpcs(ec2: Any) -> list[network.Vpc]:
    """The region's VPCs."""
    region = ec2.meta.region_name
    return [network.Vpc.parse(item, region, ec2) for item in _pages(ec2, "describe_vpcs", "Vpcs")]


@source("ec2", regional=True, actions=["ec2:DescribeFlowLogs"], evidence=lambda logs: [str(log) for log in logs])
def flow_logs(ec2: Any) -> list[network.FlowLog]:
    """The region's flow logs: what each captures (VPC, subnet or interface), which traffic, where it delivers."""
    return [network.FlowLog.parse(item) for item in _pages(ec2, "describe_flow_logs", "FlowLogs")]


@source("ec2", regional=True, actions=["ec2:DescribeRouteTables"],
        evidence=lambda tables: {table.id: [f"{route.destination} -> {route.peering}"
                                            for route in table.peering_routes] for table in tables})
def route_tables(ec2: Any) -> list[network.RouteTable]:
    """The region's route tables (the routes to VPC peering connections shown)."""
    region = ec2.meta.region_name
    return [network.RouteTable.parse(item, region, ec2) for item in _pages(ec2, "describe_route_tables", "RouteTables")]


@source("ec2", regional=True, actions=["ec2:DescribeVpcPeeringConnections"], title="VPC peering connections",
        evidence=lambda found: [str(connection) for connection in found.values()])
def vpc_peering_connections(ec2: Any) -> dict[str, network.PeeringConnection]:
    """The region's VPC peering connections, by id: status and the VPC, account and ranges of each side."""
    return {connection.id: connection for connection in (
        network.PeeringConnection.parse(item)
        for item in _pages(ec2, "describe_vpc_peering_connections", "VpcPeeringConnections"))}
