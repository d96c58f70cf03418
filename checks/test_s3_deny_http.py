"""S3-1: every S3 bucket's policy refuses requests made over plain HTTP."""

from awsaudit import control
from awsaudit.aws.s3 import read_in_regions
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB
from awsaudit.policy_documents import insecure_transport_gap


@control("S3-1", severity="medium", frameworks={CIS_5: "2.1.1", CIS_6: "3.1.1", CIS_7: "3.1.1", SECURITY_HUB: "S3.5"},
         remediation="""
         For each bucket named, add this statement to its policy (keep the others; aws s3api get-bucket-policy
         --bucket BUCKET shows them) and apply it with aws s3api put-bucket-policy --bucket BUCKET --policy file://policy.json:
         {"Sid": "DenyPlainHttp", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
          "Resource": ["arn:aws:s3:::BUCKET", "arn:aws:s3:::BUCKET/*"],
          "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
         """)
def test_bucket_policies_deny_http(buckets, bucket_policies, findings):
    """S3 bucket policies deny requests made over plain HTTP

    S3 answers HTTP as well as HTTPS. A request sent without TLS can be read or altered on the way, credentials and
    data included. Only a bucket policy that denies every request whose aws:SecureTransport is false makes S3 refuse
    them; a Deny of some actions, or of old TLS versions, leaves plain HTTP open.
    """
    judged = read_in_regions(buckets, bucket_policies, findings.evidence)
    offenders = {}
    for bucket in judged:
        policy = bucket_policies[bucket.region][bucket.name]
        why = "no bucket policy" if policy is None else insecure_transport_gap(policy, "s3", bucket.objects_arn)
        if why:
            offenders[bucket.resource] = why
    findings.judge("S3 buckets", [bucket.resource for bucket in judged], offenders)
