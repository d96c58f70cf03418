"""Amazon VPC and EC2 networking as the networking controls judge it: security groups, network ACLs, instances, VPCs,
flow logs, route tables and peering connections, parsed from the Describe* answers into frozen models.

The rule semantics live here, so a control asks one question: does this security group, or this network ACL, admit
TCP port P from the whole internet (0.0.0.0/0 or ::/0)?

- A security group rule admits a port when its protocol is all (-1) or the port's, and its port range holds the port
  (all ports where it gives none), from a source range that is the whole address space of the family (a /0).
- A network ACL is ordered and stateless: its inbound entries of one address family are read in rule-number order and
  the first entry that matches the traffic decides; the final `*` entry (32767) denies. Traffic "from the whole
  internet" is traffic from an address no narrower entry names, so only entries whose range is the whole address
  space (a /0) decide it: a deny of 10.0.0.0/8 protects nothing else, an allow of 10.0.0.0/8 opens nothing to the
  internet.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, TypeVar

from awsaudit.errors import SourceError
from awsaudit.findings import Resource

T = TypeVar("T")

# IP protocol numbers as EC2 writes them in network ACL entries; security groups use names for these.
PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1", "-1": "-1"}
NAMES = {number: name for name, number in PROTOCOLS.items() if name not in ("-1",)}
TCP, ALL = "6", "-1"
# The whole address space of each family, as CIS and AWS write it.
EVERYWHERE = {4: "0.0.0.0/0", 6: "::/0"}
# The ports of remote server administration: SSH and RDP.
ADMIN_PORTS = (22, 3389)


def every(by_region: Mapping[str, Iterable[T]]) -> list[T]:
    """A regional source's resources of every region, region by region: `every(security_groups)`."""
    return [item for items in by_region.values() for item in items]


def protocol_number(protocol: str | int) -> str:
    """"tcp", "6", 6 -> "6"; "-1" -> "-1"; an unknown name stays as it is (it matches nothing but itself)."""
    text = str(protocol).strip().lower()
    return PROTOCOLS.get(text, text)


def protocol_name(number: str) -> str:
    """"6" -> "tcp", "-1" -> "all", "47" -> "protocol 47"."""
    return NAMES.get(number, f"protocol {number}")


def whole_space(cidr: str | None) -> int | None:
    """4 or 6 when `cidr` is the whole address space of that family (0.0.0.0/0, ::/0, in any spelling); else None."""
    if not cidr:
        return None
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        return None
    return network.version if network.prefixlen == 0 else None


def family_of(cidr: str) -> int:
    """4 or 6; a range EC2 would not answer with is the source's error."""
    try:
        return ipaddress.ip_network(cidr, strict=False).version
    except ValueError:
        raise SourceError(f"EC2 answered with an address range that is none: {cidr!r}") from None


def _ports(first: Any, last: Any) -> tuple[int | None, int | None]:
    """A port range; (None, None) for every port (not given, or -1 as EC2 writes "all" for protocol -1)."""
    if first is None or last is None or int(first) < 0 or int(last) < 0:
        return None, None
    return int(first), int(last)


def _field(item: Mapping[str, Any], key: str, what: str) -> Any:
    if key not in item:
        raise SourceError(f"EC2 answered with {what} without {key}: {dict(item)!r:.200}")
    return item[key]


def _name_tag(item: Mapping[str, Any]) -> str:
    return next((tag.get("Value", "") for tag in item.get("Tags") or [] if tag.get("Key") == "Name"), "")


def _arn(client: Any, region: str, owner: str, kind: str, ident: str) -> str:
    partition = getattr(client.meta, "partition", "aws") if client is not None else "aws"
    return f"arn:{partition}:ec2:{region}:{owner}:{kind}/{ident}"


