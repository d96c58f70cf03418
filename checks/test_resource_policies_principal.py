"""IAM-16: no resource policy lets anyone in with an unconditioned Principal "*"."""

from awsaudit import control
from awsaudit.aws.s3 import read_in_regions
from awsaudit.frameworks import CIS_7
from awsaudit.policy_documents import ResourcePolicy, unrestricted_reason


@control("IAM-16", severity="high", frameworks={CIS_7: "2.21"},
         remediation="""
         For each resource named, replace Principal "*" with the accounts, roles or services that need access,
         or add a condition that ties the statement to them, e.g.
         "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-xxxxxxxxxx"}} or {"ArnLike": {"aws:SourceArn": ARN}}.
         Then put the policy back: aws s3api put-bucket-policy, aws sqs set-queue-attributes --attributes Policy=...,
         aws sns set-topic-attributes --attribute-name Policy, aws lambda remove-permission, aws kms put-key-policy,
         aws secretsmanager put-resource-policy, aws events put-permission / remove-permission.
         """)
def test_no_unrestricted_principal(buckets, bucket_policies, queue_policies, topic_policies, function_policies,
                                   customer_key_policies, secret_policies, event_bus_policies, findings):
    """Resource policies do not allow access to Principal "*" without a condition

    An Allow to Principal "*" lets every AWS account, and anonymous callers, use the resource. A condition on the
    caller's account or organization, on the source resource, VPC endpoint or network ties it to known callers;
    without one, the resource is open to the world. Checked: bucket, queue, topic, function, customer managed key,
    secret and event bus policies.
    """
    policies = [ResourcePolicy(bucket.resource, bucket_policies[bucket.region][bucket.name])
                for bucket in read_in_regions(buckets, bucket_policies, findings.evidence)
                if bucket_policies[bucket.region][bucket.name] is not None]
    for regional in (queue_policies, topic_policies, function_policies, customer_key_policies, secret_policies,
                     event_bus_policies):
        policies += [policy for found in regional.values() for policy in found]
    offenders = {policy.resource: why for policy in policies if (why := unrestricted_reason(policy.document))}
    findings.judge("resources with a policy", [policy.resource for policy in policies], offenders)
