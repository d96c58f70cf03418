"""`--asff=PATH`: every result as AWS Security Finding Format (ASFF) records, one JSON line each, as it arrives.

One record per (control, account, region, resource): a result that judged resources one by one gives one record per
resource, any other result one record for the account itself (Resources `AwsAccount`, `AWS::::Account:<id>`). The
region is the resource's, or the account's home region (its profile's) for a global resource and for the account.
Each record is in the account's default product, `arn:aws:securityhub:<region>:<account>:product/<account>/default`,
the one product BatchImportFindings accepts from the account itself, so the file can be imported as it is
(`python -m awsaudit.securityhub import PATH ...`; the audit itself never writes to AWS).

`Id` is `awsaudit/<control>/<account id>/<region>/<resource id>` (the resource part hashed where the whole would
exceed ASFF's 512 characters): the same finding gets the same Id in every run, so an import updates it rather than
adding another. `CreatedAt` and `UpdatedAt` are the audit's start.

Compliance.Status, from the verdict (and, for a result judged per resource, each resource's own verdict):

    passed          PASSED          the resource (or account) meets the control
    failed          FAILED          it does not
    waived          WARNING         it does not, and a waiver accepts that: a known, accepted deviation, neither a
                                    pass (the requirement is not met) nor an open failure (someone decided on it);
                                    the waiver's text is in ProductFields `awsaudit/Waiver`. Resources of a waived
                                    control that pass are PASSED.
    error           NOT_AVAILABLE   the control could not be evaluated (ASFF: "check could not be completed"); a
                                    pass or failure would claim what is not known
    not applicable  NOT_AVAILABLE   there is nothing for the control to judge on this account (ASFF puts AWS
                                    Config's NOT_APPLICABLE here too); ProductFields `awsaudit/Verdict` tells it
                                    apart from an error

A result that passed while a waiver still covers it is PASSED. ProductFields `awsaudit/Verdict` always carries the
result's own verdict. `Types` is the Industry and Regulatory Standards type of each framework the control maps to
where ASFF names one (CIS AWS Foundations Benchmark, PCI-DSS, NIST 800-53, HIPAA), else "Software and Configuration
Checks/AWS Security Best Practices". Titles, descriptions and remediation text are cut to ASFF's limits; nothing of
the evidence is written, and resource ids and reasons are the masked ones every output shows.

A result whose account id is not known (its identity could not be read) cannot name the account ASFF requires: it
is left out, and the run says how many were.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Iterator

from awsaudit.accounts import DEFAULT_REGION
from awsaudit.controls import Control
from awsaudit.findings import Finding
from awsaudit.outputs.jsonl import LineFile
from awsaudit.results import Result, ResultLog

SCHEMA_VERSION = "2018-10-08"
ID_PREFIX = "awsaudit/"
# ASFF's limits (BatchImportFindings documents them; botocore's model does not hold them all).
ID_LIMIT, TITLE_LIMIT, DESCRIPTION_LIMIT, REMEDIATION_LIMIT = 512, 256, 1024, 512
REQUIREMENTS_LIMIT, TYPES_LIMIT, PRODUCT_FIELD_LIMIT = 32, 50, 2048

STATUS = {"passed": "PASSED", "failed": "FAILED", "waived": "WARNING", "error": "NOT_AVAILABLE",
          "not applicable": "NOT_AVAILABLE"}
SEVERITY = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW"}

_STANDARDS = "Software and Configuration Checks/Industry and Regulatory Standards/"
# A framework's name prefix -> the ASFF type of its standard.
_FRAMEWORK_TYPES = (
    ("CIS AWS", _STANDARDS + "CIS AWS Foundations Benchmark"),
    ("PCI DSS", _STANDARDS + "PCI-DSS"),
    ("NIST SP 800-53", _STANDARDS + "NIST 800-53 Controls (USA)"),
    ("HIPAA", _STANDARDS + "HIPAA Controls (USA)"),
)
GENERAL_TYPE = "Software and Configuration Checks/AWS Security Best Practices"

# CloudFormation resource type -> ASFF resource type, where ASFF names one; any other is "Other".
RESOURCE_TYPES = {
    "AWS::IAM::User": "AwsIamUser",
    "AWS::IAM::Role": "AwsIamRole",
    "AWS::IAM::Group": "AwsIamGroup",
    "AWS::IAM::Policy": "AwsIamPolicy",
    "AWS::IAM::ManagedPolicy": "AwsIamPolicy",
    "AWS::IAM::AccessKey": "AwsIamAccessKey",
    "AWS::S3::Bucket": "AwsS3Bucket",
    "AWS::S3::AccountPublicAccessBlock": "AwsS3AccountPublicAccessBlock",
    "AWS::KMS::Key": "AwsKmsKey",
    "AWS::CloudTrail::Trail": "AwsCloudTrailTrail",
    "AWS::EC2::Instance": "AwsEc2Instance",
    "AWS::EC2::SecurityGroup": "AwsEc2SecurityGroup",
    "AWS::EC2::VPC": "AwsEc2Vpc",
    "AWS::EC2::Volume": "AwsEc2Volume",
    "AWS::EC2::NetworkAcl": "AwsEc2NetworkAcl",
    "AWS::RDS::DBInstance": "AwsRdsDbInstance",
    "AWS::RDS::DBCluster": "AwsRdsDbCluster",
    "AWS::EFS::FileSystem": "AwsEfsFileSystem",
    "AWS::ElasticLoadBalancing::LoadBalancer": "AwsElbLoadBalancer",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "AwsElbv2LoadBalancer",
    "AWS::ApiGateway::Stage": "AwsApiGatewayStage",
    "AWS::ApiGatewayV2::Stage": "AwsApiGatewayV2Stage",
    "AWS::CloudFront::Distribution": "AwsCloudFrontDistribution",
    "AWS::Lambda::Function": "AwsLambdaFunction",
    "AWS::SNS::Topic": "AwsSnsTopic",
    "AWS::SQS::Queue": "AwsSqsQueue",
    "AWS::Config::ConfigurationRecorder": "Other",
}
ACCOUNT_TYPE = "AwsAccount"


def product_arn(region: str, account_id: str, partition: str = "aws") -> str:
    """The account's default product: where an account imports findings of its own."""
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"


