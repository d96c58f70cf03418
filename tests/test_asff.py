"""`--asff`: an offline audit of every twin written as ASFF, each record checked against botocore's own model of
securityhub:BatchImportFindings (client-side; nothing is sent), with the status mapping, stable ids and ASFF's
limits."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import botocore.session
import pytest
from botocore.validate import validate_parameters

from awsaudit.findings import Finding, Resource
from awsaudit.outputs import asff
from awsaudit.results import Result
from conftest import AuditRun

ACCOUNT = re.compile(r"^\d{12}$")
LABELS = {"CRITICAL", "HIGH", "MEDIUM", "LOW"}


@pytest.fixture(scope="module")
def import_shape() -> object:
    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


@pytest.fixture(scope="module")
def asff_run(main_twins_audit: AuditRun) -> tuple[AuditRun, Path, list[dict], list[dict]]:
    """The audit of the two main twins: its ASFF records and the results they come from."""
    where = main_twins_audit.report.parent
    lines = (where / "findings.asff.jsonl").read_text(encoding="utf-8").splitlines()
    results = (where / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return main_twins_audit, where, [json.loads(line) for line in lines], [json.loads(line) for line in results]


def test_every_record_is_a_valid_batch_import(asff_run, import_shape) -> None:
    run, _, records, _ = asff_run
    assert "Traceback" not in run.output, run.output
    assert records, run.output
    for record in records:
        validate_parameters({"Findings": [record]}, import_shape)  # raises ParamValidationError with every problem


def test_one_record_per_control_account_region_and_resource(asff_run) -> None:
    _, _, records, results = asff_run
    assert len(records) == sum(max(1, len({(f["resource"]["id"], f["resource"]["region"]) for f in r["findings"]}))
                               for r in results)
    ids = [record["Id"] for record in records]
    assert len(ids) == len(set(ids))
    by_result = Counter((record["GeneratorId"], record["AwsAccountId"]) for record in records)
    assert set(by_result) == {(r["control"], r["account_id"]) for r in results}
    regions = {(r["control"], r["account_id"], f["resource"]["id"]): f["resource"]["region"]
               for r in results for f in r["findings"] if f["resource"]["region"]}
    assert any(region != "us-east-1" for region in regions.values())
    for record in records:
        region = record["Resources"][0]["Region"]
        account = record["AwsAccountId"]
        assert ACCOUNT.match(account)
        assert record["ProductArn"] == f"arn:aws:securityhub:{region}:{account}:product/{account}/default"
        assert record["Id"].startswith(f"awsaudit/{record['GeneratorId']}/{account}/{region}/")
        # a resource of one region (a bucket, a security group, a region judged) is placed in its region; a global
        # one (an IAM user, the account) in the account's home region
        assert region == regions.get((record["GeneratorId"], account, record["Resources"][0]["Id"]), "us-east-1")
        if record["Resources"][0]["Type"] == "AwsAccount":
            assert record["Resources"][0]["Id"] == f"AWS::::Account:{account}"


def test_status_follows_the_verdict(asff_run) -> None:
    _, _, records, results = asff_run
    verdicts = {(r["control"], r["account_id"]): r["verdict"] for r in results}
    seen = Counter()
    for record in records:
        verdict = verdicts[record["GeneratorId"], record["AwsAccountId"]]
        status = record["Compliance"]["Status"]
        assert record["ProductFields"]["awsaudit/Verdict"] == verdict
        resource_verdict = record["ProductFields"].get("awsaudit/ResourceVerdict")
        if resource_verdict and verdict in ("passed", "failed"):
            assert status == {"passed": "PASSED", "failed": "FAILED"}[resource_verdict]
        else:
            assert status == asff.STATUS[verdict]
        seen[verdict, status] += 1
    assert {("passed", "PASSED"), ("failed", "FAILED"), ("not applicable", "NOT_AVAILABLE")} <= set(seen)


def test_fields_and_limits(asff_run) -> None:
    run, _, records, results = asff_run
    started = {record["CreatedAt"] for record in records}
    assert len(started) == 1 and started == {record["UpdatedAt"] for record in records}
    assert datetime.fromisoformat(started.pop().replace("Z", "+00:00")).tzinfo is not None
    for record in records:
        assert record["SchemaVersion"] == "2018-10-08"
        assert len(record["Title"]) <= 256 and len(record["Description"]) <= 1024 and record["Description"]
        assert len(record["Id"]) <= 512
        assert record["Severity"]["Label"] in LABELS
        assert record["Types"] and all(t.startswith("Software and Configuration Checks/") for t in record["Types"])
        assert len(record["Compliance"].get("RelatedRequirements", [])) <= 32
        assert 0 < len(record["Remediation"]["Recommendation"]["Text"]) <= 512
        assert len(record["ProductFields"]) <= 50
        assert record["RecordState"] == "ACTIVE"
    cis = [r for r in records if any(ref.startswith("CIS AWS") for ref in r["Compliance"].get("RelatedRequirements",
                                                                                                []))]
    assert cis and all("Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations "
                       "Benchmark" in r["Types"] for r in cis)
    users = [r for r in records if r["Resources"][0]["Id"].startswith("arn:aws:iam::") and ":user/" in
             r["Resources"][0]["Id"]]
    assert users and all(r["Resources"][0]["Type"] == "AwsIamUser" for r in users)
    text = "\n".join(json.dumps(record) for record in records)
    assert "offline-twin-secret" not in text and not re.search(r"\bAKIA[A-Z0-9]{16}\b", text)


def test_ids_are_stable_across_runs(asff_run) -> None:
    """The run's results made into records again at another time give the same Ids: the time is no part of them."""
    _, _, records, results = asff_run
    regions = {r["AwsAccountId"]: r["Resources"][0]["Region"] for r in records if r["GeneratorId"] != "IAM-12"}
    again = [record for data in results for record in asff.records(
        Result.from_json(data), regions[data["account_id"]], "2030-01-01T00:00:00Z")]
    assert [r["Id"] for r in again] == [r["Id"] for r in records]
    assert {r["UpdatedAt"] for r in again} == {"2030-01-01T00:00:00Z"}


