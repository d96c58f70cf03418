"""EFS-1: every EFS file system is encrypted at rest."""

from awsaudit import control
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("EFS-1", severity="medium",
         frameworks={CIS_5: "2.3.1", CIS_6: "3.3.1", CIS_7: "3.3.1", SECURITY_HUB: "EFS.1"},
         remediation="""
         Encryption cannot be switched on for an existing file system. For each one named: create an encrypted one
         (aws efs create-file-system --encrypted --kms-key-id KEY --region REGION), copy the data with AWS DataSync
         (or replicate to a new file system, which EFS encrypts), remount the clients on the new one, and delete the old
         (aws efs delete-file-system --file-system-id ID --region REGION).
         """)
def test_efs_encrypted(efs_file_systems, findings):
    """Every EFS file system is encrypted at rest

    A file system shared by many instances often holds application data, exports and backups. Unencrypted, it is
    readable from the underlying storage; encrypted with KMS, reading it also takes the key, whose use is logged.
    """
    judged = [fs for found in efs_file_systems.values() for fs in found]
    findings.judge("EFS file systems", [fs.resource for fs in judged],
                   {fs.resource: "not encrypted" for fs in judged if not fs.encrypted})