# --- security groups -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Permission:
    """One rule of a security group (an IpPermission): a protocol and port range, and the sources (or, outbound,
    destinations) it admits."""

    protocol: str  # the IP protocol number as text, "-1" for all
    from_port: int | None = None  # None: every port
    to_port: int | None = None
    ipv4: tuple[str, ...] = ()
    ipv6: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()  # security groups it admits, by id
    prefix_lists: tuple[str, ...] = ()

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> "Permission":
        protocol = protocol_number(_field(item, "IpProtocol", "a security group rule"))
        first, last = _ports(item.get("FromPort"), item.get("ToPort")) if protocol != ALL else (None, None)
        return cls(protocol, first, last,
                   tuple(r["CidrIp"] for r in item.get("IpRanges") or [] if "CidrIp" in r),
                   tuple(r["CidrIpv6"] for r in item.get("Ipv6Ranges") or [] if "CidrIpv6" in r),
                   tuple(p["GroupId"] for p in item.get("UserIdGroupPairs") or [] if "GroupId" in p),
                   tuple(p["PrefixListId"] for p in item.get("PrefixListIds") or [] if "PrefixListId" in p))

    def covers(self, protocol: str, port: int) -> bool:
        """Whether the rule's protocol and port range take traffic of `protocol` ("6") to `port`."""
        if self.protocol != ALL and self.protocol != protocol_number(protocol):
            return False
        return self.protocol == ALL or self.from_port is None or self.from_port <= port <= (self.to_port or 0)

    def from_everywhere(self, family: int) -> bool:
        return any(whole_space(cidr) == family for cidr in (self.ipv4 if family == 4 else self.ipv6))

    def admits(self, port: int, family: int, protocol: str = TCP) -> bool:
        """Whether the rule admits `protocol` traffic to `port` from the whole internet of `family` (4 or 6)."""
        return self.covers(protocol, port) and self.from_everywhere(family)

    @property
    def ports(self) -> str:
        if self.protocol == ALL:
            return "all traffic"
        if self.from_port is None:
            return f"{protocol_name(self.protocol)} all ports"
        span = str(self.from_port) if self.from_port == self.to_port else f"{self.from_port}-{self.to_port}"
        return f"{protocol_name(self.protocol)} {span}"

    def __str__(self) -> str:
        peers = [*self.ipv4, *self.ipv6, *self.groups, *self.prefix_lists]
        return f"{self.ports} with {', '.join(peers) or 'no peer'}"


@dataclass(frozen=True)
class SecurityGroup:
    id: str
    name: str
    vpc_id: str
    owner_id: str
    region: str
    arn: str
    ingress: tuple[Permission, ...]
    egress: tuple[Permission, ...]

    @classmethod
    def parse(cls, item: Mapping[str, Any], region: str, client: Any = None) -> "SecurityGroup":
        ident = _field(item, "GroupId", "a security group")
        owner = item.get("OwnerId", "")
        return cls(ident, item.get("GroupName", ""), item.get("VpcId", ""), owner, region,
                   item.get("SecurityGroupArn") or _arn(client, region, owner, "security-group", ident),
                   tuple(Permission.parse(p) for p in item.get("IpPermissions") or []),
                   tuple(Permission.parse(p) for p in item.get("IpPermissionsEgress") or []))

    @property
    def is_default(self) -> bool:
        """The group EC2 makes with each VPC (it cannot be deleted; its name is always "default")."""
        return self.name == "default"

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::EC2::SecurityGroup", self.region,
                        f"{self.id} ({self.name})" if self.name else self.id)

    def open_to_internet(self, port: int, family: int, protocol: str = TCP) -> list[Permission]:
        """The inbound rules that admit `protocol` to `port` from the whole internet of `family`."""
        return [rule for rule in self.ingress if rule.admits(port, family, protocol)]