# -- the mapping of every verdict, and the limits, on results made here ---------------------------------------------

def _result(verdict: str, findings: tuple[Finding, ...] = (), **changes: object) -> Result:
    base = dict(account="prod", control="IAM-8", title="IAM users receive permissions only through groups",
                severity="low", verdict=verdict, reason=f"the {verdict} reason", account_id="123456789012",
                frameworks=("CIS AWS 5.0 1.14", "PCI DSS 4.0 7.2.1"), findings=findings)
    return Result(**{**base, **changes})


USER = Resource("arn:aws:iam::123456789012:user/ci", "AWS::IAM::User", "", "ci")
OTHER = Resource("arn:aws:iam::123456789012:user/dev", "AWS::IAM::User", "", "dev")


@pytest.mark.parametrize(("verdict", "status"), [("passed", "PASSED"), ("failed", "FAILED"), ("waived", "WARNING"),
                                                 ("error", "NOT_AVAILABLE"), ("not applicable", "NOT_AVAILABLE")])
def test_each_verdict_maps_to_its_status(verdict: str, status: str, import_shape) -> None:
    [record] = asff.records(_result(verdict, waiver="CI user (SEC-1)" if verdict == "waived" else ""), "eu-west-1",
                            "2026-01-02T03:04:05Z")
    validate_parameters({"Findings": [record]}, import_shape)
    assert record["Compliance"]["Status"] == status
    assert record["Resources"] == [{"Type": "AwsAccount", "Id": "AWS::::Account:123456789012", "Partition": "aws",
                                    "Region": "eu-west-1"}]
    assert record["Id"] == "awsaudit/IAM-8/123456789012/eu-west-1/AWS::::Account:123456789012"
    if verdict == "waived":
        assert record["ProductFields"]["awsaudit/Waiver"] == "CI user (SEC-1)"


def test_per_resource_statuses_under_a_waiver_and_an_error() -> None:
    found = (Finding(USER, "failed", "attached policy X"), Finding(OTHER, "passed"))
    waived = {r["Resources"][0]["Id"]: r["Compliance"]["Status"] for r in asff.records(
        _result("waived", found), "us-east-1", "2026-01-02T03:04:05Z")}
    assert waived == {USER.id: "WARNING", OTHER.id: "PASSED"}
    failed = {r["Resources"][0]["Id"]: r["Compliance"]["Status"] for r in asff.records(
        _result("failed", found), "us-east-1", "2026-01-02T03:04:05Z")}
    assert failed == {USER.id: "FAILED", OTHER.id: "PASSED"}
    errored = {r["Compliance"]["Status"] for r in asff.records(_result("error", found), "us-east-1", "x")}
    assert errored == {"NOT_AVAILABLE"}


def test_regional_resource_duplicates_and_long_text(import_shape) -> None:
    bucket = Resource("arn:aws:s3:::logs", "AWS::S3::Bucket", "eu-central-1", "logs")
    odd = Resource("x" * 600, "AWS::Made::Up", "", "odd")
    found = (Finding(bucket, "passed"), Finding(bucket, "failed", "public"), Finding(odd, "failed", "é" * 3000))
    made = list(asff.records(_result("failed", found, title="T" * 400, frameworks=tuple(f"F {i}" for i in range(40))),
                             "us-west-2", "2026-01-02T03:04:05Z"))
    assert len(made) == 2
    by_type = {r["Resources"][0]["Type"]: r for r in made}
    assert by_type["AwsS3Bucket"]["Compliance"]["Status"] == "FAILED"
    assert by_type["AwsS3Bucket"]["ProductArn"].startswith("arn:aws:securityhub:eu-central-1:123456789012:")
    assert by_type["Other"]["Resources"][0]["Region"] == "us-west-2"
    for record in made:
        validate_parameters({"Findings": [record]}, import_shape)
        assert len(record["Title"]) == 256 and record["Title"].endswith("…")
        assert len(record["Description"]) <= 1024
        assert len(record["Id"]) <= 512
        assert len(record["Compliance"]["RelatedRequirements"]) == 32
        assert record["Types"] == [asff.GENERAL_TYPE]
