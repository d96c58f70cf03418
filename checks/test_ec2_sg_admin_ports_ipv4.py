"""EC2-4: no security group lets 0.0.0.0/0 reach SSH or RDP."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB
from awsaudit.network import ADMIN_PORTS, every, open_ports


@control("EC2-4", severity="high",
         frameworks={CIS_5: "5.3", CIS_6: "6.3", CIS_7: "6.3", SECURITY_HUB: "EC2.53"},
         remediation="""
         For each group named, remove the rule and reach instances through Systems Manager Session Manager, or allow
         22/3389 only from known networks:
         aws ec2 revoke-security-group-ingress --group-id GROUP --ip-permissions
         'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]' --region REGION
         (the rule's own protocol and ports where it is all traffic or a range).
         """)
def test_no_security_group_opens_admin_ports_to_ipv4_internet(security_groups, findings):
    """No security group allows ingress from 0.0.0.0/0 to SSH (22) or RDP (3389)

    Remote administration ports open to every IPv4 address are found by scanners within minutes and then guessed
    at, or attacked through the server's flaws. A rule of all traffic, or a port range holding 22 or 3389, counts.
    """
    groups = every(security_groups)
    findings.judge("security groups", [group.resource for group in groups],
                   {group.resource: why for group in groups if (why := open_ports(group, ADMIN_PORTS, [4]))})
