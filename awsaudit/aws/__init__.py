"""What the audit reads from AWS, one module per service: its sources (each one declared AWS read) and the models
they parse into. No module here imports pytest; `@source` makes each loader's name the fixture of that source (the
loader itself is reached through sources.SOURCES).

MODULES is the one table of service modules: the plugin loads each, so every source is known before collection.
"""

MODULES = (
    "awsaudit.aws.iam",
    "awsaudit.aws.account",
    "awsaudit.aws.ec2",
    "awsaudit.aws.accessanalyzer",
    "awsaudit.aws.organizations",
    "awsaudit.aws.s3",
    "awsaudit.aws.macie2",
    "awsaudit.aws.sqs",
    "awsaudit.aws.sns",
    "awsaudit.aws.awslambda",
    "awsaudit.aws.kms",
    "awsaudit.aws.secretsmanager",
    "awsaudit.aws.events",
    "awsaudit.aws.securityhub",
    "awsaudit.aws.cloudtrail",
    "awsaudit.aws.logs",
    "awsaudit.aws.cloudwatch",
    "awsaudit.aws.config",
    "awsaudit.aws.rds",
    "awsaudit.aws.efs",
    "awsaudit.aws.elb",
    "awsaudit.aws.elbv2",
    "awsaudit.aws.apigateway",
    "awsaudit.aws.cloudfront",
)
