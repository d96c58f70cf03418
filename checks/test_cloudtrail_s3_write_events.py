"""CLOUDTRAIL-5: a multi-region trail records the write data events of every S3 object."""

from awsaudit import control
from awsaudit.aws.cloudtrail import judge_s3_objects
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("CLOUDTRAIL-5", severity="medium",
         frameworks={CIS_5: "3.8", CIS_6: "4.8", CIS_7: "4.8", SECURITY_HUB: "S3.22"},
         remediation="""
         On a multi-region trail that is logging: aws cloudtrail put-event-selectors --trail-name TRAIL
         --region HOME_REGION --advanced-event-selectors '[{"Name": "Management events", "FieldSelectors":
         [{"Field": "eventCategory", "Equals": ["Management"]}]}, {"Name": "S3 object events", "FieldSelectors":
         [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]'
         (keep the management selector, or the trail stops recording management events). Data events are billed.
         """)
def test_s3_object_writes_are_logged(trails, findings):
    """Object-level logging of write events is enabled for every S3 bucket

    S3 server-side events such as PutObject and DeleteObject are data events, which a trail records only when
    selected. Without them, who changed or deleted an object cannot be told.
    """
    judge_s3_objects(trails, "write", findings)

