"""The HTML report: a new file each run, the columns and evidence an auditor reads, every AWS string escaped."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from awsaudit import catalog
from awsaudit.outputs.report_files import reserve
from awsaudit.scope import Scope, command_line
from conftest import LONE, REPO, AuditRun, details, make_project, report_data, run_audit, twin_text, without_resources

HOSTILE = '<script>alert("x")</script>'


def rows(run: AuditRun) -> dict[str, dict]:
    return {test_id.split("::")[-1]: results[-1] for test_id, results in report_data(run.report)["tests"].items()}


def test_rows_carry_account_control_title_severity_and_frameworks(offline_audit: AuditRun) -> None:
    row = rows(offline_audit)["test_root_has_no_active_access_keys[noncompliant]"]
    cells = "".join(row["resultsTableRow"])
    for cell in ("noncompliant", "ROOT-1", "Root user has no access keys", "critical",
                 "CIS AWS 3.0 1.4; CIS AWS 5.0 1.3; CIS AWS 6.0 2.3; CIS AWS 7.0 2.4; AWS Security Hub IAM.4; NIST SP 800-53 r5 AC-2(1), AC-3(7), AC-3(15), AC-6, AC-6(2), AC-6(10)"):
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
    twin = without_resources("noncompliant").replace('alias = "noncompliant-example"', f"alias = '{HOSTILE}'")
    assert HOSTILE in twin
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
    project = make_project(tmp_path, twins=LONE)
    args = ("--offline", "--account", "lone", "-k", "mfa_is_hardware")
    run_audit(tmp_path, *args, cwd=project)
    run_audit(tmp_path, *args, cwd=project)
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
    project = make_project(tmp_path, twins=LONE, checks={"test_leaky.py": LEAKY_CONTROL})
    run = run_audit(tmp_path, "--offline", f"--tb={tb}", "-rA", cwd=project)
    assert run.verdicts == {"test_names_a_key[lone]": "failed"}, run.output
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


def test_rows_show_the_one_line_reason_and_failures_sort_most_severe_first(offline_audit: AuditRun) -> None:
    row = rows(offline_audit)["test_root_has_mfa[noncompliant]"]
    assert '<td class="col-reason">root user MFA is not enabled: mfa_active = false, AccountMFAEnabled = 0</td>' \
           in row["resultsTableRow"]
    failed = [row["severity"] for row in rows(offline_audit).values() if row["result"] == "failed"]
    assert failed == sorted(failed, key=["critical", "high", "medium", "low"].index)
    assert len(set(failed)) > 1


def test_the_summary_page_rolls_results_up_per_control(offline_audit: AuditRun) -> None:
    page = offline_audit.report.with_name("report-summary.html").read_text(encoding="utf-8")
    counts = Counter(verdict for name, verdict in offline_audit.verdicts.items() if name.startswith("test_root_has_mfa["))
    cells = "".join(f"<td>{counts[v]}</td>" for v in ("passed", "failed", "error", "waived", "not applicable"))
    assert f"<tr><td>ROOT-5</td><td>Root user has MFA enabled</td><td>critical</td>{cells}</tr>" in page
    assert page.index("<td>ROOT-5</td>") < page.index("<td>IAM-3</td>")  # critical before high


# -- every report says what it covers ----------------------------------------------------------------------------------

CONTROLS = catalog.read(REPO / "checks").controls
CRITICAL = [control for control in CONTROLS if control.severity == "critical"]
TWINS = sorted((REPO / "fixtures").glob("*.toml"))


def test_a_full_audit_says_it_ran_every_control(offline_audit: AuditRun) -> None:
    total = len(CONTROLS)
    ran = f"{total} of {total} controls ran on {len(TWINS)} accounts ({total * len(TWINS)} results)"
    assert f"coverage: {ran}" in offline_audit.output and "PARTIAL" not in offline_audit.output
    for page in (offline_audit.report, offline_audit.report.with_name("report-summary.html")):
        text = page.read_text(encoding="utf-8")
        assert f"<th>Coverage</th><td>{ran}</td>" in text and "PARTIAL" not in text
        assert "<th>Selection</th><td>every control" in text and "<th>Accounts left out</th><td>none</td>" in text


def test_a_selection_says_it_is_partial_in_every_report_under_xdist_too(tmp_path: Path) -> None:
    """Two edge twins of three regions: virtual-mfa fails ROOT-6, a critical control."""
    run = run_audit(tmp_path, "--offline", "--account", "root-used-by-key,virtual-mfa", "-m", "critical", "-n", "2")
    kept, total = len(CRITICAL), len(CONTROLS)
    ran = f"{kept} of {total} controls ran on 2 accounts ({2 * kept} results)"
    partial = (f"PARTIAL: the selection (-m critical) kept {kept} of the {total} controls; this report does not cover "
               f"the other {total - kept}")
    command = f"pytest -p no:cacheprovider --html={run.report} --junitxml={run.junit} --offline --account " \
              "root-used-by-key,virtual-mfa -m critical -n 2"
    assert run.returncode == 1, run.output
    assert partial in run.output and f"coverage: {ran}" in run.output and f"command: {command}" in run.output
    assert "accounts left out: none" in run.output
    for page in (run.report, run.report.with_name("report-summary.html")):
        text = page.read_text(encoding="utf-8")
        assert f'<p class="awsaudit-incomplete">{partial}</p>' in text
        assert f"<th>Coverage</th><td>{ran}</td>" in text and "<th>Selection</th><td>-m critical</td>" in text
        assert f"<th>Command</th><td>{command}</td>" in text
    suite = {p.get("name"): p.get("value") for p in ET.parse(run.junit).getroot().find("testsuite/properties")}
    assert suite == {"command": command, "selection": "-m critical", "coverage": ran, "accounts_left_out": "none",
                     "regions": "every enabled region", "warning": partial}


def test_the_command_line_shows_no_secret() -> None:
    shown = command_line(["--offline", "-o", "aws_secret_access_key=abc", "--password", "hunter2", "-k",
                          "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "--html=my report.html"])
    assert shown == ("pytest --offline -o aws_secret_access_key=[hidden] --password [hidden] -k '…MPLE' [hidden] "
                     "'--html=my report.html'")


def test_the_command_line_keeps_a_long_path() -> None:
    path = "--html=/home/auditor/reports/quarterlyaudit/production/report.html"
    assert command_line([path]) == f"pytest {path}"


def test_accounts_left_out_are_named_with_why() -> None:
    scope = Scope("pytest", "every control", 2, 2, 2, 1, 2, ("Sandbox (444455556666): SUSPENDED",))
    assert dict(scope.lines())["Accounts left out"] == "Sandbox (444455556666): SUSPENDED"
    assert scope.partial == ""


# -- a run that audited nothing writes nothing -------------------------------------------------------------------------

@pytest.mark.parametrize(("args", "code"), [(("-k", "(("), 4), (("-k", "nosuchcontrol"), 5)])
def test_a_usage_error_or_an_empty_selection_writes_no_report(tmp_path: Path, args: tuple[str, ...], code: int) -> None:
    folder = tmp_path / "reports"
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--offline",
                           "--account", "virtual-mfa", f"--html={folder / 'x.html'}", *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == code, done.stdout + done.stderr
    assert not list(folder.glob("*")) and "Generated html report" not in done.stdout
