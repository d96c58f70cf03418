"""EC2-10: every VPC has an active flow log of rejected traffic."""

from awsaudit import control, not_applicable
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB
from awsaudit.network import every, flow_log_problem


@control("EC2-10", severity="medium",
         frameworks={CIS_5: "3.7", CIS_6: "4.7", CIS_7: "4.7", SECURITY_HUB: "EC2.6"},
         remediation="""
         For each VPC named: aws ec2 create-flow-logs --resource-type VPC --resource-ids VPC --traffic-type REJECT
         --log-destination-type s3 --log-destination arn:aws:s3:::BUCKET --region REGION
         (or --log-group-name GROUP --deliver-logs-permission-arn ROLE for CloudWatch Logs; ALL captures accepted
         traffic too). A flow log that fails to deliver needs its role or bucket policy fixed.
         """)
def test_every_vpc_has_flow_logs(vpcs, flow_logs, findings):
    """Every VPC has an active flow log capturing rejected traffic

    Flow logs record who tried to reach what in the network. Without them, probing of closed ports and the traffic
    of a compromised host leave no trace to investigate. A log counts when it is active, is not failing to deliver,
    captures REJECT or ALL traffic and delivers to CloudWatch Logs or S3; logs of a subnet or interface do not
    cover the VPC.
    """
    judged = every(vpcs)
    if not judged:
        not_applicable(f"no VPC in the {len(vpcs)} regions read")
    findings.judge("VPCs", [vpc.resource for vpc in judged],
                   {vpc.resource: why for vpc in judged if (why := flow_log_problem(vpc, flow_logs[vpc.region]))})
