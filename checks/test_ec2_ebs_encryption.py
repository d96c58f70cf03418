"""EC2-1: EBS encrypts new volumes by default, in every region."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("EC2-1", severity="medium",
         frameworks={CIS_5: "5.1.1", CIS_6: "6.1.1", CIS_7: "6.1.1", SECURITY_HUB: "EC2.7"},
         remediation="""
         In each region named: aws ec2 enable-ebs-encryption-by-default --region REGION
         (optionally choose the key: aws ec2 modify-ebs-default-kms-key-id --kms-key-id KEY --region REGION).
         Volumes made before stay as they are: copy a snapshot with --encrypted to encrypt one.
         """)
def test_ebs_encryption_by_default(ebs_encryption_by_default, findings):
    """New EBS volumes are encrypted by default in every region

    A volume created unencrypted stays unencrypted, and so do its snapshots. Encryption by default removes the chance
    to forget, in the regions nobody watches too. The setting is per region, so each region is judged.
    """
    findings.judge("regions", ebs_encryption_by_default,
                   {region: "encryption by default is off" for region, on in ebs_encryption_by_default.items()
                    if not on}, regions=True)
