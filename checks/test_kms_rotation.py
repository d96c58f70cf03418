"""KMS-1: every customer-managed symmetric KMS key rotates its key material."""

from awsaudit import control
from awsaudit.findings import Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("KMS-1", severity="medium",
         frameworks={CIS_5: "3.6", CIS_6: "4.6", CIS_7: "4.6", SECURITY_HUB: "KMS.4"},
         remediation="""
         For each key named: aws kms enable-key-rotation --key-id KEY_ID --region REGION (optionally
         --rotation-period-in-days 90 to 2560; 365 by default).
         """)
def test_kms_keys_rotate(kms_keys, findings):
    """Rotation is enabled for customer-managed symmetric KMS keys

    Rotating a key's material limits how much data one version of it protects, and the time a leaked version
    stays useful; KMS keeps old versions to decrypt, so rotation costs nothing but the switch.
    """
    judged, not_judged = {}, {}
    for region, keys in kms_keys.items():
        for key in keys:
            resource = Resource(key.arn, "AWS::KMS::Key", region, key.key_id)
            if key.not_judged_because:
                not_judged[str(resource)] = key.not_judged_because
            else:
                judged[resource] = key
    findings.evidence["KMS keys not judged"] = not_judged or "none"
    findings.judge("enabled customer-managed symmetric KMS keys", judged,
                   {resource: "automatic rotation off" for resource, key in judged.items() if not key.rotates})
