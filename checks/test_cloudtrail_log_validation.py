"""CLOUDTRAIL-2: every trail validates its log files."""

from awsaudit import control
from awsaudit.aws.cloudtrail import TRAIL_TYPE
from awsaudit.findings import Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("CLOUDTRAIL-2", severity="medium",
         frameworks={CIS_5: "3.2", CIS_6: "4.2", CIS_7: "4.2", SECURITY_HUB: "CloudTrail.4"},
         remediation="""
         For each trail named: aws cloudtrail update-trail --name TRAIL --enable-log-file-validation
         --region HOME_REGION. An organization trail is changed from the management account.
         """)
def test_trails_validate_log_files(trails, findings):
    """Every trail has log file validation enabled

    With validation, CloudTrail writes a signed digest of every log file it delivers, so a log file deleted or
    altered after delivery, to hide what someone did, can be detected.
    """
    judged = {Resource(t.arn, TRAIL_TYPE, t.home_region, t.name): t for t in trails}
    findings.judge("trails", judged, {resource: "log file validation off"
                                      for resource, trail in judged.items() if not trail.log_file_validation})
