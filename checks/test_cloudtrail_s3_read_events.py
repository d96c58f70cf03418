"""CLOUDTRAIL-6: a multi-region trail records the read data events of every S3 object."""

from awsaudit import control
from awsaudit.aws.cloudtrail import judge_s3_objects
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("CLOUDTRAIL-6", severity="medium",
         frameworks={CIS_5: "3.9", CIS_6: "4.9", CIS_7: "4.9", SECURITY_HUB: "S3.23"},
         remediation="""
         On a multi-region trail that is logging: aws cloudtrail put-event-selectors --trail-name TRAIL
         --region HOME_REGION --advanced-event-selectors '[{"Name": "Management events", "FieldSelectors":
         [{"Field": "eventCategory", "Equals": ["Management"]}]}, {"Name": "S3 object events", "FieldSelectors":
         [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]'
         (keep the management selector, or the trail stops recording management events). Data events are billed.
         """)
def test_s3_object_reads_are_logged(trails, findings):
    """Object-level logging of read events is enabled for every S3 bucket

    GetObject is a data event, which a trail records only when selected. Without it, who read or downloaded an
    object, the trace of data leaving the account, cannot be told.
    """
    judge_s3_objects(trails, "read", findings)

