"""EC2-2: no security group opens CIFS/SMB (TCP 445) to the whole internet."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7
from awsaudit.network import every, open_ports


@control("EC2-2", severity="high", frameworks={CIS_5: "5.1.2", CIS_6: "6.1.2", CIS_7: "6.1.2"},
         remediation="""
         For each group named, remove the inbound rule and allow 445 only from the networks that need it:
         aws ec2 revoke-security-group-ingress --group-id GROUP --ip-permissions
         'IpProtocol=tcp,FromPort=445,ToPort=445,IpRanges=[{CidrIp=0.0.0.0/0}]' --region REGION
         (Ipv6Ranges=[{CidrIpv6=::/0}] for the IPv6 rule; a rule of all traffic or of a port range holding 445 is
         revoked the same way, with its own protocol and ports).
         """)
def test_no_security_group_opens_cifs_to_the_internet(security_groups, findings):
    """No security group allows CIFS/SMB (TCP 445) from 0.0.0.0/0 or ::/0

    SMB on the internet is scanned for constantly and has a long history of wormable flaws and leaked file shares.
    A rule of all traffic, or of a port range that holds 445, opens it just as well.
    """
    groups = every(security_groups)
    findings.judge("security groups", [group.resource for group in groups],
                   {group.resource: why for group in groups if (why := open_ports(group, [445], [4, 6]))})
