"""Amazon RDS: the DB instances and DB clusters of each region (one DescribeDBInstances and one DescribeDBClusters
per region, paginated; nothing is read per instance).

The RDS API also lists Amazon Aurora, and the DocumentDB and Neptune instances and clusters it manages: they are
judged like any other, with their engine in the evidence. A cluster's member instances carry their own encryption,
minor-version-upgrade and public-access flags and are judged as instances; availability across zones is a property of
the cluster, so a member instance is judged for Multi-AZ through its cluster (`multi_az`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.source_fixtures import source

# The largest page DescribeDBInstances and DescribeDBClusters return.
PAGE = {"PageSize": 100}


def _flag(answer: Mapping[str, Any], key: str, what: str) -> bool:
    """A boolean AWS always sends; one missing or of another type is a malformed answer, never a default."""
    value = answer.get(key)
    if not isinstance(value, bool):
        raise SourceError(f"{what}: the answer has no {key} flag ({value!r})")
    return value


@dataclass(frozen=True)
class DBInstance:
    id: str
    arn: str
    region: str
    engine: str
    storage_encrypted: bool
    auto_minor_version_upgrade: bool
    publicly_accessible: bool
    multi_az: bool
    cluster: str | None  # DBClusterIdentifier of the cluster it belongs to, None when standalone

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::RDS::DBInstance", self.region, self.id)

    @classmethod
    def parse(cls, answer: Mapping[str, Any], region: str) -> "DBInstance":
        name = answer.get("DBInstanceIdentifier")
        if not name:
            raise SourceError(f"rds:DescribeDBInstances in {region} answered an instance without an identifier")
        what = f"rds:DescribeDBInstances in {region}: instance {name}"
        return cls(name, answer.get("DBInstanceArn") or name, region, answer.get("Engine", ""),
                   _flag(answer, "StorageEncrypted", what), _flag(answer, "AutoMinorVersionUpgrade", what),
                   _flag(answer, "PubliclyAccessible", what), _flag(answer, "MultiAZ", what),
                   answer.get("DBClusterIdentifier") or None)


@dataclass(frozen=True)
class DBCluster:
    id: str
    arn: str
    region: str
    engine: str
    engine_mode: str  # "provisioned", "serverless" (Aurora Serverless v1), ...
    multi_az: bool
    members: tuple[str, ...]  # the DBInstanceIdentifier of each member instance

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::RDS::DBCluster", self.region, self.id)

    @classmethod
    def parse(cls, answer: Mapping[str, Any], region: str) -> "DBCluster":
        name = answer.get("DBClusterIdentifier")
        if not name:
            raise SourceError(f"rds:DescribeDBClusters in {region} answered a cluster without an identifier")
        what = f"rds:DescribeDBClusters in {region}: cluster {name}"
        return cls(name, answer.get("DBClusterArn") or name, region, answer.get("Engine", ""),
                   answer.get("EngineMode", "provisioned"), _flag(answer, "MultiAZ", what),
                   tuple(member["DBInstanceIdentifier"] for member in answer.get("DBClusterMembers", [])))


def _shown(found: Iterable[DBInstance | DBCluster]) -> list[str] | str:
    return [f"{each.id} ({each.engine})" for each in found] or "none"


@source("rds", regional=True, actions=["rds:DescribeDBInstances"], title="RDS DB instances", evidence=_shown)
def rds_instances(rds: Any) -> tuple[DBInstance, ...]:
    """The region's DB instances (RDS, Aurora, and the DocumentDB and Neptune instances the RDS API lists): storage
    encryption, auto minor version upgrade, public accessibility, Multi-AZ and the cluster each belongs to."""
    region = rds.meta.region_name
    pages = rds.get_paginator("describe_db_instances").paginate(PaginationConfig=PAGE)
    return tuple(DBInstance.parse(answer, region) for page in pages for answer in page.get("DBInstances", []))


@source("rds", regional=True, actions=["rds:DescribeDBClusters"], title="RDS DB clusters", evidence=_shown)
def rds_clusters(rds: Any) -> tuple[DBCluster, ...]:
    """The region's DB clusters (Aurora, Multi-AZ DB clusters, and the DocumentDB and Neptune clusters the RDS API
    lists): whether each spans several Availability Zones, and its member instances."""
    region = rds.meta.region_name
    pages = rds.get_paginator("describe_db_clusters").paginate(PaginationConfig=PAGE)
    return tuple(DBCluster.parse(answer, region) for page in pages for answer in page.get("DBClusters", []))


def instances(by_region: Mapping[str, Iterable[DBInstance]]) -> list[DBInstance]:
    """Every DB instance of every region read."""
    return [instance for found in by_region.values() for instance in found]


def multi_az(instances_by_region: Mapping[str, Iterable[DBInstance]],
             clusters_by_region: Mapping[str, Iterable[DBCluster]]) -> tuple[list[Resource], dict[Resource, str]]:
    """What RDS-4 judges, and why each offender fails: every standalone DB instance by its own MultiAZ flag, and
    every DB cluster by the cluster's MultiAZ flag; a cluster's member instances are judged through their cluster.

    For Aurora, the cluster's MultiAZ is true when it has instances in more than one Availability Zone (its storage
    is always spread over three, but a cluster with one instance has no replica to fail over to). For a Multi-AZ DB
    cluster (MySQL or PostgreSQL with two readable standbys) it is true by construction. A member instance whose
    cluster the same region's DescribeDBClusters did not list cannot be judged: that is an error, not a verdict.
    """
    judged: list[Resource] = []
    offenders: dict[Resource, str] = {}
    for region, clusters in clusters_by_region.items():
        for cluster in clusters:
            judged.append(cluster.resource)
            if not cluster.multi_az:
                offenders[cluster.resource] = ("Aurora Serverless v1 cluster: one Availability Zone at a time"
                                               if cluster.engine_mode == "serverless"
                                               else f"{cluster.engine} cluster with instances in one Availability "
                                                    "Zone (MultiAZ false)")
    for region, found in instances_by_region.items():
        listed = {cluster.id for cluster in clusters_by_region.get(region, ())}
        for instance in found:
            if instance.cluster is None:
                judged.append(instance.resource)
                if not instance.multi_az:
                    offenders[instance.resource] = "single-AZ DB instance (MultiAZ false)"
            elif instance.cluster not in listed:
                raise SourceError(f"{region}: DB instance {instance.id} belongs to cluster {instance.cluster}, which "
                                  "rds:DescribeDBClusters did not list: its Multi-AZ cannot be judged")
    return judged, offenders