def partition_of(region: str) -> str:
    return "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"


def cut(text: str, limit: int) -> str:
    """`text` within `limit` characters, marked with an ellipsis where it was cut."""
    text = " ".join(text.split()) if "\n" in text else text
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def types_of(frameworks: tuple[str, ...]) -> list[str]:
    found = [asff for prefix, asff in _FRAMEWORK_TYPES if any(ref.startswith(prefix) for ref in frameworks)]
    return found[:TYPES_LIMIT] or [GENERAL_TYPE]


def record_id(control: str, account_id: str, region: str, resource_id: str) -> str:
    whole = f"{ID_PREFIX}{control}/{account_id}/{region}/{resource_id}"
    if len(whole) <= ID_LIMIT:
        return whole
    return f"{ID_PREFIX}{control}/{account_id}/{region}/sha256:{hashlib.sha256(resource_id.encode()).hexdigest()}"


def _status(result: Result, finding: Finding | None) -> str:
    if finding is None or result.verdict in ("error", "not applicable"):
        return STATUS[result.verdict]
    if finding.status == "passed":
        return "PASSED"
    return "WARNING" if result.verdict == "waived" else "FAILED"


def _worse(first: Finding, then: Finding) -> Finding:
    return then if then.status == "failed" and first.status != "failed" else first


def _judged(result: Result) -> list[Finding | None]:
    """The resources a result judged, each once (the worse verdict where one is named twice); None: the account."""
    if not result.findings:
        return [None]
    seen: dict[tuple[str, str], Finding] = {}
    for found in result.findings:
        key = (found.resource.id, found.resource.region)
        seen[key] = _worse(seen[key], found) if key in seen else found
    return list(seen.values())


