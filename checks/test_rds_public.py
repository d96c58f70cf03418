"""RDS-3: no RDS DB instance is publicly accessible."""

from awsaudit import control
from awsaudit.aws.rds import instances
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("RDS-3", severity="high",
         frameworks={CIS_5: "2.2.3", CIS_6: "3.2.3", CIS_7: "3.2.3", SECURITY_HUB: "RDS.2"},
         remediation="""
         For each instance named: aws rds modify-db-instance --db-instance-identifier ID --no-publicly-accessible
         --apply-immediately --region REGION. Clients outside the VPC then reach it through a VPN, AWS Direct Connect,
         a bastion or RDS Proxy, not over the internet.
         """)
def test_rds_not_publicly_accessible(rds_instances, findings):
    """No RDS DB instance is publicly accessible

    A publicly accessible instance gets a DNS name that resolves to a public IP address: one security group rule
    away from the whole internet trying its passwords and probing its engine for vulnerabilities. Members of a
    cluster are judged as instances: each has its own PubliclyAccessible flag.
    """
    judged = instances(rds_instances)
    findings.judge("RDS DB instances", [db.resource for db in judged],
                   {db.resource: "publicly accessible" for db in judged if db.publicly_accessible})
