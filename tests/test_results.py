"""--results: every result as one JSON line, the record every output is built from, with each resource judged."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import LONE, REPO, AuditRun, make_project, run_audit


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def results(main_twins_audit: AuditRun) -> tuple[AuditRun, Path]:
    return main_twins_audit, main_twins_audit.report.parent / "results.jsonl"


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
    project = make_project(tmp_path, twins=LONE)
    run = run_audit(tmp_path, "--offline", "--account", "lone", "--control", "ROOT-1", f"--results={path}", cwd=project)
    assert run.returncode == 0, run.output
    assert path.read_text(encoding="utf-8") == "earlier\n"
    assert [record["control"] for record in lines(tmp_path / "results-2.jsonl")] == ["ROOT-1"]


def test_a_run_that_audits_nothing_writes_no_results_file(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    project = make_project(tmp_path, twins=LONE)
    run = run_audit(tmp_path, "--offline", "-k", "nosuchcontrol", f"--results={path}", cwd=project)
    assert run.returncode == 5, run.output
    assert not path.exists()


@pytest.mark.parametrize(("option", "message"), [
    ("--results={folder}", "--results={folder} is a folder: give a file name, e.g. --results={folder}/results.jsonl"),
    ("--html={folder}", "--html={folder} is a folder: give a file name, e.g. --html={folder}/audit.html"),
    ("--results=/proc/awsaudit-none/results.jsonl",
     "--results=/proc/awsaudit-none/results.jsonl: its folder cannot be made"),
])
def test_an_output_path_that_cannot_be_written_is_a_usage_error(tmp_path: Path, option: str, message: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--offline", option.format(folder=folder)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stdout + done.stderr
    assert f"ERROR: {message.format(folder=folder)}" in done.stdout + done.stderr
    assert "Traceback" not in done.stdout + done.stderr
    assert list(folder.iterdir()) == []


FAILS_THEN_ERRORS = '''
import pytest

from awsaudit import control


@pytest.fixture
def breaks_on_teardown(account):
    yield account
    raise RuntimeError("cleanup broke")


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_fails_then_errors(breaks_on_teardown):
    """Fails, then its fixture errors in teardown

    Both must be told.
    """
    assert False, "not compliant"
'''


def test_a_failure_then_an_error_in_teardown_is_one_result_that_says_both(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins=LONE, checks={"test_x.py": FAILS_THEN_ERRORS})
    path = tmp_path / "results.jsonl"
    run = run_audit(tmp_path, "--offline", "--account", "lone", f"--results={path}", cwd=project)
    [record] = lines(path)
    assert record["verdict"] == "failed", record
    assert record["reason"].startswith("not compliant; teardown: "), record
    assert "RuntimeError" in record["reason"] or "cleanup broke" in record["reason"], record
    assert "lone (100000000001): 0 passed, 1 failed, 0 errors" in run.output