def records(result: Result, home_region: str, started: str, control: Control | None = None) -> Iterator[dict[str, Any]]:
    """The ASFF records of one result; `started` is the audit's start (ISO 8601), `control` the catalog's entry."""
    account_id = result.account_id
    title = cut(f"{result.control} {result.title}", TITLE_LIMIT)
    remediation = (control.remediation if control else "") or f"See awsaudit control {result.control}."
    for found in _judged(result):
        region = (found.resource.region if found else "") or home_region
        partition = partition_of(region)
        if found is None:
            resource = {"Type": ACCOUNT_TYPE, "Id": f"AWS::::Account:{account_id}"}
        else:
            resource = {"Type": RESOURCE_TYPES.get(found.resource.type, "Other"), "Id": found.resource.id}
        resource.update(Partition=partition, Region=region)
        status = _status(result, found)
        if found is None or result.verdict in ("error", "not applicable"):
            said = result.reason or result.verdict
        else:
            said = found.reason or ("meets the control" if found.status == "passed" else "fails the control")
        description = f"{found.resource if found else f'Account {account_id}'}: {said}"
        fields = {"awsaudit/ControlId": result.control, "awsaudit/Verdict": result.verdict,
                  "awsaudit/Account": result.account}
        if found is not None:
            fields["awsaudit/ResourceVerdict"] = found.status
            if found.resource.type:
                fields["awsaudit/ResourceType"] = found.resource.type
        if result.waiver:
            fields["awsaudit/Waiver"] = result.waiver
        if result.despite_waiver:
            fields["awsaudit/DespiteWaiver"] = "true"
        record: dict[str, Any] = {
            "SchemaVersion": SCHEMA_VERSION,
            "Id": record_id(result.control, account_id, region, resource["Id"]),
            "ProductArn": product_arn(region, account_id, partition),
            "GeneratorId": result.control,
            "AwsAccountId": account_id,
            "Types": types_of(result.frameworks),
            "CreatedAt": started,
            "UpdatedAt": started,
            "Severity": {"Label": SEVERITY.get(result.severity, "MEDIUM"), "Original": result.severity},
            "Title": title,
            "Description": cut(description, DESCRIPTION_LIMIT),
            "Remediation": {"Recommendation": {"Text": cut(remediation, REMEDIATION_LIMIT)}},
            "ProductFields": {key: cut(value, PRODUCT_FIELD_LIMIT) for key, value in fields.items()},
            "Resources": [resource],
            "Compliance": {"Status": status},
            "RecordState": "ACTIVE",
        }
        if result.frameworks:
            record["Compliance"]["RelatedRequirements"] = list(result.frameworks[:REQUIREMENTS_LIMIT])
        yield record


class AsffLines(LineFile):
    """Registered on the process that writes the outputs, when --asff is given."""

    def __init__(self, path: Path, log: ResultLog) -> None:
        super().__init__(path)
        self.log = log
        self.started = log.started.isoformat().replace("+00:00", "Z")
        self.controls = {control.id: control for control in log.known.controls}
        self.left_out = 0
        self.written = 0

    def pytest_awsaudit_result(self, result: Result) -> None:
        if not result.account_id:
            self.left_out += 1
            return
        # A profile that no longer reads: the default region, as the audit's.
        region = self.log.home_region(result.account) or DEFAULT_REGION
        self.written += self.write(records(result, region, self.started, self.controls.get(result.control)))

    def pytest_awsaudit_finish(self, log: ResultLog, exitstatus: int) -> None:
        if self.left_out:
            reporter = log.config.pluginmanager.get_plugin("terminalreporter")
            message = (f"--asff: {self.left_out} results left out of {self.path}: their account id is not known "
                       "(the account's identity could not be read)")
            if reporter is not None:
                reporter.write_line(message, yellow=True)

