"""The RDS, EFS and web front-end sources and judgements, on small hand-made AWS answers: what each loader parses
(and refuses), what it reads per resource, and how RDS-4 and WEB-1 judge each kind of resource."""

from __future__ import annotations

from typing import Any

import pytest

from awsaudit.aws import apigateway, cloudfront, elb, elbv2, rds
from awsaudit.errors import SourceError
from awsaudit.sources import SOURCES


class Stub:
    """A boto3 client of one region that answers from `answers`: {operation: answer or function(**params)}; each
    paginator gives the one page its operation answers. It records every call it was asked for."""

    def __init__(self, region: str, **answers: Any) -> None:
        self.meta = type("Meta", (), {"region_name": region, "partition": "aws"})()
        self.answers = answers
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _answer(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        answer = self.answers[operation]
        return answer(**params) if callable(answer) else answer

    def get_paginator(self, operation: str) -> Any:
        stub = self

        class Paginator:
            def paginate(self, PaginationConfig: Any = None, **params: Any) -> list[Any]:  # noqa: N803
                return [stub._answer(operation, params)]

        return Paginator()

    def __getattr__(self, operation: str) -> Any:
        return lambda **params: self._answer(operation, params)


def load(name: str, client: Stub, **given: Any) -> Any:
    return SOURCES[name].loader(client, **given)


def instance(name: str, cluster: str | None = None, **flags: bool) -> dict[str, Any]:
    answer = {"DBInstanceIdentifier": name, "DBInstanceArn": f"arn:aws:rds:eu-west-1:1:db:{name}", "Engine": "postgres",
              "StorageEncrypted": True, "AutoMinorVersionUpgrade": True, "PubliclyAccessible": False, "MultiAZ": True}
    if cluster:
        answer["DBClusterIdentifier"] = cluster
    return {**answer, **flags}


def cluster(name: str, multi_az: bool, members: list[str], mode: str = "provisioned") -> dict[str, Any]:
    return {"DBClusterIdentifier": name, "DBClusterArn": f"arn:aws:rds:eu-west-1:1:cluster:{name}",
            "Engine": "aurora-mysql", "EngineMode": mode, "MultiAZ": multi_az,
            "DBClusterMembers": [{"DBInstanceIdentifier": member} for member in members]}


# RDS

def test_rds_instances_are_parsed_with_their_region_and_cluster() -> None:
    found = load("rds_instances", Stub("eu-west-1", describe_db_instances={"DBInstances": [
        instance("a", PubliclyAccessible=True), instance("b-1", cluster="b", StorageEncrypted=False)]}))
    assert [(db.id, db.region, db.publicly_accessible, db.storage_encrypted, db.cluster) for db in found] == [
        ("a", "eu-west-1", True, True, None), ("b-1", "eu-west-1", False, False, "b")]
    assert str(found[0].resource) == "eu-west-1: a"


@pytest.mark.parametrize("flag", ["StorageEncrypted", "AutoMinorVersionUpgrade", "PubliclyAccessible", "MultiAZ"])
def test_an_instance_without_a_flag_is_a_malformed_answer_not_a_default(flag: str) -> None:
    answer = instance("a")
    del answer[flag]
    with pytest.raises(SourceError, match=f"eu-west-1: instance a: the answer has no {flag} flag"):
        load("rds_instances", Stub("eu-west-1", describe_db_instances={"DBInstances": [answer]}))


def judge_multi_az(instances: list[dict[str, Any]], clusters: list[dict[str, Any]]) -> tuple[list[str], dict[str, str]]:
    by_region = {"eu-west-1": tuple(rds.DBInstance.parse(each, "eu-west-1") for each in instances)}
    clusters_by_region = {"eu-west-1": tuple(rds.DBCluster.parse(each, "eu-west-1") for each in clusters)}
    judged, offenders = rds.multi_az(by_region, clusters_by_region)
    return [str(each) for each in judged], {str(each): why for each, why in offenders.items()}


def test_multi_az_judges_standalone_instances_alone_and_members_through_their_cluster() -> None:
    judged, offenders = judge_multi_az(
        [instance("solo", MultiAZ=False), instance("ha"), instance("aurora-1", cluster="aurora", MultiAZ=False),
         instance("aurora-2", cluster="aurora", MultiAZ=False), instance("lone-1", cluster="lone", MultiAZ=False)],
        [cluster("aurora", True, ["aurora-1", "aurora-2"]), cluster("lone", False, ["lone-1"])])
    assert sorted(judged) == ["eu-west-1: aurora", "eu-west-1: ha", "eu-west-1: lone", "eu-west-1: solo"]
    assert offenders == {"eu-west-1: lone": "aurora-mysql cluster with instances in one Availability Zone "
                                            "(MultiAZ false)",
                         "eu-west-1: solo": "single-AZ DB instance (MultiAZ false)"}


def test_an_aurora_serverless_v1_cluster_says_why_it_is_not_multi_az() -> None:
    _, offenders = judge_multi_az([], [cluster("sls", False, [], mode="serverless")])
    assert offenders == {"eu-west-1: sls": "Aurora Serverless v1 cluster: one Availability Zone at a time"}


def test_a_member_of_a_cluster_that_was_not_listed_cannot_be_judged() -> None:
    with pytest.raises(SourceError, match="DB instance gone-1 belongs to cluster gone, which rds:DescribeDBClusters "
                                          "did not list"):
        judge_multi_az([instance("gone-1", cluster="gone")], [])


def test_no_database_judges_nothing_and_passes() -> None:
    assert judge_multi_az([], []) == ([], {})


# EFS

def test_efs_file_systems_are_named_by_id_and_name_tag() -> None:
    found = load("efs_file_systems", Stub("us-east-2", describe_file_systems={"FileSystems": [
        {"FileSystemId": "fs-1", "FileSystemArn": "arn:fs-1", "Name": "shared", "Encrypted": True, "KmsKeyId": "k"},
        {"FileSystemId": "fs-2", "Encrypted": False}]}))
    assert [(str(fs.resource), fs.encrypted) for fs in found] == [("us-east-2: fs-1 (shared)", True),
                                                                   ("us-east-2: fs-2", False)]


def test_a_file_system_without_its_encrypted_flag_is_an_error() -> None:
    with pytest.raises(SourceError, match="without an id or an Encrypted flag"):
        load("efs_file_systems", Stub("us-east-2", describe_file_systems={"FileSystems": [{"FileSystemId": "fs-1"}]}))


# Load balancers

def lb(name: str, kind: str) -> dict[str, Any]:
    return {"LoadBalancerName": name, "LoadBalancerArn": f"arn:{name}", "Type": kind, "Scheme": "internet-facing"}


def test_only_application_load_balancers_cost_an_attributes_call() -> None:
    balancers = [lb("web", "application"), lb("tcp", "network"), lb("fw", "gateway")]
    client = Stub("eu-west-1", describe_load_balancers={"LoadBalancers": balancers},
                  describe_load_balancer_attributes=lambda LoadBalancerArn: {"Attributes": [  # noqa: N803
                      {"Key": "access_logs.s3.enabled", "Value": "true"},
                      {"Key": "access_logs.s3.bucket", "Value": "b"}]})
    found = load("load_balancers", client)
    assert [(each.name, each.access_logs, each.log_bucket) for each in found] == [("web", True, "b"), ("tcp", None, ""),
                                                                                   ("fw", None, "")]
    assert [params for operation, params in client.calls if operation == "describe_load_balancer_attributes"] == [
        {"LoadBalancerArn": "arn:web"}]
    assert [elbv2.access_log_gap(each) for each in found] == [None, None, None]


def test_an_application_load_balancer_without_the_access_log_attribute_is_an_error() -> None:
    client = Stub("eu-west-1", describe_load_balancers={"LoadBalancers": [lb("web", "application")]},
                  describe_load_balancer_attributes={"Attributes": [{"Key": "deletion_protection.enabled",
                                                                     "Value": "false"}]})
    with pytest.raises(SourceError, match="load balancer web answered without access_logs.s3.enabled"):
        load("load_balancers", client)


@pytest.mark.parametrize(("enabled", "bucket", "why"), [
    (False, "", "application load balancer without access logs (access_logs.s3.enabled false)"),
    (True, "", "application load balancer with access logs on but no bucket named"),
    (True, "logs", None)])
def test_an_application_load_balancer_logs_when_logs_are_on_to_a_bucket(enabled: bool, bucket: str,
                                                                         why: str | None) -> None:
    assert elbv2.access_log_gap(elbv2.LoadBalancer("web", "arn", "eu-west-1", "application", "", enabled,
                                                    bucket)) == why


def classic(name: str, *protocols: str) -> dict[str, Any]:
    return {"LoadBalancerName": name,
            "ListenerDescriptions": [{"Listener": {"Protocol": protocol, "LoadBalancerPort": 1, "InstancePort": 1}}
                                     for protocol in protocols]}


def test_classic_load_balancers_with_an_http_listener_are_judged_and_tcp_only_ones_are_not_read() -> None:
    logs = {"old-web": {"Enabled": True, "S3BucketName": "logs"}, "old-api": {"Enabled": False}}
    client = Stub("sa-east-1", describe_load_balancers={"LoadBalancerDescriptions": [
        classic("old-web", "HTTP", "HTTPS"), classic("old-api", "HTTPS"), classic("ssh", "TCP")]},
        describe_load_balancer_attributes=lambda LoadBalancerName: {  # noqa: N803
            "LoadBalancerAttributes": {"AccessLog": logs[LoadBalancerName]}})
    found = load("classic_load_balancers", client, identity=type("Identity", (), {"account_id": "123456789012"})())
    assert [(str(each.resource), each.web, each.access_logs, elb.access_log_gap(each)) for each in found] == [
        ("sa-east-1: old-web", True, True, None),
        ("sa-east-1: old-api", True, False, "Classic Load Balancer without access logs (AccessLog.Enabled false)"),
        ("sa-east-1: ssh", False, None, None)]
    assert found[0].arn == "arn:aws:elasticloadbalancing:sa-east-1:123456789012:loadbalancer/old-web"
    assert [params for operation, params in client.calls if operation == "describe_load_balancer_attributes"] == [
        {"LoadBalancerName": "old-web"}, {"LoadBalancerName": "old-api"}]


def test_a_classic_load_balancer_without_its_access_log_attribute_is_an_error() -> None:
    client = Stub("sa-east-1", describe_load_balancers={"LoadBalancerDescriptions": [classic("old-web", "HTTP")]},
                  describe_load_balancer_attributes={"LoadBalancerAttributes": {}})
    with pytest.raises(SourceError, match="Classic Load Balancer old-web answered without AccessLog.Enabled"):
        load("classic_load_balancers", client, identity=type("Identity", (), {"account_id": "1"})())


# API Gateway

def test_rest_api_stages_are_read_per_api_and_judged_by_their_access_log_destination() -> None:
    stages = {"a1": {"item": [{"stageName": "prod", "accessLogSettings": {"destinationArn": "arn:logs:g",
                                                                           "format": "$context.requestId"}},
                              {"stageName": "dev"}]},
              "a2": {"item": []}}
    client = Stub("ap-south-1", get_rest_apis={"items": [{"id": "a1", "name": "shop"}, {"id": "a2", "name": "idle"}]},
                  get_stages=lambda restApiId: stages[restApiId])  # noqa: N803
    found = load("rest_api_stages", client)
    assert [(str(stage.resource), apigateway.access_log_gap(stage)) for stage in found] == [
        ("ap-south-1: REST API shop (a1) stage prod", None),
        ("ap-south-1: REST API shop (a1) stage dev", "stage without access logging (no access log destination)")]
    assert found[0].resource.id == "arn:aws:apigateway:ap-south-1::/restapis/a1/stages/prod"
    assert [operation for operation, _ in client.calls].count("get_stages") == 2


def test_http_and_websocket_api_stages_are_named_by_their_protocol() -> None:
    stages = {"h": {"Items": [{"StageName": "$default", "AccessLogSettings": {"DestinationArn": "arn:logs:h"}}]},
              "w": {"Items": [{"StageName": "prod", "AccessLogSettings": {}}]}}
    client = Stub("ap-south-1", get_apis={"Items": [{"ApiId": "h", "Name": "site", "ProtocolType": "HTTP"},
                                                     {"ApiId": "w", "Name": "chat", "ProtocolType": "WEBSOCKET"}]},
                  get_stages=lambda ApiId: stages[ApiId])  # noqa: N803
    found = load("http_api_stages", client)
    assert [(str(stage.resource), apigateway.access_log_gap(stage)) for stage in found] == [
        ("ap-south-1: HTTP API site (h) stage $default", None),
        ("ap-south-1: WebSocket API chat (w) stage prod", "stage without access logging (no access log destination)")]


# CloudFront

def test_distributions_read_their_legacy_logging_from_their_configuration() -> None:
    configs = {"E1": {"DistributionConfig": {"Logging": {"Enabled": True, "Bucket": "logs.s3.amazonaws.com"}}},
               "E2": {"DistributionConfig": {"Logging": {"Enabled": False, "Bucket": ""}}}}
    client = Stub("eu-west-1", list_distributions={"DistributionList": {"Items": [
        {"Id": f"E{n}", "ARN": f"arn:aws:cloudfront::1:distribution/E{n}", "DomainName": f"d{n}.cloudfront.net",
         "Enabled": True} for n in (1, 2)]}},
        get_distribution_config=lambda Id: configs[Id])  # noqa: N803
    found = load("cloudfront_distributions", client)
    assert [(str(d.resource), d.logging, d.log_bucket) for d in found] == [
        ("E1 (d1.cloudfront.net)", True, "logs.s3.amazonaws.com"), ("E2 (d2.cloudfront.net)", False, "")]


def test_no_distribution_is_an_empty_list_not_an_error() -> None:
    assert load("cloudfront_distributions", Stub("eu-west-1", list_distributions={"DistributionList": {}})) == ()


def test_log_deliveries_are_read_in_us_east_1_only_and_count_access_log_sources_with_a_delivery() -> None:
    elsewhere = Stub("eu-west-1")
    assert load("cloudfront_log_deliveries", elsewhere) is None and elsewhere.calls == []
    client = Stub("us-east-1", describe_delivery_sources={"deliverySources": [
        {"name": "delivered", "logType": "ACCESS_LOGS", "resourceArns": ["arn:aws:cloudfront::1:distribution/E1"]},
        {"name": "no-delivery", "logType": "ACCESS_LOGS", "resourceArns": ["arn:aws:cloudfront::1:distribution/E2"]},
        {"name": "other-type", "logType": "CONNECTION_LOGS",
         "resourceArns": ["arn:aws:cloudfront::1:distribution/E3"]}]},
        describe_deliveries={"deliveries": [{"deliverySourceName": "delivered"}, {"deliverySourceName": "other-type"}]})
    assert load("cloudfront_log_deliveries", client) == frozenset({"arn:aws:cloudfront::1:distribution/E1"})


def distribution(logging: bool, bucket: str = "") -> cloudfront.Distribution:
    return cloudfront.Distribution("E1", "arn:aws:cloudfront::1:distribution/E1", "d.cloudfront.net", True, logging,
                                   bucket)


def test_a_distribution_logs_through_legacy_logging_or_a_v2_delivery() -> None:
    delivered = {"us-east-1": frozenset({"arn:aws:cloudfront::1:distribution/E1"}), "eu-west-1": None}
    nothing = {"us-east-1": frozenset(), "eu-west-1": None}
    assert cloudfront.access_log_gap(distribution(True, "logs.s3.amazonaws.com"), nothing) is None
    assert cloudfront.access_log_gap(distribution(False), delivered) is None
    assert cloudfront.access_log_gap(distribution(False), nothing) == (
        "no standard logging (neither legacy Logging.Enabled nor a v2 log delivery)")


def test_a_distribution_without_legacy_logging_cannot_be_judged_when_us_east_1_is_not_read() -> None:
    assert cloudfront.access_log_gap(distribution(True, "logs.s3.amazonaws.com"), {"eu-west-1": None}) is None
    with pytest.raises(SourceError, match="standard logging v2 cannot be read: us-east-1 is not among the regions"):
        cloudfront.access_log_gap(distribution(False), {"eu-west-1": None})


def test_every_new_source_is_regional_but_cloudfronts_distributions() -> None:
    assert {name: SOURCES[name].regional for name in ("rds_instances", "rds_clusters", "efs_file_systems",
                                                      "load_balancers", "classic_load_balancers",
                                                      "rest_api_stages", "http_api_stages",
                                                      "cloudfront_log_deliveries", "cloudfront_distributions")} == {
        "rds_instances": True, "rds_clusters": True, "efs_file_systems": True, "load_balancers": True,
        "classic_load_balancers": True,
        "rest_api_stages": True, "http_api_stages": True, "cloudfront_log_deliveries": True,
        "cloudfront_distributions": False}