def open_ports(group: SecurityGroup, ports: Iterable[int], families: Iterable[int]) -> str | None:
    """Why `group` fails: "TCP 22 open to 0.0.0.0/0, TCP 445 open to ::/0", or None when it admits none of them."""
    found = [f"TCP {port} open to {EVERYWHERE[family]}" for port in ports for family in families
             if group.open_to_internet(port, family)]
    return ", ".join(found) or None


# --- network ACLs ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AclEntry:
    number: int
    egress: bool
    allow: bool
    protocol: str  # the IP protocol number as text, "-1" for all
    cidr: str
    family: int
    from_port: int | None = None  # None: every port
    to_port: int | None = None

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> "AclEntry":
        cidr = item.get("CidrBlock") or item.get("Ipv6CidrBlock")
        if not cidr:
            raise SourceError(f"EC2 answered with a network ACL entry without an address range: {dict(item)!r:.200}")
        action = str(_field(item, "RuleAction", "a network ACL entry")).lower()
        if action not in ("allow", "deny"):
            raise SourceError(f"EC2 answered with a network ACL entry whose action is {action!r}")
        protocol = protocol_number(_field(item, "Protocol", "a network ACL entry"))
        ports = item.get("PortRange") or {}
        first, last = _ports(ports.get("From"), ports.get("To")) if protocol != ALL else (None, None)
        return cls(int(_field(item, "RuleNumber", "a network ACL entry")), bool(item.get("Egress")),
                   action == "allow", protocol, cidr, family_of(cidr), first, last)

    def matches(self, protocol: str, port: int) -> bool:
        """Whether the entry takes `protocol` traffic to `port` (its address range aside)."""
        if self.protocol != ALL and self.protocol != protocol_number(protocol):
            return False
        return self.protocol == ALL or self.from_port is None or self.from_port <= port <= (self.to_port or 0)

    def __str__(self) -> str:
        number = "*" if self.number == 32767 else str(self.number)
        if self.protocol == ALL:
            what = "all traffic"
        elif self.from_port is None:
            what = f"{protocol_name(self.protocol)} all ports"
        else:
            what = f"{protocol_name(self.protocol)} {self.from_port}-{self.to_port}"
        return f"rule {number} {'allows' if self.allow else 'denies'} {what} from {self.cidr}"


@dataclass(frozen=True)
class NetworkAcl:
    id: str
    vpc_id: str
    owner_id: str
    region: str
    arn: str
    is_default: bool
    subnets: tuple[str, ...]
    entries: tuple[AclEntry, ...]

    @classmethod
    def parse(cls, item: Mapping[str, Any], region: str, client: Any = None) -> "NetworkAcl":
        ident = _field(item, "NetworkAclId", "a network ACL")
        owner = item.get("OwnerId", "")
        return cls(ident, item.get("VpcId", ""), owner, region, _arn(client, region, owner, "network-acl", ident),
                   bool(item.get("IsDefault")),
                   tuple(a["SubnetId"] for a in item.get("Associations") or [] if "SubnetId" in a),
                   tuple(AclEntry.parse(entry) for entry in item.get("Entries") or []))

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::EC2::NetworkAcl", self.region,
                        f"{self.id} (default)" if self.is_default else self.id)

    def deciding(self, port: int, family: int, protocol: str = TCP) -> AclEntry | None:
        """The inbound entry that decides `protocol` traffic to `port` from the whole internet of `family`: the
        lowest-numbered one that matches the protocol and port and whose range is the whole address space. None: no
        entry does, and the traffic is denied (as by the `*` entry)."""
        ordered = sorted((e for e in self.entries if not e.egress and e.family == family), key=lambda e: e.number)
        return next((e for e in ordered if e.matches(protocol, port) and whole_space(e.cidr) == family), None)

    def admits(self, port: int, family: int, protocol: str = TCP) -> AclEntry | None:
        """The entry that lets `protocol` traffic to `port` in from the whole internet of `family`, or None."""
        entry = self.deciding(port, family, protocol)
        return entry if entry is not None and entry.allow else None


