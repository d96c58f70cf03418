"""IAM-11: no expired SSL/TLS server certificate is kept in IAM."""

from awsaudit import control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("IAM-11", severity="medium",
         frameworks={CIS_3: "1.19", CIS_5: "1.18", CIS_6: "2.18", CIS_7: "2.17", SECURITY_HUB: "IAM.26"},
         remediation="""
         For each certificate named, make sure no load balancer or CloudFront distribution still uses it, then
         aws iam delete-server-certificate --server-certificate-name NAME. Prefer AWS Certificate Manager, which
         renews certificates itself.
         """)
def test_no_expired_server_certificates(server_certificates, now, findings):
    """No expired SSL/TLS server certificate is stored in IAM

    An expired certificate can still be deployed by mistake, breaking a service or the trust its users place in
    it. Removing expired certificates keeps only usable ones within reach.
    """
    findings.judge("server certificates", [c["ServerCertificateName"] for c in server_certificates], {
        c["ServerCertificateName"]: f"expired {c['Expiration'].isoformat()}"
        for c in server_certificates if c["Expiration"] <= now})
