"""EC2-9: every running instance has an IAM instance profile (a role) for its access to AWS."""

from awsaudit import control, not_applicable
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7
from awsaudit.network import every


@control("EC2-9", severity="medium", frameworks={CIS_3: "1.18", CIS_5: "1.17", CIS_6: "2.17", CIS_7: "2.16"},
         remediation="""
         For each instance named, attach a role with only the permissions it needs, then remove any access keys
         stored on it: aws ec2 associate-iam-instance-profile --instance-id INSTANCE
         --iam-instance-profile Name=PROFILE --region REGION.
         """)
def test_running_instances_have_an_instance_profile(instances, findings):
    """Every running EC2 instance has an IAM instance role

    An instance that calls AWS without a role does it with long-lived access keys stored on its disk, which leak
    with images, backups and compromised software and are rarely rotated. A role's credentials are temporary and
    rotated by AWS. Only running (and pending) instances are judged: a stopped instance gets a role before it runs.
    """
    running = [instance for instance in every(instances) if instance.state in ("pending", "running")]
    if not running:
        not_applicable(f"no running instance in the {len(instances)} regions read")
    findings.judge("running instances", [instance.resource for instance in running],
                   {instance.resource: "no instance profile" for instance in running if not instance.profile_arn})