# --- instances -------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Instance:
    id: str
    region: str
    owner_id: str
    arn: str
    state: str  # pending, running, shutting-down, terminated, stopping, stopped
    http_tokens: str  # "required" (IMDSv2 only) or "optional"
    http_endpoint: str  # "enabled" or "disabled"
    profile_arn: str | None
    security_groups: tuple[str, ...]
    vpc_id: str
    name: str = ""

    @classmethod
    def parse(cls, item: Mapping[str, Any], owner: str, region: str, client: Any = None) -> "Instance":
        ident = _field(item, "InstanceId", "an instance")
        state = _field(_field(item, "State", f"instance {ident}"), "Name", f"the state of instance {ident}")
        options = item.get("MetadataOptions")
        if options is None and state != "terminated":
            raise SourceError(f"EC2 answered with instance {ident} ({state}) without MetadataOptions")
        options = options or {}
        return cls(ident, region, owner, _arn(client, region, owner, "instance", ident), state,
                   options.get("HttpTokens", ""), options.get("HttpEndpoint", ""),
                   (item.get("IamInstanceProfile") or {}).get("Arn"),
                   tuple(g["GroupId"] for g in item.get("SecurityGroups") or [] if "GroupId" in g),
                   item.get("VpcId", ""), _name_tag(item))

    @property
    def imdsv2_only(self) -> bool:
        """The metadata service answers only session (IMDSv2) requests, or does not answer at all."""
        return self.http_tokens == "required" or self.http_endpoint == "disabled"

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::EC2::Instance", self.region,
                        f"{self.id} ({self.name})" if self.name else self.id)


# --- VPCs and flow logs ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Vpc:
    id: str
    region: str
    owner_id: str
    arn: str
    cidr: str
    is_default: bool
    name: str = ""

    @classmethod
    def parse(cls, item: Mapping[str, Any], region: str, client: Any = None) -> "Vpc":
        ident = _field(item, "VpcId", "a VPC")
        owner = item.get("OwnerId", "")
        return cls(ident, region, owner, _arn(client, region, owner, "vpc", ident), item.get("CidrBlock", ""),
                   bool(item.get("IsDefault")), _name_tag(item))

    @property
    def resource(self) -> Resource:
        label = self.name or ("default" if self.is_default else "")
        return Resource(self.arn, "AWS::EC2::VPC", self.region, f"{self.id} ({label})" if label else self.id)


# Where a flow log may deliver for CIS: CloudWatch Logs or S3.
FLOW_LOG_DESTINATIONS = ("cloud-watch-logs", "s3")


@dataclass(frozen=True)
class FlowLog:
    id: str
    resource_id: str  # the VPC, subnet or network interface it captures
    status: str  # FlowLogStatus: ACTIVE
    delivery: str  # DeliverLogsStatus: SUCCESS, FAILED ("" when not given)
    traffic: str  # ACCEPT, REJECT or ALL
    destination_type: str  # cloud-watch-logs, s3, kinesis-data-firehose
    destination: str  # the log group's name, or the bucket's (or stream's) ARN

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> "FlowLog":
        ident = _field(item, "FlowLogId", "a flow log")
        kind = item.get("LogDestinationType") or ("cloud-watch-logs" if item.get("LogGroupName") else "")
        return cls(ident, _field(item, "ResourceId", f"flow log {ident}"), item.get("FlowLogStatus", ""),
                   item.get("DeliverLogsStatus", ""), item.get("TrafficType", ""), kind,
                   item.get("LogGroupName") or item.get("LogDestination", ""))

    @property
    def problem(self) -> str | None:
        """Why the flow log does not satisfy CIS (active, delivering, capturing rejected traffic, to CloudWatch Logs
        or S3), or None."""
        if self.status != "ACTIVE":
            return f"{self.id} is {self.status or 'of unknown status'}"
        if self.delivery == "FAILED":
            return f"{self.id} fails to deliver"
        if self.traffic not in ("REJECT", "ALL"):
            return f"{self.id} captures {self.traffic or 'unknown'} traffic only"
        if self.destination_type not in FLOW_LOG_DESTINATIONS:
            return f"{self.id} delivers to {self.destination_type or 'an unknown destination'}"
        return None

    def __str__(self) -> str:
        return f"{self.id}: {self.traffic} to {self.destination_type} {self.destination} ({self.status})"


