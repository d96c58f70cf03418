"""--ocsf: every resource judged as one OCSF 1.5.0 Compliance Finding, validated with py-ocsf-models."""

from __future__ import annotations

import json
import re
from collections import Counter
import time
from pathlib import Path
from typing import Any

import pytest
from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud

from awsaudit import __version__
from awsaudit.findings import Finding, Resource
from awsaudit.outputs import ocsf
from awsaudit.results import Result
from conftest import AuditRun, make_project, run_audit, twin_text

# OCSF 1.5.0 has these, but the library's ComplianceFinding does not model them: the cloud profile's `cloud` (checked
# with the library's Cloud), and the compliance object's `status` and `status_details` (checked here).
NOT_MODELLED = {"cloud", "compliance.status", "compliance.status_details"}
CAPTIONS = {1: "Pass", 3: "Fail", 99: {"Error", "Not Applicable"}}
ACCESS_KEY_ID = re.compile(r"(?:AKIA|ASIA)[A-Z0-9]{16}")

def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def audit(main_twins_audit: AuditRun) -> tuple[AuditRun, list[dict], list[dict], Path]:
    """The two main twins (one in an organization) audited once, with a waiver, writing both --results and --ocsf."""
    path = main_twins_audit.report.parent / "findings.ocsf.jsonl"
    assert main_twins_audit.returncode == 1, main_twins_audit.output
    return main_twins_audit, lines(path), lines(path.with_name("results.jsonl")), path


def modelled(record: Any, back: Any, where: str = "") -> set[str]:
    """The attributes of `record` the library's model dropped or changed."""
    if isinstance(record, dict):
        return {f"{where}{key}" for key in record if key not in back} | {
            lost for key in record if key in back for lost in modelled(record[key], back[key], f"{where}{key}.")}
    if isinstance(record, list):
        return {lost for one, other in zip(record, back) for lost in modelled(one, other, where)}
    return set() if record == back else {where.rstrip(".")}


def validate(record: dict[str, Any]) -> None:
    back = ComplianceFinding.model_validate(record).model_dump(mode="json", exclude_unset=True)
    assert modelled(record, back) <= NOT_MODELLED, record
    Cloud.model_validate(record["cloud"])
    compliance = record["compliance"]
    caption = CAPTIONS[compliance["status_id"]]
    assert compliance["status"] in caption if isinstance(caption, set) else compliance["status"] == caption
    assert all(isinstance(detail, str) and detail for detail in compliance.get("status_details", []))


def test_every_line_is_an_ocsf_compliance_finding(audit: tuple[AuditRun, list, list, Path]) -> None:
    _, written, _, _ = audit
    for record in written:
        validate(record)
        assert (record["class_uid"], record["category_uid"], record["activity_id"], record["type_uid"]) == \
               (2003, 2, 1, 200301)
        assert record["metadata"]["version"] == OCSF_VERSION == "1.5.0"
        assert record["metadata"]["product"] == {"name": "awsaudit", "vendor_name": "awsaudit", "version": __version__}
        assert record["cloud"]["provider"] == "AWS" and record["cloud"]["region"]


def test_one_record_per_resource_judged_or_per_result_without_any(audit: tuple[AuditRun, list, list, Path]) -> None:
    _, written, results, _ = audit
    expected = Counter({(r["control"], r["account"]): max(1, len(r["findings"])) for r in results})
    got = Counter((r["finding_info"]["analytic"]["uid"], r["cloud"]["account"]["name"]) for r in written)
    assert got == expected
    assert len(written) == sum(expected.values()) > len(results) > 100
    assert len({record["finding_info"]["uid"] for record in written}) == len(written)


