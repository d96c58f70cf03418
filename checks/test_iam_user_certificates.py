"""IAM-15: IAM users' signing certificates are rotated."""

from awsaudit import control, not_applicable
from awsaudit.ages import too_old


@control("IAM-15", severity="medium", frameworks={},
         remediation="""
         For each certificate named: upload a new one (aws iam upload-signing-certificate --user-name USER),
         move its users to it, make the old one inactive (aws iam update-signing-certificate --status Inactive),
         then delete it. Better, move the workload to an IAM role and delete signing certificates altogether.
         """)
def test_user_signing_certificates_rotated(iam_users, now, threshold, findings):
    """Active signing certificates of IAM users are rotated within 90 days

    A signing certificate is a long-lived credential like an access key, and leaks the same ways. Rotation bounds
    how long a stolen one can sign requests.
    """
    max_age = threshold["user_cert_max_age_days"]
    certs = {f"{user.user} {cert.label}": cert.last_rotated for user in iam_users for cert in user.active_certificates}
    if not certs:
        not_applicable("no IAM user has an active signing certificate")
    findings.judge(f"active signing certificates (maximum age {max_age} days)", certs,
                   too_old(certs, now, max_age, "uploaded"))
