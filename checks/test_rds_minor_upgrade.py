"""RDS-2: every RDS DB instance takes minor engine upgrades automatically."""

from awsaudit import control
from awsaudit.aws.rds import instances
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("RDS-2", severity="medium",
         frameworks={CIS_5: "2.2.2", CIS_6: "3.2.2", CIS_7: "3.2.2", SECURITY_HUB: "RDS.13"},
         remediation="""
         For each instance named: aws rds modify-db-instance --db-instance-identifier ID
         --auto-minor-version-upgrade --apply-immediately --region REGION (for a Multi-AZ DB cluster:
         aws rds modify-db-cluster --db-cluster-identifier ID --auto-minor-version-upgrade). Upgrades then happen in
         the instance's maintenance window.
         """)
def test_rds_auto_minor_version_upgrade(rds_instances, findings):
    """Every RDS DB instance has auto minor version upgrade

    Minor engine versions carry the database vendor's security fixes. Without automatic upgrades an instance keeps
    running a version with known vulnerabilities until someone remembers to patch it. Members of a cluster are judged
    as instances: Aurora sets this per instance.
    """
    judged = instances(rds_instances)
    findings.judge("RDS DB instances", [db.resource for db in judged],
                   {db.resource: "auto minor version upgrade off"
                    for db in judged if not db.auto_minor_version_upgrade})
