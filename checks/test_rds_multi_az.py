"""RDS-4: every RDS database runs in more than one Availability Zone."""

from awsaudit import control
from awsaudit.aws.rds import multi_az
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("RDS-4", severity="low", frameworks={CIS_5: "2.2.4", CIS_6: "3.2.4", CIS_7: "3.2.4", SECURITY_HUB: "RDS.5"},
         remediation="""
         For each standalone instance named: aws rds modify-db-instance --db-instance-identifier ID --multi-az
         --apply-immediately --region REGION. For each Aurora cluster named, add a replica in another Availability
         Zone: aws rds create-db-instance --db-cluster-identifier CLUSTER --db-instance-identifier CLUSTER-replica
         --engine ENGINE --db-instance-class CLASS --availability-zone OTHER_AZ --region REGION.
         """)
def test_rds_multi_az(rds_instances, rds_clusters, findings):
    """Every RDS DB instance and cluster is Multi-AZ

    A database in one Availability Zone goes down with that zone, and stays down through a failed host or storage
    volume until it is rebuilt. Multi-AZ keeps a standby in another zone that RDS fails over to in a minute or two.
    Standalone instances are judged by their own MultiAZ flag; instances of a cluster through their cluster: an
    Aurora cluster is Multi-AZ once it has an instance in a second zone.
    """
    judged, offenders = multi_az(rds_instances, rds_clusters)
    findings.judge("RDS DB instances and clusters", judged, offenders)