def test_a_record_carries_the_control_the_account_and_the_resource(audit: tuple[AuditRun, list, list, Path]) -> None:
    _, written, results, _ = audit
    mfa = [r for r in written if r["finding_info"]["analytic"]["uid"] == "IAM-3"
           and r["cloud"]["account"]["name"] == "noncompliant"]
    assert len(mfa) == 1
    record = mfa[0]
    assert record["resources"] == [{"uid": "arn:aws:iam::222222222222:user/bob", "name": "bob",
                                    "type": "AWS::IAM::User", "cloud_partition": "aws"}]
    assert record["cloud"]["account"] == {"uid": "222222222222", "name": "noncompliant", "type_id": 10,
                                          "type": "AWS Account"}
    assert record["message"] == "bob: no MFA device"
    assert (record["compliance"]["status_id"], record["severity_id"], record["severity"]) == (3, 3, "Medium")
    assert "CIS Amazon Web Services Foundations Benchmark v5.0.0" in record["compliance"]["standards"]
    assert "CIS AWS 5.0 1.9" in record["compliance"]["requirements"]
    assert record["compliance"]["control"].startswith("IAM-3: ")
    assert record["remediation"]["desc"] and record["finding_info"]["desc"]
    assert {r["time"] for r in written} == {record["time"]}  # the audit's start, in epoch milliseconds
    assert record["time"] % 1000 == 0 and abs(record["time"] / 1000 - time.time()) < 600
    root = [r for r in written if r["finding_info"]["analytic"]["uid"] == "ROOT-5"
            and r["cloud"]["account"]["name"] == "noncompliant"][0]
    assert root["resources"] == [{"uid": "222222222222", "name": "noncompliant", "type": "AWS::::Account"}]
    assert root["cloud"]["region"] == "us-east-1"
    assert any(r["cloud"].get("org", {}).get("uid", "").startswith("o-") for r in written)


def test_verdicts_map_to_compliance_status(audit: tuple[AuditRun, list, list, Path]) -> None:
    _, written, _, _ = audit
    by_verdict: dict[str, set] = {}
    for record in written:
        own = record["unmapped"]["awsaudit"]
        by_verdict.setdefault(own["verdict"], set()).add(
            (record["compliance"]["status_id"], record["compliance"]["status"], record["status_id"]))
    assert by_verdict["passed"] == {(1, "Pass", 1)}
    assert by_verdict["not applicable"] == {(99, "Not Applicable", 1)}
    assert (3, "Fail", 1) in by_verdict["failed"]
    assert by_verdict["waived"] == {(3, "Fail", 3)}
    waived = [r for r in written if r["unmapped"]["awsaudit"]["verdict"] == "waived"]
    assert [r["status"] for r in waived] == ["Suppressed"]
    assert "CI user until the OIDC role replaces it" in waived[0]["status_detail"]
    assert waived[0]["compliance"]["status_details"] == [waived[0]["status_detail"]]


def test_a_resource_passing_a_failed_control_is_a_pass(audit: tuple[AuditRun, list, list, Path]) -> None:
    _, written, _, _ = audit
    regions = [r for r in written if r["finding_info"]["analytic"]["uid"] == "IAM-12"
               and r["unmapped"]["awsaudit"]["verdict"] == "failed"]
    statuses = Counter(r["compliance"]["status"] for r in regions)
    assert statuses["Fail"] and statuses["Pass"]


def test_uids_are_stable_across_runs(audit: tuple[AuditRun, list, list, Path]) -> None:
    """The uid hashes control, account, region and resource, not the time: a second audit gives the same ones."""
    _, written, results, _ = audit
    again = [record for result in results
             for record in ocsf.records(Result.from_json(result), None, 0, "eu-west-1")]
    assert [r["finding_info"]["uid"] for r in again] == [r["finding_info"]["uid"] for r in written]
    assert ocsf.finding_uid("IAM-3", "222222222222", "", "arn:aws:iam::222222222222:user/bob") == \
           ocsf.finding_uid("IAM-3", "222222222222", "", "arn:aws:iam::222222222222:user/bob") != \
           ocsf.finding_uid("IAM-3", "111111111111", "", "arn:aws:iam::222222222222:user/bob")


def test_no_access_key_id_is_written_unmasked(audit: tuple[AuditRun, list, list, Path]) -> None:
    _, _, _, path = audit
    assert not ACCESS_KEY_ID.search(path.read_text(encoding="utf-8"))


