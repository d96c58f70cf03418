"""CONFIG-1: AWS Config records every supported resource type in every region read."""

from awsaudit import control
from awsaudit.findings import REGION, Resource
from awsaudit.frameworks import CIS_5, CIS_6, CIS_7, SECURITY_HUB


@control("CONFIG-1", severity="medium",
         frameworks={CIS_5: "3.3", CIS_6: "4.3", CIS_7: "4.3", SECURITY_HUB: "Config.1"},
         remediation="""
         In each region named: aws configservice put-configuration-recorder --configuration-recorder
         name=default,roleARN=arn:aws:iam::ACCOUNT:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig
         --recording-group allSupported=true,includeGlobalResourceTypes=true (global types in one region are
         enough), aws configservice put-delivery-channel --delivery-channel name=default,s3BucketName=BUCKET and
         aws configservice start-configuration-recorder --configuration-recorder-name default --region REGION.
         """)
def test_config_records_everything(configuration_recorders, findings):
    """AWS Config is enabled in all regions

    AWS Config keeps the history of every resource's configuration: what a security group allowed last Tuesday,
    who changed a bucket policy. A region it does not record, or resource types it leaves out, have no such history.
    """
    regions = {Resource(region, REGION, region, region): found for region, found in configuration_recorders.items()}
    offenders = {}
    for region, found in regions.items():
        if not found:
            offenders[region] = "no configuration recorder"
        elif not any(not recorder.why_not() for recorder in found):
            offenders[region] = "; ".join(recorder.why_not() for recorder in found)
    global_types = Resource("global resource types", "AWS::Config::ConfigurationRecorder", "",
                            "global resource types (IAM)")
    if not any(recorder.global_resource_types and not recorder.why_not()
               for found in regions.values() for recorder in found):
        offenders[global_types] = "recorded in no region (includeGlobalResourceTypes)"
    findings.judge("regions, and global resource types", [*regions, global_types], offenders)
