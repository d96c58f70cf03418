"""The console reads at a glance: each control failure once, as awsaudit's one-line reason; pytest's own failure
sections only when asked for, except the traceback of a bug in a control."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import LONE, AuditRun, make_project, run_audit


def awsaudit_lines(run: AuditRun) -> list[str]:
    """The line awsaudit's summary gives each failure of the run: the JUnit failure's message is its reason."""
    lines = []
    for case in ET.parse(run.junit).iter("testcase"):
        props = {p.get("name"): p.get("value") for p in case.iter("property")}
        lines += [f"    FAILED {props['control_id']} {props['title']}: {failure.get('message')}"
                  for failure in case.iter("failure")]
    return lines


def test_each_failure_is_said_once(offline_audit: AuditRun) -> None:
    printed = offline_audit.output.splitlines()
    said = awsaudit_lines(offline_audit)
    assert len(said) > 50, offline_audit.output
    for line in said:
        reason = line.split(": ", 1)[1]
        assert sum(reason in out for out in printed) == sum(reason in other for other in said), reason


def test_the_console_is_short(offline_audit: AuditRun) -> None:
    """About a line per failure and per account, not three per failure and one per control file and account."""
    accounts = {props["account"] for props in offline_audit.properties.values()}
    progress = -(-len(offline_audit.verdicts) // 72)  # pytest's own progress lines, 72 results a line
    assert len(offline_audit.output.splitlines()) <= len(awsaudit_lines(offline_audit)) + len(accounts) + progress + 30


BUGGY = '''
from awsaudit import control


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_has_a_bug(account):
    """Divides by zero

    A bug in a control: its reader needs the traceback.
    """
    assert 1 / 0


@control("X-2", severity="low", frameworks={}, remediation="none")
def test_fails(account):
    """Always fails

    Its reason is all a reader needs.
    """
    assert False, "the account is out of policy"
'''


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The controls above on one account, `compliant`: they read none of its data, so it is the twin that costs
    least to serve."""
    return make_project(tmp_path, twins={"compliant.toml": LONE["lone.toml"]}, checks={"test_x.py": BUGGY})


def test_a_bug_in_a_control_keeps_its_traceback(tmp_path: Path, project: Path) -> None:
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.verdicts == {"test_has_a_bug[compliant]": "error", "test_fails[compliant]": "failed"}, run.output
    assert "E       ZeroDivisionError: division by zero" in run.output and ">       assert 1 / 0" in run.output
    assert run.output.count("the account is out of policy") == 1, run.output


@pytest.mark.parametrize("asked", ["--tb=short", "-v"])
def test_pytest_failure_sections_come_back_when_asked(tmp_path: Path, project: Path, asked: str) -> None:
    run = run_audit(tmp_path, "--offline", asked, cwd=project)
    assert "__ test_fails[compliant] __" in run.output, run.output
    assert "FAILED checks/test_x.py::test_fails[compliant]" in run.output
