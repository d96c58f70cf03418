"""The HTML report: pytest-html's page made to read as an audit, and the static summary page beside it.

pytest-html 4 files each row under one of pytest's outcomes (passed, failed, skipped, error, xfailed, xpassed, rerun),
and its script shows, counts and filters rows by those names alone: a row filed under any other name never renders.
So every row is filed under the outcome that matches its verdict, and only its label speaks the audit's words: an
exception in a control's body, which pytest counts as failed, is filed as an error; a skip reads "Not applicable",
an xfail "Waived", an xpass "Passed despite a waiver". Beyond its hooks, this relies on pytest-html's ReportData
(outcomes, add_test, the rows' data) and on how it writes the report.
"""

from __future__ import annotations

from html import escape
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

import pytest
from pytest_html.basereport import BaseReport
from pytest_metadata.plugin import metadata_key

from awsaudit import framework_view
from awsaudit.outputs import summary_page
from awsaudit.outputs.html_rows import Rows
from awsaudit.outputs.report_files import replace, reserve, writable, write_nothing
from awsaudit.results import result_of

if TYPE_CHECKING:
    from awsaudit.results import ResultLog

# pytest-html's outcome -> the label its rows, filter boxes and counts read.
LABELS = {"passed": "Passed", "failed": "Failed", "error": "Error", "skipped": "Not applicable", "xfailed": "Waived",
          "xpassed": "Passed despite a waiver", "rerun": "Rerun"}
# The columns awsaudit adds to the results table: (CSS key, heading, sortable, the user property shown, or "reason").
_COLUMNS = (("account", "Account", True, "account"), ("control", "Control", True, "control_id"),
            ("title", "Title", False, "title"), ("severity", "Severity", True, "severity"),
            ("reason", "Reason", False, "reason"), ("frameworks", "Frameworks", False, "frameworks"))
# Exit codes of runs that audited nothing: they leave no report to be mistaken for an audit.
_NOTHING_AUDITED = (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED)


