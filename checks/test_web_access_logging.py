"""WEB-1: the web front ends AWS manages write access logs."""

from awsaudit import control
from awsaudit.aws import apigateway, cloudfront, elbv2
from awsaudit.frameworks import CIS_7


@control("WEB-1", severity="medium", frameworks={CIS_7: "4.10"},
         remediation="""
         Application load balancer: aws elbv2 modify-load-balancer-attributes --load-balancer-arn ARN --attributes
         Key=access_logs.s3.enabled,Value=true Key=access_logs.s3.bucket,Value=BUCKET --region REGION (the bucket
         policy must let the region's Elastic Load Balancing write to it).
         REST API stage: aws apigateway update-stage --rest-api-id ID --stage-name STAGE --patch-operations
         op=replace,path=/accessLogSettings/destinationArn,value=LOG_GROUP_ARN
         'op=replace,path=/accessLogSettings/format,value=$context.requestId $context.identity.sourceIp $context.status'
         --region REGION.
         HTTP or WebSocket API stage: aws apigatewayv2 update-stage --api-id ID --stage-name STAGE
         --access-log-settings DestinationArn=LOG_GROUP_ARN,Format='$context.requestId $context.status' --region REGION.
         CloudFront distribution: standard logging v2, in us-east-1: aws logs put-delivery-source --name cf-ID
         --resource-arn DISTRIBUTION_ARN --log-type ACCESS_LOGS, aws logs put-delivery-destination (to S3, CloudWatch
         Logs or Firehose), aws logs create-delivery; or the distribution's Logging settings (legacy, to S3).
         """)
def test_web_front_ends_log_access(cloudfront_distributions, cloudfront_log_deliveries, load_balancers,
                                   rest_api_stages, http_api_stages, findings):
    """Web front ends managed by AWS have access logging

    Access logs are the record of who asked the front end for what, from where, and what it answered: without them
    an attack on an application, or data taken through it, leaves no trace to investigate. Judged: CloudFront
    distributions, application load balancers and the stages of REST, HTTP and WebSocket APIs. Network and gateway
    load balancers are listed but not judged: they are no web front end.
    """
    offenders = {d.resource: why for d in cloudfront_distributions
                 if (why := cloudfront.access_log_gap(d, cloudfront_log_deliveries))}
    judged = [d.resource for d in cloudfront_distributions]
    lbs = [lb for found in load_balancers.values() for lb in found]
    layer4 = [f"{lb.region}: {lb.name} ({lb.type})" for lb in lbs if lb.type != elbv2.APPLICATION]
    if layer4:
        findings.evidence["load balancers not judged (network, gateway)"] = layer4
    for lb in lbs:
        if lb.type == elbv2.APPLICATION:
            judged.append(lb.resource)
            if why := elbv2.access_log_gap(lb):
                offenders[lb.resource] = why
    for stage in [each for stages in (rest_api_stages, http_api_stages) for found in stages.values() for each in found]:
        judged.append(stage.resource)
        if why := apigateway.access_log_gap(stage):
            offenders[stage.resource] = why
    findings.judge("web front ends", judged, offenders)
