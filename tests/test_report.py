"""The HTML report: a new file each run, the columns and evidence an auditor reads, every AWS string escaped."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import pytest

from awsaudit.report_files import reserve
from conftest import AuditRun, details, make_project, report_data, run_audit, twin_text

HOSTILE = '<script>alert("x")</script>'


def rows(run: AuditRun) -> dict[str, dict]:
    return {test_id.split("::")[-1]: results[-1] for test_id, results in report_data(run.report)["tests"].items()}


def test_rows_carry_account_control_title_severity_and_frameworks(offline_audit: AuditRun) -> None:
    row = rows(offline_audit)["test_root_has_no_active_access_keys[noncompliant]"]
    cells = "".join(row["resultsTableRow"])
    for cell in ("noncompliant", "ROOT-1", "Root user has no access keys", "critical",
                 "CIS AWS 3.0 1.4; CIS AWS 5.0 1.3; AWS Security Hub IAM.4; NIST SP 800-53 r5 AC-2(1), AC-3(7), AC-3(15), AC-6, AC-6(2), AC-6(10)"):
        assert f">{cell}</td>" in cells


def test_each_row_opens_to_evidence_and_remediation(offline_audit: AuditRun) -> None:
    opened = details(offline_audit.report)["test_root_not_used_recently[root-used-by-key]"]
    assert "<b>Verdict:</b> failed: root user was used 2.0 days ago" in opened
    assert "<dt>access_key_1_last_used_date</dt>" in opened
    assert "threshold root_unused_days" in opened and ">7<" in opened
    assert "<h4>Remediation</h4>" in opened and "cloudtrail lookup-events" in opened


def test_the_summary_counts_verdicts_per_account(offline_audit: AuditRun) -> None:
    page = offline_audit.report.read_text(encoding="utf-8")
    assert ("<tr><td>noncompliant</td><td>222222222222</td><td>noncompliant-example</td>" in page)
    declared = Counter(tomllib.loads(twin_text("compliant"))["expect"].values())
    counts = "".join(f"<td>{declared[v]}</td>" for v in ("passed", "failed", "error", "waived", "not applicable"))
    assert re.search(rf"<td>compliant</td>(<td>[^<]*</td>){{4}}{counts}</tr>", page)


def test_the_report_is_self_contained(offline_audit: AuditRun) -> None:
    page = offline_audit.report.read_text(encoding="utf-8")
    assert "<style" in page and ".awsaudit-accounts" in page
    assert not re.search(r'<(link|script)[^>]+(href|src)="https?://', page)


@pytest.fixture(scope="module")
def hostile_audit(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """An account whose alias and IAM user name carry markup, as AWS data could."""
    tmp = tmp_path_factory.mktemp("hostile")
    twin = twin_text("noncompliant").replace('alias = "noncompliant-example"', f"alias = '{HOSTILE}'")
    project = make_project(tmp, twins={"hostile.toml": twin})
    return run_audit(tmp, "--offline", cwd=project)


def test_aws_strings_are_escaped_everywhere(hostile_audit: AuditRun) -> None:
    assert hostile_audit.returncode == 1, hostile_audit.output
    data = report_data(hostile_audit.report)
    page = hostile_audit.report.read_text(encoding="utf-8")
    rendered = [page, json.dumps(data["environment"])] + [
        cell for results in data["tests"].values() for result in results
        for cell in result["resultsTableRow"] + [extra["content"] for extra in result["extras"]]]
    assert not any("<script>alert" in text for text in rendered)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_an_earlier_report_is_never_overwritten(tmp_path: Path) -> None:
    first = tmp_path / "reports" / "audit.html"
    assert reserve(first) == first
    assert first.exists() and first.read_text() == ""
    first.write_text("earlier")
    assert reserve(first) == tmp_path / "reports" / "audit-2.html"
    assert reserve(first) == tmp_path / "reports" / "audit-3.html"
    assert first.read_text() == "earlier"


def test_two_runs_with_the_same_html_path_keep_both_reports(tmp_path: Path) -> None:
    args = ("--offline", "--account", "compliant", "-k", "mfa_is_hardware")
    run_audit(tmp_path, *args)
    run_audit(tmp_path, *args)
    assert (tmp_path / "report.html").exists() and (tmp_path / "report-2.html").exists()


LEAKY_CONTROL = '''
from awsaudit import control


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_names_a_key(account):
    """Names an access key id in its failure

    Its message, traceback and captured output must show only the key's last four characters.
    """
    print("found key AKIAIOSFODNN7EXAMPLE")
    key = "AKIAIOSFODNN7EXAMPLE"
    assert not key, f"root key {key} is active"
'''


@pytest.mark.parametrize("tb", ["auto", "short", "long"])
def test_access_key_ids_are_masked_in_every_output_whatever_the_traceback_style(tmp_path: Path, tb: str) -> None:
    project = make_project(tmp_path, twins={"compliant.toml": twin_text("compliant")},
                           checks={"test_leaky.py": LEAKY_CONTROL})
    run = run_audit(tmp_path, "--offline", f"--tb={tb}", "-rA", cwd=project)
    assert run.verdicts == {"test_names_a_key[compliant]": "failed"}, run.output
    written = run.output + run.report.read_text(encoding="utf-8") + run.junit.read_text(encoding="utf-8")
    assert "AKIAIOSFODNN7EXAMPLE" not in written
    assert "root key …MPLE is active" in written


def test_not_applicable_rows_say_so_once(offline_audit: AuditRun) -> None:
    row = rows(offline_audit)["test_root_has_mfa[no-root-password]"]
    assert row["resultsTableRow"][0] == '<td class="col-result">Not applicable</td>'
    opened = details(offline_audit.report)["test_root_has_mfa[no-root-password]"]
    assert "<b>Verdict:</b> not applicable: the credential report shows no root password" in opened
    assert "not applicable: not applicable" not in opened
    assert "awsaudit/controls.py" not in row["log"]


def test_a_static_summary_page_lists_accounts_and_every_failure(offline_audit: AuditRun) -> None:
    """It opens at once for any number of accounts: no script, the account table, each failure, a link to the rest."""
    page = offline_audit.report.with_name("report-summary.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<tr><td>noncompliant</td><td>222222222222</td><td>noncompliant-example</td>" in page
    failures = sum(1 for verdict in offline_audit.verdicts.values() if verdict in ("failed", "error"))
    assert f"<h2>Failures and errors ({failures})</h2>" in page
    assert "<li><b>noncompliant</b> FAILED ROOT-5 Root user has MFA enabled: root user MFA is not enabled" in page
    assert '<a href="report.html">' in page
