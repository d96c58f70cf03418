"""WEB-1: the web front ends AWS manages write access logs."""

from awsaudit import control
from awsaudit.aws import apigateway, cloudfront, elb, elbv2
from awsaudit.frameworks import CIS_7


@control("WEB-1", severity="medium", frameworks={CIS_7: "4.10"},
         remediation="""
         Classic Load Balancer: aws elb modify-load-balancer-attributes --load-balancer-name NAME
         --load-balancer-attributes 'AccessLog={Enabled=true,S3BucketName=BUCKET,EmitInterval=60}' --region REGION.
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
                                   classic_load_balancers, rest_api_stages, http_api_stages, findings):
    """Web front ends managed by AWS have access logging

    Access logs are the record of who asked the front end for what, from where, and what it answered: without them
    an attack on an application, or data taken through it, leaves no trace to investigate. Judged: CloudFront
    distributions, application load balancers, Classic Load Balancers with an HTTP or HTTPS listener, and the stages
    of REST, HTTP and WebSocket APIs. Network and gateway load balancers, and Classic Load Balancers with TCP or SSL
    listeners only, are listed but not judged: they work at layer 4 and are no web front end.
    """
    lbs = [lb for found in load_balancers.values() for lb in found]
    classic = [lb for found in classic_load_balancers.values() for lb in found]
    stages = [stage for read in (rest_api_stages, http_api_stages) for found in read.values() for stage in found]
    fronts = ([(d.resource, cloudfront.access_log_gap(d, cloudfront_log_deliveries)) for d in cloudfront_distributions]
              + [(lb.resource, elbv2.access_log_gap(lb)) for lb in lbs if lb.type == elbv2.APPLICATION]
              + [(lb.resource, elb.access_log_gap(lb)) for lb in classic if lb.web]
              + [(stage.resource, apigateway.access_log_gap(stage)) for stage in stages])
    layer4 = ([f"{lb.region}: {lb.name} ({lb.type})" for lb in lbs if lb.type != elbv2.APPLICATION]
              + [f"{lb.region}: {lb.name} (classic, {'/'.join(lb.protocols) or 'no listener'})" for lb in classic
                 if not lb.web])
    if layer4:
        findings.evidence["load balancers not judged (layer 4 only)"] = layer4
    findings.judge("web front ends", [resource for resource, _ in fronts],
                   {resource: why for resource, why in fronts if why})
