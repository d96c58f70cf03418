"""RDS-1: every RDS DB instance encrypts its storage."""

from awsaudit import control
from awsaudit.aws.rds import instances
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("RDS-1", severity="medium",
         frameworks={CIS_5: "2.2.1", CIS_6: "3.2.1", CIS_7: "3.2.1", SECURITY_HUB: "RDS.3"},
         remediation="""
         Storage encryption cannot be switched on in place. For each instance named: take a snapshot
         (aws rds create-db-snapshot --db-instance-identifier ID --db-snapshot-identifier ID-plain --region REGION),
         copy it encrypted (aws rds copy-db-snapshot --source-db-snapshot-identifier ID-plain
         --target-db-snapshot-identifier ID-encrypted --kms-key-id alias/aws/rds --region REGION), restore it
         (aws rds restore-db-instance-from-db-snapshot --db-snapshot-identifier ID-encrypted
         --db-instance-identifier ID-new --region REGION), move clients to it and delete the old one. For an Aurora
         member, do the same with the cluster's snapshot (create-db-cluster-snapshot, restore-db-cluster-from-snapshot
         --kms-key-id).
         """)
def test_rds_storage_encrypted(rds_instances, findings):
    """Every RDS DB instance has storage encryption

    An unencrypted database leaves its data, automated backups, snapshots and read replicas readable to anyone who
    gets the underlying storage or a shared snapshot. Encryption with KMS also puts key policies and CloudTrail
    between the data and whoever holds a copy. Members of a cluster are judged as instances: each reports the
    encryption of the storage it uses.
    """
    judged = instances(rds_instances)
    findings.judge("RDS DB instances", [db.resource for db in judged],
                   {db.resource: f"{db.engine} storage not encrypted" for db in judged if not db.storage_encrypted})
