"""EC2-8: every instance accepts only IMDSv2 (or has no metadata service)."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB
from awsaudit.network import every


@control("EC2-8", severity="high",
         frameworks={CIS_5: "5.7", CIS_6: "6.7", CIS_7: "6.7", SECURITY_HUB: "EC2.8"},
         remediation="""
         For each instance named (after checking its software uses IMDSv2, as current AWS SDKs do):
         aws ec2 modify-instance-metadata-options --instance-id INSTANCE --http-tokens required
         --http-endpoint enabled --region REGION.
         For new instances: aws ec2 modify-instance-metadata-defaults --http-tokens required --region REGION.
         """)
def test_instances_accept_only_imdsv2(instances, findings):
    """Every EC2 instance requires IMDSv2 session tokens for instance metadata

    IMDSv1 answers any plain GET from the instance, so a server-side request forgery flaw in an application hands
    out the instance role's credentials. IMDSv2 needs a session token obtained with a PUT, which such flaws cannot
    send. An instance whose metadata endpoint is disabled passes. Terminated instances are not judged.
    """
    judged = [instance for instance in every(instances) if instance.state != "terminated"]
    findings.judge("instances", [instance.resource for instance in judged], {
        instance.resource: f"HttpTokens {instance.http_tokens or 'not given'}, endpoint {instance.http_endpoint}"
        for instance in judged if not instance.imdsv2_only})
