"""Controls on the AWS root user: the one identity no policy can restrict."""

from datetime import timedelta

from awsaudit import control, not_applicable
from awsaudit.ages import too_old
from awsaudit.frameworks import APRA, CIS_3, CIS_5, CIS_6, CIS_7, HIPAA, MAS, NIST, PCI_DSS, SECURITY_HUB


@control("ROOT-1", severity="critical",
         frameworks={CIS_3: "1.4", CIS_5: "1.3", CIS_6: "2.3", CIS_7: "2.4", SECURITY_HUB: "IAM.4",
                     NIST: "AC-2(1), AC-3(7), AC-3(15), AC-6, AC-6(2), AC-6(10)"},
         remediation="""
         Console: sign in as the root user, open Security credentials, and under Access keys make each key
         inactive, confirm nothing breaks, then delete it. Move any automation that used it to an IAM role.
         CLI: root keys cannot be deleted with the CLI; use the console. Then confirm with
           aws iam get-account-summary --query SummaryMap.AccountAccessKeysPresent   (expect 0)
         """)
def test_root_has_no_active_access_keys(root):
    """Root user has no access keys

    A root access key gives unrestricted, MFA-free programmatic control of the whole account, billing included,
    and no IAM policy can limit it. Keys leak through code, logs and laptops; the only safe number is zero.
    """
    assert not root.access_key_signals, "root user has access keys: " + ", ".join(root.access_key_signals)


@control("ROOT-2", severity="high",
         frameworks={CIS_3: "1.7", CIS_5: "1.6", CIS_6: "2.6", CIS_7: "2.7",
                     PCI_DSS: "", HIPAA: "", NIST: "", APRA: "", MAS: ""},
         remediation="""
         Find out who used the root user and why: CloudTrail events with userIdentity.type = Root.
         Give that person or process an IAM role or IAM Identity Center user with only the permissions the task
         needs, and keep the root credentials locked away for the few tasks that require them.
         CLI: aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root
         """)
def test_root_not_used_recently(root_in_report, now, threshold, evidence):
    """Root user has not been used recently

    Every use of the root user is a use of unlimited privilege. Routine work done as root leaves no least-privilege
    boundary and makes a stolen root credential indistinguishable from normal activity.
    """
    window = threshold["root_unused_days"]
    use = root_in_report.last_use
    if use is None:
        evidence["latest use"] = "none recorded in the credential report (see the root row)"
        return
    days = (now - use.when) / timedelta(days=1)
    evidence["latest use"] = f"{use.when.isoformat()} by {use.credential}, {days:.1f} days before the audit"
    assert days >= window, (
        f"root user was used {days:.1f} days ago ({use.when.isoformat()}, {use.credential}); "
        f"it must be unused for {window} days"
    )


@control("ROOT-3", severity="high", frameworks={PCI_DSS: ""},
         remediation="""
         Console: sign in as the root user, open Security credentials, and under X.509 certificates make each
         certificate inactive, then delete it. Issue any certificate a workload needs to an IAM user or, better,
         replace certificate signing with an IAM role.
         CLI: aws iam get-account-summary --query SummaryMap.AccountSigningCertificatesPresent   (expect 0)
         """)
def test_root_has_no_signing_certificates(root):
    """No X.509 signing certificate is tied to the root user

    A signing certificate lets its holder sign API requests as root for legacy SOAP interfaces, outside the
    protection of MFA. Certificates belong to least-privileged IAM identities, never to the root user.
    """
    assert not root.certificate_signals, "root user has signing certificates: " + ", ".join(root.certificate_signals)


@control("ROOT-4", severity="critical", frameworks={NIST: ""},
         remediation="""
         Preferably delete root signing certificates altogether (ROOT-3). If one must remain, rotate it:
         as the root user, upload a new certificate under Security credentials > X.509 certificates, move its
         users to the new one, then make the old certificate inactive and delete it.
         Repeat at least every root_cert_max_age_days days.
         """)
def test_root_signing_certificates_rotated(root_in_report, now, threshold, findings):
    """Root signing certificates are rotated regularly

    The longer a root certificate lives, the more copies of it exist and the longer a stolen one stays useful.
    Regular rotation bounds that exposure.
    """
    if not root_in_report.active_certificates:
        not_applicable("the root user has no active signing certificate")
    max_age = threshold["root_cert_max_age_days"]
    certs = {cert.label: cert.last_rotated for cert in root_in_report.active_certificates}
    findings.judge(f"active root signing certificates (maximum age {max_age} days)", certs,
                   too_old(certs, now, max_age, "last rotated"))


@control("ROOT-5", severity="critical",
         frameworks={CIS_3: "1.5", CIS_5: "1.4", CIS_6: "2.4", CIS_7: "2.5", SECURITY_HUB: "IAM.9", PCI_DSS: "8.4.2",
                     NIST: "AC-2(1), AC-3(15), IA-2(1), IA-2(2), IA-2(6), IA-2(8)"},
         remediation="""
         Console: sign in as the root user, open Security credentials, choose Assign MFA device and register a
         hardware key or authenticator; AWS allows several devices per root user, so register a spare.
         Check: aws iam get-account-summary --query SummaryMap.AccountMFAEnabled   (expect 1)
         """)
def test_root_has_mfa(root):
    """Root user has MFA enabled

    A password alone is one phishing page away from unlimited access. MFA makes a stolen root password useless
    on its own.
    """
    root.require_sign_in()
    assert not root.mfa_gaps, "root user MFA is not enabled: " + ", ".join(root.mfa_gaps)


@control("ROOT-6", severity="critical",
         frameworks={CIS_3: "1.6", CIS_5: "1.5", CIS_6: "2.5", CIS_7: "2.6", SECURITY_HUB: "IAM.6", PCI_DSS: "8.4.2",
                     NIST: "AC-2(1), AC-3(15), IA-2(1), IA-2(2), IA-2(6), IA-2(8)"},
         remediation="""
         Console: sign in as the root user, open Security credentials, assign a hardware MFA device (a FIDO
         security key or a hardware TOTP token), then remove the virtual MFA device from the root user.
         Check: aws iam list-virtual-mfa-devices --assignment-status Assigned   (no root-account-mfa-device)
         """)
def test_root_mfa_is_hardware(root, root_virtual_mfa_devices):
    """Root user's MFA is a hardware device

    A virtual MFA lives on a phone or laptop that is also used for mail and browsing; it can be cloned, backed
    up to the cloud or lost with the device. A dedicated hardware device keeps the root second factor offline.
    """
    root.require_sign_in()
    assert not root.mfa_gaps, "root user has no MFA at all: " + ", ".join(root.mfa_gaps)
    assert not root_virtual_mfa_devices, (
        "root user MFA is a virtual device: " + ", ".join(root_virtual_mfa_devices))