def flow_log_problem(vpc: Vpc, logs: Iterable[FlowLog]) -> str | None:
    """Why `vpc` lacks a good flow log ("no flow log", or what is wrong with each it has), or None."""
    own = [log for log in logs if log.resource_id == vpc.id]
    problems = [log.problem for log in own]
    if not own:
        return "no flow log"
    if any(problem is None for problem in problems):
        return None
    return "; ".join(p for p in problems if p)


# --- route tables and peering ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    destination: str  # a CIDR (either family) or a prefix list id
    peering: str | None  # the VPC peering connection it sends to, if any
    state: str = ""

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> "Route":
        destination = (item.get("DestinationCidrBlock") or item.get("DestinationIpv6CidrBlock")
                       or item.get("DestinationPrefixListId") or "")
        return cls(destination, item.get("VpcPeeringConnectionId"), item.get("State", ""))

    @property
    def to_everywhere(self) -> bool:
        return whole_space(self.destination) is not None


@dataclass(frozen=True)
class RouteTable:
    id: str
    vpc_id: str
    region: str
    owner_id: str
    arn: str
    routes: tuple[Route, ...]

    @classmethod
    def parse(cls, item: Mapping[str, Any], region: str, client: Any = None) -> "RouteTable":
        ident = _field(item, "RouteTableId", "a route table")
        owner = item.get("OwnerId", "")
        return cls(ident, item.get("VpcId", ""), region, owner, _arn(client, region, owner, "route-table", ident),
                   tuple(Route.parse(route) for route in item.get("Routes") or []))

    @property
    def peering_routes(self) -> tuple[Route, ...]:
        return tuple(route for route in self.routes if route.peering)

    @property
    def resource(self) -> Resource:
        return Resource(self.arn, "AWS::EC2::RouteTable", self.region, self.id)


@dataclass(frozen=True)
class PeeringSide:
    vpc_id: str
    owner_id: str
    region: str
    cidrs: tuple[str, ...]

    @classmethod
    def parse(cls, item: Mapping[str, Any] | None) -> "PeeringSide":
        item = item or {}
        cidrs = [c["CidrBlock"] for c in item.get("CidrBlockSet") or [] if "CidrBlock" in c]
        cidrs += [c["Ipv6CidrBlock"] for c in item.get("Ipv6CidrBlockSet") or [] if "Ipv6CidrBlock" in c]
        if not cidrs and item.get("CidrBlock"):
            cidrs = [item["CidrBlock"]]
        return cls(item.get("VpcId", ""), item.get("OwnerId", ""), item.get("Region", ""), tuple(cidrs))

    def __str__(self) -> str:
        return f"{self.vpc_id} of {self.owner_id} in {self.region} ({', '.join(self.cidrs) or 'no CIDR given'})"


@dataclass(frozen=True)
class PeeringConnection:
    id: str
    status: str
    requester: PeeringSide
    accepter: PeeringSide

    @classmethod
    def parse(cls, item: Mapping[str, Any]) -> "PeeringConnection":
        return cls(_field(item, "VpcPeeringConnectionId", "a VPC peering connection"),
                   (item.get("Status") or {}).get("Code", ""), PeeringSide.parse(item.get("RequesterVpcInfo")),
                   PeeringSide.parse(item.get("AccepterVpcInfo")))

    def __str__(self) -> str:
        return f"{self.id} ({self.status}): {self.requester} <-> {self.accepter}"
