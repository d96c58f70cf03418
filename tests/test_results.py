"""--results: every result as one JSON line, the record every output is built from, with each resource judged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import AuditRun, run_audit


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[AuditRun, Path]:
    tmp = tmp_path_factory.mktemp("results")
    path = tmp / "results.jsonl"
    return run_audit(tmp, "--offline", "--account", "compliant,noncompliant", f"--results={path}", "-n", "2"), path


def test_one_line_per_result_with_the_verdict_junit_gives(results: tuple[AuditRun, Path]) -> None:
    run, path = results
    written = lines(path)
    assert {record["test"].split("::")[-1]: record["verdict"] for record in written} == run.verdicts
    assert len(written) == len(run.verdicts) > 40
    first = written[0]
    assert set(first) >= {"account", "account_id", "control", "title", "severity", "frameworks", "verdict", "reason",
                          "waiver", "evidence", "findings"}


def test_each_resource_judged_is_a_finding_with_its_arn(results: tuple[AuditRun, Path]) -> None:
    _, path = results
    by_test = {record["test"].split("::")[-1]: record for record in lines(path)}
    mfa = by_test["test_console_users_have_mfa[noncompliant]"]
    assert mfa["account_id"] == "222222222222" and "CIS AWS 5.0 1.9" in mfa["frameworks"]
    assert mfa["findings"] == [{"resource": {"id": "arn:aws:iam::222222222222:user/bob", "type": "AWS::IAM::User",
                                             "region": "", "name": "bob"}, "status": "failed",
                                "reason": "no MFA device"}]
    regions = by_test["test_access_analyzer_in_every_region[compliant]"]["findings"]
    assert len(regions) == 17 and {finding["status"] for finding in regions} == {"passed"}


def test_an_earlier_results_file_is_kept(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text("earlier\n", encoding="utf-8")
    run = run_audit(tmp_path, "--offline", "--account", "compliant", "--control", "ROOT-1", f"--results={path}")
    assert run.returncode == 0, run.output
    assert path.read_text(encoding="utf-8") == "earlier\n"
    assert [record["control"] for record in lines(tmp_path / "results-2.jsonl")] == ["ROOT-1"]


def test_a_run_that_audits_nothing_writes_no_results_file(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    run = run_audit(tmp_path, "--offline", "-k", "nosuchcontrol", f"--results={path}")
    assert run.returncode == 5, run.output
    assert not path.exists()
