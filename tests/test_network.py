"""The networking rule semantics (awsaudit/network.py) on small hand-made EC2 answers: security group rules that open a
port to the whole internet, network ACL entries read in rule-number order, flow logs, peering routes, instances."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsaudit.errors import SourceError
from awsaudit.network import (AclEntry, FlowLog, Instance, NetworkAcl, Permission, RouteTable, SecurityGroup, Vpc,
                              every, flow_log_problem, open_ports, whole_space)

REGION = "eu-west-1"


def group(*ingress: dict[str, Any], egress: list[dict[str, Any]] | None = None, name: str = "web") -> SecurityGroup:
    return SecurityGroup.parse({"GroupId": "sg-1", "GroupName": name, "VpcId": "vpc-1", "OwnerId": "111111111111",
                                "IpPermissions": list(ingress), "IpPermissionsEgress": egress or []}, REGION)


def tcp(first: int, last: int, *cidrs: str, protocol: str = "tcp") -> dict[str, Any]:
    return {"IpProtocol": protocol, "FromPort": first, "ToPort": last,
            "IpRanges": [{"CidrIp": c} for c in cidrs if ":" not in c],
            "Ipv6Ranges": [{"CidrIpv6": c} for c in cidrs if ":" in c]}


ALL_TRAFFIC = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}


# -- security groups ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("rule, port, family, opened", [
    (tcp(22, 22, "0.0.0.0/0"), 22, 4, True),
    (tcp(22, 22, "0.0.0.0/0"), 22, 6, False),  # IPv4 only
    (tcp(22, 22, "::/0"), 22, 6, True),
    (tcp(0, 65535, "0.0.0.0/0"), 3389, 4, True),  # a range holding the port
    (tcp(440, 450, "0.0.0.0/0"), 445, 4, True),
    (tcp(23, 3388, "0.0.0.0/0"), 22, 4, False),  # a range beside it
    (tcp(23, 3388, "0.0.0.0/0"), 3389, 4, False),
    (tcp(22, 22, "10.0.0.0/8"), 22, 4, False),  # not the whole internet
    (tcp(22, 22, "0.0.0.0/1", "128.0.0.0/1"), 22, 4, False),  # CIS names 0.0.0.0/0 itself
    (tcp(22, 22, "0.0.0.0/0", protocol="udp"), 22, 4, False),  # UDP 22 is not SSH
    (tcp(22, 22, "0.0.0.0/0", protocol="6"), 22, 4, True),  # a protocol number, as EC2 may answer
    (ALL_TRAFFIC, 22, 4, True),  # protocol -1: every port, whatever FromPort says
    ({**ALL_TRAFFIC, "FromPort": -1, "ToPort": -1}, 445, 4, True),
    ({"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}, 3389, 6, True),
    ({"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, 22, 4, False),
    ({"IpProtocol": "tcp", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}, 22, 4, True),  # no ports given: all of them
])
def test_a_security_group_rule_opens_a_port_to_the_internet_as_ec2_reads_it(rule: dict[str, Any], port: int,
                                                                            family: int, opened: bool) -> None:
    assert group(rule).open_to_internet(port, family) == ([Permission.parse(rule)] if opened else [])


def test_a_group_names_each_port_and_family_it_opens() -> None:
    found = group(tcp(22, 22, "0.0.0.0/0"), tcp(3389, 3389, "::/0"), tcp(80, 80, "0.0.0.0/0"))
    assert open_ports(found, [22, 3389], [4, 6]) == "TCP 22 open to 0.0.0.0/0, TCP 3389 open to ::/0"
    assert open_ports(found, [22, 3389], [6]) == "TCP 3389 open to ::/0"
    assert open_ports(found, [445], [4, 6]) is None


def test_a_rule_from_another_group_opens_nothing_to_the_internet() -> None:
    rule = {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}
    assert group(rule).open_to_internet(22, 4) == []
    assert str(Permission.parse(rule)) == "all traffic with sg-1"


def test_the_default_group_and_its_rules() -> None:
    default = group({"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1"}]}, egress=[ALL_TRAFFIC],
                    name="default")
    assert default.is_default and not group().is_default
    assert [str(rule) for rule in default.egress] == ["all traffic with 0.0.0.0/0"]
    assert str(default.resource) == "eu-west-1: sg-1 (default)"
    assert default.resource.id == "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-1"


def test_a_rule_without_a_protocol_is_the_source_s_error() -> None:
    with pytest.raises(SourceError, match="IpProtocol"):
        group({"IpRanges": [{"CidrIp": "0.0.0.0/0"}]})


@pytest.mark.parametrize("cidr, family", [("0.0.0.0/0", 4), ("::/0", 6), ("0::0/0", 6), ("10.0.0.0/0", 4),
                                          ("10.0.0.0/8", None), ("::/1", None), ("", None), ("nonsense", None)])
def test_the_whole_address_space_in_any_spelling(cidr: str, family: int | None) -> None:
    assert whole_space(cidr) == family


# -- network ACLs ------------------------------------------------------------------------------------------------------

def entry(number: int, action: str, cidr: str = "0.0.0.0/0", protocol: str = "-1", ports: tuple[int, int] | None = None,
          egress: bool = False) -> dict[str, Any]:
    item: dict[str, Any] = {"RuleNumber": number, "RuleAction": action, "Protocol": protocol, "Egress": egress,
                            ("Ipv6CidrBlock" if ":" in cidr else "CidrBlock"): cidr}
    if ports:
        item["PortRange"] = {"From": ports[0], "To": ports[1]}
    return item


def acl(*entries: dict[str, Any]) -> NetworkAcl:
    return NetworkAcl.parse({"NetworkAclId": "acl-1", "VpcId": "vpc-1", "OwnerId": "111111111111", "IsDefault": True,
                             "Entries": list(entries)}, REGION)


STAR = entry(32767, "deny")
STAR6 = entry(32768, "deny", "::/0")


def test_moto_and_aws_s_default_acl_admits_everything_over_ipv4() -> None:
    default = acl(entry(100, "allow"), STAR, entry(100, "allow", egress=True), entry(32767, "deny", egress=True))
    assert str(default.admits(22, 4)) == "rule 100 allows all traffic from 0.0.0.0/0"
    assert default.admits(22, 6) is None  # no IPv6 entry: the implicit deny


def test_a_lower_numbered_deny_protects_the_port_and_only_that_port() -> None:
    found = acl(entry(100, "allow"), entry(10, "deny", protocol="6", ports=(22, 22)), STAR)  # listed out of order
    assert found.admits(22, 4) is None
    assert str(found.deciding(22, 4)) == "rule 10 denies tcp 22-22 from 0.0.0.0/0"
    assert found.admits(3389, 4) is not None


def test_an_allow_ahead_of_the_deny_decides() -> None:
    assert acl(entry(100, "allow"), entry(200, "deny", protocol="6", ports=(22, 22)), STAR).admits(22, 4).number == 100


def test_a_deny_of_part_of_the_internet_protects_nothing_else_and_an_allow_of_part_opens_nothing() -> None:
    assert acl(entry(10, "deny", "10.0.0.0/8", "6", (22, 22)), entry(100, "allow"), STAR).admits(22, 4).number == 100
    assert acl(entry(10, "allow", "10.0.0.0/8", "6", (22, 22)), STAR).admits(22, 4) is None


def test_only_tcp_and_all_traffic_entries_count_for_ssh_and_rdp() -> None:
    assert acl(entry(10, "allow", protocol="17", ports=(0, 65535)), STAR).admits(22, 4) is None  # UDP
    assert acl(entry(10, "deny", protocol="17", ports=(22, 22)), entry(20, "allow"), STAR).admits(22, 4).number == 20
    assert acl(entry(10, "allow", protocol="6", ports=(3000, 4000)), STAR).admits(3389, 4).number == 10
    assert acl(entry(10, "allow", protocol="6", ports=(3000, 4000)), STAR).admits(22, 4) is None


def test_each_address_family_is_judged_on_its_own_entries() -> None:
    found = acl(entry(10, "deny", protocol="6", ports=(22, 22)), entry(100, "allow"), entry(101, "allow", "::/0"),
                STAR, STAR6)
    assert found.admits(22, 4) is None
    assert found.admits(22, 6).number == 101


def test_outbound_entries_do_not_count() -> None:
    assert acl(entry(10, "allow", egress=True), STAR).admits(22, 4) is None


def test_an_entry_ec2_would_not_give_is_the_source_s_error() -> None:
    with pytest.raises(SourceError, match="address range"):
        acl({"RuleNumber": 1, "RuleAction": "allow", "Protocol": "-1", "Egress": False})
    with pytest.raises(SourceError, match="action"):
        acl(entry(1, "maybe"))


# The property: an ACL admits TCP port P from the internet exactly when, walking its inbound entries of that family in
# rule-number order, the first that matches a packet from an address outside every narrower range (8.8.8.8 here: the
# narrower ranges drawn are private) allows it. Written as a packet filter, independently of network.py's reading.
PORTS = st.sampled_from([0, 21, 22, 23, 445, 3389, 8080, 65535])
entries = st.lists(st.builds(
    lambda number, allow, cidr, protocol, first, span: entry(number, "allow" if allow else "deny", cidr, protocol,
                                                             None if protocol == "-1" else (first, first + span)),
    st.integers(1, 32766), st.booleans(), st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16", "::/0",
                                                           "fd00::/8"]),
    st.sampled_from(["-1", "6", "17", "1"]), PORTS, st.sampled_from([0, 1, 100, 4000])),
    max_size=8, unique_by=lambda e: (e["RuleNumber"], "Ipv6CidrBlock" in e))


def packet_admitted(raw: list[dict[str, Any]], port: int, family: int) -> bool:
    source = ipaddress.ip_address("8.8.8.8" if family == 4 else "2001:4860::8888")
    for item in sorted(raw, key=lambda e: e["RuleNumber"]):
        cidr = item.get("CidrBlock") or item.get("Ipv6CidrBlock")
        network = ipaddress.ip_network(cidr)
        if network.version != family or source not in network:
            continue
        if item["Protocol"] not in ("-1", "6"):
            continue
        if item["Protocol"] == "6" and not item["PortRange"]["From"] <= port <= item["PortRange"]["To"]:
            continue
        return item["RuleAction"] == "allow"
    return False


@settings(max_examples=300, deadline=None)
@given(entries, PORTS, st.sampled_from([4, 6]))
def test_an_acl_admits_the_port_iff_the_first_matching_entry_allows(raw: list[dict[str, Any]], port: int,
                                                                    family: int) -> None:
    assert (acl(*raw, STAR, STAR6).admits(port, family) is not None) == packet_admitted(raw, port, family)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(tcp, PORTS, st.sampled_from([0, 1, 500, 70000]),
                          st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "::/0"])), max_size=5), PORTS)
def test_a_group_is_open_iff_one_rule_holds_the_port_from_everywhere(rules: list[dict[str, Any]], port: int) -> None:
    expected = any(r["FromPort"] <= port <= r["ToPort"] and r["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
                   for r in rules)
    assert bool(group(*rules).open_to_internet(port, 4)) == expected


# -- instances, VPCs, flow logs, routes --------------------------------------------------------------------------------

def instance(state: str = "running", tokens: str = "optional", endpoint: str = "enabled",
             profile: bool = False) -> Instance:
    item: dict[str, Any] = {"InstanceId": "i-1", "State": {"Name": state},
                            "MetadataOptions": {"HttpTokens": tokens, "HttpEndpoint": endpoint},
                            "Tags": [{"Key": "Name", "Value": "web"}]}
    if profile:
        item["IamInstanceProfile"] = {"Arn": "arn:aws:iam::111111111111:instance-profile/web"}
    return Instance.parse(item, "111111111111", REGION)


@pytest.mark.parametrize("tokens, endpoint, only_v2", [("required", "enabled", True), ("optional", "disabled", True),
                                                       ("optional", "enabled", False), ("", "enabled", False)])
def test_imdsv2_only_means_tokens_required_or_no_endpoint(tokens: str, endpoint: str, only_v2: bool) -> None:
    assert instance(tokens=tokens, endpoint=endpoint).imdsv2_only is only_v2


def test_an_instance_and_its_profile() -> None:
    assert instance(profile=True).profile_arn and instance().profile_arn is None
    assert str(instance().resource) == "eu-west-1: i-1 (web)"
    with pytest.raises(SourceError, match="MetadataOptions"):
        Instance.parse({"InstanceId": "i-2", "State": {"Name": "running"}}, "111111111111", REGION)
    assert Instance.parse({"InstanceId": "i-3", "State": {"Name": "terminated"}}, "1", REGION).state == "terminated"


VPC = Vpc.parse({"VpcId": "vpc-1", "IsDefault": True}, REGION)


def flow(**fields: Any) -> FlowLog:
    return FlowLog.parse({"FlowLogId": "fl-1", "ResourceId": "vpc-1", "FlowLogStatus": "ACTIVE",
                          "DeliverLogsStatus": "SUCCESS", "TrafficType": "REJECT",
                          "LogDestinationType": "cloud-watch-logs", "LogGroupName": "flows", **fields})


@pytest.mark.parametrize("log, problem", [
    (flow(), None),
    (flow(TrafficType="ALL"), None),
    (flow(LogDestinationType="s3", LogGroupName=None, LogDestination="arn:aws:s3:::logs"), None),  # no log group
    (flow(DeliverLogsStatus=None), None),
    (flow(TrafficType="ACCEPT"), "fl-1 captures ACCEPT traffic only"),
    (flow(DeliverLogsStatus="FAILED"), "fl-1 fails to deliver"),
    (flow(FlowLogStatus="INACTIVE"), "fl-1 is INACTIVE"),
    (flow(LogDestinationType="kinesis-data-firehose"), "fl-1 delivers to kinesis-data-firehose"),
    (flow(ResourceId="subnet-1"), "no flow log"),  # a subnet's log does not cover the VPC
])
def test_a_vpc_s_flow_log_counts_when_active_delivering_and_capturing_rejects(log: FlowLog,
                                                                             problem: str | None) -> None:
    assert flow_log_problem(VPC, [log]) == problem


def test_one_good_flow_log_is_enough_and_every_bad_one_is_named() -> None:
    assert flow_log_problem(VPC, [flow(TrafficType="ACCEPT"), flow(FlowLogId="fl-2")]) is None
    assert flow_log_problem(VPC, [flow(TrafficType="ACCEPT"), flow(FlowLogId="fl-2", DeliverLogsStatus="FAILED")]) \
        == "fl-1 captures ACCEPT traffic only; fl-2 fails to deliver"
    assert flow_log_problem(VPC, []) == "no flow log"


def test_peering_routes_and_those_to_everywhere() -> None:
    table = RouteTable.parse({"RouteTableId": "rtb-1", "VpcId": "vpc-1", "Routes": [
        {"DestinationCidrBlock": "172.31.0.0/16", "GatewayId": "local"},
        {"DestinationCidrBlock": "10.1.0.0/16", "VpcPeeringConnectionId": "pcx-1"},
        {"DestinationIpv6CidrBlock": "::/0", "VpcPeeringConnectionId": "pcx-1"},
        {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"}]}, REGION)
    assert [(r.destination, r.to_everywhere) for r in table.peering_routes] == [("10.1.0.0/16", False), ("::/0", True)]


def test_every_flattens_regions_in_order() -> None:
    assert every({"eu-west-1": [1, 2], "us-east-1": [], "us-west-2": [3]}) == [1, 2, 3]


def test_acl_entries_print_as_aws_numbers_them() -> None:
    assert str(AclEntry.parse(entry(32767, "deny"))) == "rule * denies all traffic from 0.0.0.0/0"
