"""Every verdict is visible in the HTML report, under its own label and filter box, as a browser draws it; and the
summary page lists the waived and not-applicable results with their reasons.

pytest-html draws its results table with a script, so what its data holds is not what a reader sees: the browser
tests open the report in headless Chromium and read the rows it drew.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections import Counter
from html import unescape
from pathlib import Path

import pytest

from conftest import ROOT_CHECKS, AuditRun, make_project, report_data, run_audit, without_resources

LABELS = {"passed": "Passed", "failed": "Failed", "error": "Error", "waived": "Waived",
          "not applicable": "Not applicable"}
# pytest-html's script shows, counts and filters a row only under one of these.
FILTERS = {"passed", "failed", "error", "skipped", "xfailed", "xpassed", "rerun"}

# A control whose body calls AWS: the error pytest counts as failed must read and filter as Error.
ERRING = '''
from awsaudit import control


@control("X-1", severity="high", frameworks={}, remediation="none")
def test_reads_a_role_in_its_body(account):
    """Reads a role that does not exist, in its body

    An AWS error in the body is no evidence of non-compliance.
    """
    account.client("iam").get_role(RoleName="no-such-role")
'''

WAIVERS = '''
[[waiver]]
control = "ROOT-5"
account = "noncompliant"
justification = "Root MFA device on order (SEC-77)"
expires = 2099-12-31
approved_by = "security team"

[[waiver]]
control = "ROOT-5"
account = "compliant"
justification = "Kept from before the hardware key (SEC-12)"
expires = 2099-06-30
'''


@pytest.fixture(scope="module")
def every_verdict(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """An audit with all six results: passed, failed, error, waived, not applicable, passed despite a waiver."""
    tmp = tmp_path_factory.mktemp("every-verdict")
    project = make_project(tmp, twins={f"{t}.toml": without_resources(t) for t in ("compliant", "noncompliant")},
                           checks={**ROOT_CHECKS, "test_erring.py": ERRING})
    (project / "waivers.toml").write_text(WAIVERS, encoding="utf-8")
    return run_audit(tmp, "--offline", cwd=project)


def expected(run: AuditRun) -> Counter[str]:
    """How many rows of each label the report must show, from the JUnit verdicts."""
    labels = Counter[str]()
    for name, verdict in run.verdicts.items():
        stale = run.properties[name].get("waiver", "").startswith("passed although waived")
        labels["Passed despite a waiver" if verdict == "passed" and stale else LABELS[verdict]] += 1
    return labels


def test_every_row_is_filed_under_an_outcome_the_page_can_show(every_verdict: AuditRun) -> None:
    assert set(expected(every_verdict)) == {*LABELS.values(), "Passed despite a waiver"}, every_verdict.output
    rows = [results[-1] for results in report_data(every_verdict.report)["tests"].values()]
    assert {row["result"] for row in rows} <= FILTERS
    shown = Counter(re.sub(r"<[^>]+>", "", row["resultsTableRow"][0]) for row in rows)
    assert shown == expected(every_verdict)


def test_the_summary_page_lists_waived_and_not_applicable_results_with_why(every_verdict: AuditRun) -> None:
    page = every_verdict.report.with_name("report-summary.html").read_text(encoding="utf-8")
    waived = re.search(r"<h2>Waived \(1\)</h2><ul>(.*?)</ul>", page)
    assert waived, page
    for said in ("noncompliant", "ROOT-5", "Root MFA device on order (SEC-77)", "approved by security team",
                 "until 2099-12-31", "root user MFA is not enabled"):
        assert said in unescape(waived[1])
    stale = re.search(r"<h2>Passed despite a waiver \(1\)</h2><ul>(.*?)</ul>", page)
    assert stale and "the waiver can be removed" in stale[1] and "Kept from before the hardware key" in stale[1]
    not_applicable = re.search(r"<h2>Not applicable \((\d+)\)</h2><ul>(.*?)</ul>", page)
    assert not_applicable and int(not_applicable[1]) == expected(every_verdict)["Not applicable"]
    assert "<li><b>compliant</b> ROOT-4 " in not_applicable[2] and "no active signing certificate" in not_applicable[2]


# -- in a browser -----------------------------------------------------------------------------------------------------

# Appended to a copy of the report: records the rows the page drew, then unticks every filter box but one and records
# the rows again, as a reader clicking them would.
PROBE = """<script>
(() => {
  const rows = () => [...document.querySelectorAll('#results-table tbody.results-table-row')].map(body => ({
    result: body.querySelector('.col-result').textContent, severity: body.querySelector('.col-severity').textContent,
    reason: body.querySelector('.col-reason').textContent}));
  const boxes = Object.fromEntries([...document.querySelectorAll('input[name="filter_checkbox"]')].map(box =>
    [box.dataset.testResult, box.nextElementSibling.textContent.trim()]));
  const top = (id) => document.getElementById(id).getBoundingClientRect().top;
  const seen = {rows: rows(), boxes, auditAbove: top('environment') > top('results-table')};
  document.querySelectorAll('input[name="filter_checkbox"]').forEach(box => {
    if (box.checked && box.dataset.testResult !== 'skipped') box.click();
  });
  seen.filtered = rows();
  document.body.dataset.probe = JSON.stringify(seen);
})();
</script>"""


def chromium() -> str:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium): the report's rows are drawn by "
                    "its script, so only a browser shows which render")
    return browser


def drawn(report: Path, tmp_path: Path) -> dict:
    """What Chromium drew of the report: its rows, filter boxes, layout, and the rows left when only "Not applicable"
    is ticked."""
    probed = tmp_path / "probed.html"
    probed.write_text(report.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, f"the probe did not run: {done.stderr[-2000:]}"
    return json.loads(unescape(found[1]))


def test_the_quick_start_report_draws_every_result(offline_audit: AuditRun, tmp_path: Path) -> None:
    seen = drawn(offline_audit.report, tmp_path)
    wanted = expected(offline_audit)
    assert Counter(row["result"] for row in seen["rows"]) == wanted
    assert seen["boxes"]["skipped"] == f"{wanted['Not applicable']} Not applicable,"
    assert [row["result"] for row in seen["filtered"]] == ["Not applicable"] * wanted["Not applicable"]
    assert all(row["reason"] for row in seen["filtered"])
    assert seen["auditAbove"], "the environment table comes before the results"


def test_each_result_reads_and_filters_under_its_own_label(every_verdict: AuditRun, tmp_path: Path) -> None:
    seen = drawn(every_verdict.report, tmp_path)
    wanted = expected(every_verdict)
    assert Counter(row["result"] for row in seen["rows"]) == wanted
    assert seen["boxes"] == {"passed": f"{wanted['Passed']} Passed,", "failed": f"{wanted['Failed']} Failed,",
                             "skipped": f"{wanted['Not applicable']} Not applicable,",
                             "xfailed": "1 Waived,", "xpassed": "1 Passed despite a waiver,",
                             "error": f"{wanted['Error']} Error,", "rerun": "0 Rerun", "retried": "0 Retried,"}
    waived = next(row for row in seen["rows"] if row["result"] == "Waived")
    assert "Root MFA device on order (SEC-77)" in waived["reason"] and "approved by security team" in waived["reason"]
    # Errors first, then failures most severe first.
    order = [row["result"] for row in seen["rows"]]
    assert order[:wanted["Error"] + wanted["Failed"]] == ["Error"] * wanted["Error"] + ["Failed"] * wanted["Failed"]
    severities = [row["severity"] for row in seen["rows"] if row["result"] == "Failed"]
    assert severities == sorted(severities, key=["critical", "high", "medium", "low"].index)
    assert Counter(row["result"] for row in seen["filtered"]) == {"Not applicable": wanted["Not applicable"]}
