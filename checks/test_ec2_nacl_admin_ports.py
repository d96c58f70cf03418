"""EC2-3: no network ACL lets the whole internet reach SSH or RDP."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB
from awsaudit.network import ADMIN_PORTS, EVERYWHERE, every


@control("EC2-3", severity="medium",
         frameworks={CIS_5: "5.2", CIS_6: "6.2", CIS_7: "6.2", SECURITY_HUB: "EC2.21"},
         remediation="""
         For each network ACL named, deny the port from the whole internet ahead of the rule that allows it (a lower
         rule number), or narrow that rule to the networks that need it:
         aws ec2 create-network-acl-entry --network-acl-id ACL --ingress --rule-number 10 --protocol tcp
         --port-range From=22,To=22 --cidr-block 0.0.0.0/0 --rule-action deny --region REGION
         (--ipv6-cidr-block ::/0 for IPv6; the same for 3389).
         """)
def test_no_network_acl_admits_admin_ports_from_the_internet(network_acls, findings):
    """No network ACL allows ingress from 0.0.0.0/0 or ::/0 to SSH (22) or RDP (3389)

    A network ACL is the subnet's outer fence. Its inbound rules are read in number order and the first that
    matches decides, so an allow of all traffic behind a deny of port 22 leaves 22 closed, and one ahead of it
    leaves 22 open. Each port is judged from the whole IPv4 and the whole IPv6 internet.
    """
    acls = every(network_acls)
    offenders = {}
    for acl in acls:
        open_ = [f"TCP {port} from {EVERYWHERE[family]} ({entry})" for port in ADMIN_PORTS for family in (4, 6)
                 if (entry := acl.admits(port, family))]
        if open_:
            offenders[acl.resource] = "admits " + ", ".join(open_)
    findings.judge("network ACLs", [acl.resource for acl in acls], offenders)