RESULT = Result("prod", "IAM-3", "Console users have MFA", "high", "failed", "1 of 2 IAM users fail: bob (no MFA)",
                account_id="123456789012", frameworks=("CIS AWS 5.0 1.9",),
                findings=(Finding(Resource("arn:aws:iam::123456789012:user/bob", "AWS::IAM::User", "", "bob"),
                                  "failed", "no MFA"),
                          Finding(Resource("arn:aws:iam::123456789012:user/amy", "AWS::IAM::User", "", "amy"),
                                  "passed")))


@pytest.mark.parametrize(("verdict", "waiver", "expected"), [
    ("passed", "", [(1, "Pass", 1), (1, "Pass", 1)]),
    ("failed", "", [(3, "Fail", 1), (1, "Pass", 1)]),
    ("waived", "waived by waiver 1", [(3, "Fail", 3), (1, "Pass", 1)]),
    ("error", "", [(99, "Error", 1), (99, "Error", 1)]),
    ("not applicable", "", [(99, "Not Applicable", 1)]),
])
def test_each_verdict_maps_to_one_status(verdict: str, waiver: str, expected: list) -> None:
    findings = () if verdict == "not applicable" else RESULT.findings
    if verdict == "passed":
        findings = tuple(Finding(found.resource, "passed") for found in findings)
    result = Result(**{**RESULT.to_json(), "verdict": verdict, "waiver": waiver, "findings": findings})
    made = ocsf.records(result, None, 1_700_000_000_000, "eu-west-1")
    assert [(r["compliance"]["status_id"], r["compliance"]["status"], r["status_id"]) for r in made] == expected
    for record in made:
        validate(record)
    if verdict in ("error", "not applicable"):
        assert made[0]["compliance"]["status_details"] == [RESULT.reason]


def test_a_failure_no_resource_accounts_for_fails_every_record() -> None:
    passing = tuple(Finding(found.resource, "passed") for found in RESULT.findings)
    made = ocsf.records(Result(**{**RESULT.to_json(), "findings": passing}), None, 0)
    assert [r["compliance"]["status"] for r in made] == ["Fail", "Fail"]


LEAKY = '''
from awsaudit import control
from awsaudit.findings import Resource


@control("X-1", severity="critical", frameworks={"CIS AWS 5.0": "1.4"}, remediation="Delete the key.")
def test_names_a_key(account, findings):
    """Names an access key id in its evidence, resource and failure"""
    key = "AKIAIOSFODNN7EXAMPLE"
    findings.evidence["key"] = key
    findings.judge("access keys", [Resource(f"arn:aws:iam::111111111111:user/{key}", "AWS::IAM::User", "", key)],
                   {key: f"{key} is active"})


@control("X-2", severity="low", frameworks={}, remediation="none")
def test_cannot_read(account):
    """Cannot read its data"""
    raise RuntimeError("cannot read AKIAIOSFODNN7EXAMPLE")
'''


def test_errors_and_key_ids_in_a_real_run(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins={"compliant.toml": twin_text("compliant")}, checks={"test_leaky.py": LEAKY})
    path = tmp_path / "findings.ocsf.jsonl"
    run = run_audit(tmp_path, "--offline", f"--ocsf={path}", cwd=project)
    assert run.verdicts == {"test_names_a_key[compliant]": "failed", "test_cannot_read[compliant]": "error"}, \
        run.output
    text = path.read_text(encoding="utf-8")
    assert "AKIAIOSFODNN7EXAMPLE" not in text and "…MPLE" in text
    written = {record["finding_info"]["analytic"]["uid"]: record for record in lines(path)}
    for record in written.values():
        validate(record)
    assert (written["X-1"]["compliance"]["status_id"], written["X-1"]["severity_id"]) == (3, 5)
    assert written["X-2"]["compliance"]["status"] == "Error"
    assert written["X-2"]["compliance"]["status_details"] == [written["X-2"]["unmapped"]["awsaudit"]["reason"]]