def category(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The pytest-html outcome a report's row is filed, counted and filtered under."""
    said = dict(getattr(report, "user_properties", ())).get("verdict")
    if report.failed and (report.when != "call" or said == "error"):
        return "error"
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    return report.outcome


class HtmlReport:
    """The HTML outputs of one run, from the run's results; registered where the report is written."""

    def __init__(self, results: ResultLog) -> None:
        config = results.config
        self.results = results
        self.html: BaseReport | None = None
        self.rows: Rows | None = None
        self.reserved: Path | None = None
        self.summary: Path | None = None
        chosen = config.getoption("htmlpath", None) or str(
            config.rootpath / "reports" / f"audit-{results.started:%Y%m%dT%H%M%SZ}.html")
        self.reserved = reserve(writable(Path(chosen).expanduser().absolute(), "--html", "audit.html"))
        config.option.htmlpath = str(self.reserved)
        config.option.self_contained_html = True
        config.option.css = [*(config.getoption("css", None) or []), str(Path(__file__).with_name("report.css"))]

    @staticmethod
    def wanted(config: pytest.Config) -> bool:
        """Every run that audits writes the report (to reports/ unless --html names a file); --co only if asked."""
        return bool(config.getoption("htmlpath", None) or not config.option.collectonly)

    def pytest_unconfigure(self) -> None:
        """A run that ended before writing its report leaves no empty file behind."""
        if self.rows is not None:
            self.rows.close()
        if self.reserved and self.reserved.exists() and not self.reserved.stat().st_size:
            self.reserved.unlink()

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """File pytest-html's rows by verdict; fill its environment table (escaped: it is HTML)."""
        config = session.config
        self.html = next((p for p in config.pluginmanager.get_plugins() if isinstance(p, BaseReport)), None)
        if self.html is None:
            return
        self.rows = Rows(self.html)
        data = self.html._report
        for outcome, label in LABELS.items():
            data.outcomes[outcome]["label"] = label
        add_test = data.add_test

        def filed(row: dict[str, Any], report: Any, outcome: str, logs: list[str]) -> None:
            # The row's result cell holds its label; its data names the outcome the page's script filters by.
            row["result"] = category(report)
            add_test(row, report, row["result"], logs)

        data.add_test = filed
        # pytest-html's own line counts passes and failures only: 147 "tests" of 198 results.
        self.html._run_count = lambda: (  # type: ignore[method-assign]
            f"{sum(o['value'] for o in data.outcomes.values())} results in {data.total_duration:.1f} s.")
        results = self.results
        metadata = config.stash[metadata_key]
        metadata["awsaudit"] = escape(results.version)
        metadata["Audit started (UTC)"] = results.started.isoformat()
        metadata["Run by"] = escape(results.run_by)
        metadata["AWS libraries"] = {name: version(name) for name in ("boto3", "botocore", "moto")}
        metadata["Accounts from"] = ("offline twins (fixtures/, served by moto)" if results.offline
                                     else "AWS profiles")
        metadata["Thresholds"] = {escape(k): v for k, v in results.thresholds.items()}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Iterator[None]:
        """Once pytest-html has made a test's rows (at its teardown report), they leave memory for disk."""
        yield
        if report.when == "teardown" and self.rows is not None:
            self.rows.filed(report.nodeid)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"AWS audit {self.results.started:%Y-%m-%d %H:%M:%S} UTC"

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        ours = [f'<th class="sortable" data-column-type="{key}">{label}</th>' if sortable else f"<th>{label}</th>"
                for key, label, sortable, _ in _COLUMNS]
        cells[:] = [cells[0], *ours, *cells[1:]]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        props = dict(getattr(report, "user_properties", []))
        result = result_of(report)
        shown = {**props, "reason": result.reason if result is not None else ""}
        ours = [f'<td class="col-{key}">{escape(str(shown.get(source, "")))}</td>' for key, _, _, source in _COLUMNS]
        cells[:] = [f'<td class="col-result">{LABELS[category(report)]}</td>', *ours, *cells[1:]]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: pytest.Session) -> None:
        """The first screen: what the run covers, then each account's tallies."""
        results = self.results
        head, rows = results.account_rows()
        prefix += [f'<p class="awsaudit-incomplete">{escape(banner)}</p>' for banner in results.banners()]
        if self.summary is not None:  # the page to open first: static, it opens at once for any number of accounts
            prefix.append(f'<p class="awsaudit-front-door">The summary page opens at once for any number of accounts: '
                          f'<a href="{escape(self.summary.name)}">{escape(self.summary.name)}</a>. This page draws '
                          f"its {len(results.results)} results with a script, which takes a while for many.</p>")
        prefix.append(
            f"<h2>Audit</h2>{summary_page.facts(results.facts())}{summary_page.table(head, rows, 'awsaudit-accounts')}"
            "<p>Each result below opens to its evidence and remediation.</p>"
        )
        if results.framework is not None:
            prefix.append(framework_view.to_html(results.framework, results.framework_rows(),
                                                 list(results.tallies())))

    def pytest_awsaudit_finish(self, log: ResultLog, exitstatus: int) -> None:
        """At the end of the session, before pytest-html writes: a run that audited nothing writes no file; any
        other writes the summary page (the rows are ordered most severe first as they are written: html_rows.py)."""
        if self.html is None or self.reserved is None:
            return
        if exitstatus in _NOTHING_AUDITED:
            write_nothing(self.html)
            self.results.config.pluginmanager.unregister(self.html)  # nor says it wrote one
            return
        if self.results.results:
            self._write_summary_page(self.reserved)

    def _write_summary_page(self, report: Path) -> None:
        page = self.summary = reserve(report.with_name(f"{report.stem}-summary{report.suffix}"))
        head, rows = self.results.account_rows()
        css = Path(__file__).with_name("report.css").read_text(encoding="utf-8")
        results = self.results
        framework = ("" if results.framework is None else
                     framework_view.to_html(results.framework, results.framework_rows(), list(results.tallies())))
        replace(page, summary_page.render(results.started, report, results.banners(), results.facts(), head, rows,
                                          list(results.results.values()), css, framework))

    def front_door(self) -> str:
        """The console's last line: the summary page to open first, then the full report; "" when none was written."""
        if self.summary is None or self.reserved is None:
            return ""
        return (f"Open first: {self.summary.as_uri()} (the summary page; every result with its evidence: "
                f"{self.reserved.as_uri()})")
