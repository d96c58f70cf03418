"""EC2-6: the default security group of every VPC allows no traffic."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB
from awsaudit.network import every


@control("EC2-6", severity="medium",
         frameworks={CIS_5: "5.5", CIS_6: "6.5", CIS_7: "6.5", SECURITY_HUB: "EC2.2"},
         remediation="""
         Move the resources that use the default group to groups of their own, then for each group named remove every
         rule: aws ec2 describe-security-groups --group-ids GROUP --region REGION, then
         aws ec2 revoke-security-group-ingress --group-id GROUP --ip-permissions '<its IpPermissions>' and
         aws ec2 revoke-security-group-egress --group-id GROUP --ip-permissions '<its IpPermissionsEgress>'.
         """)
def test_default_security_groups_allow_no_traffic(security_groups, findings):
    """The default security group of every VPC has no inbound and no outbound rule

    Anything launched without a group named lands in the VPC's default group. With no rules, that mistake isolates
    the resource instead of connecting it, and people are pushed to groups made and reviewed for their purpose.
    """
    defaults = [group for group in every(security_groups) if group.is_default]
    findings.judge("default security groups", [group.resource for group in defaults], {
        group.resource: "; ".join(
            [f"inbound: {', '.join(map(str, group.ingress))}"] * bool(group.ingress)
            + [f"outbound: {', '.join(map(str, group.egress))}"] * bool(group.egress))
        for group in defaults if group.ingress or group.egress})
