"""What a run leaves behind: the HTML report, JUnit properties and the console summary per account.

Everything an auditor needs travels on each test report's `user_properties` (control, account, identity), so the
same data reaches the HTML report, the JUnit XML and the console, with or without xdist workers. Every string that
came from AWS is escaped before it enters the HTML.
"""

from __future__ import annotations

import functools
import getpass
import os
import signal
import socket
import subprocess
import threading
from collections import Counter
from datetime import datetime
from html import escape
from importlib.metadata import version
from pathlib import Path
from typing import Any, Iterator

import pytest
from pytest_html import extras
from pytest_html.basereport import BaseReport
from pytest_metadata.plugin import metadata_key

from awsaudit.accounts import IDENTITY, Account, account_of
from awsaudit import framework_view, summary_page
from awsaudit.catalog import controls_in
from awsaudit.controls import Control, control_of
from awsaudit.evidence import evidence_of, to_html
from awsaudit.findings import offenders_of
from awsaudit.frameworks import Framework
from awsaudit.sources import CREDENTIAL_REPORT
from awsaudit.verdicts import VERDICTS, explain, reason_of, verdict_of
from awsaudit.waivers import Waiver, decide

_PLURAL = {"passed": "passed", "failed": "failed", "error": "errors", "waived": "waived",
           "not applicable": "not applicable"}
# The columns awsaudit adds to the results table: (CSS key, heading, sortable, the user property shown).
_COLUMNS = (("account", "Account", True, "account"), ("control", "Control", True, "control_id"),
            ("title", "Title", False, "title"), ("severity", "Severity", True, "severity"),
            ("frameworks", "Frameworks", False, "frameworks"))
_IDENTITY = ("account_id", "alias", "caller_arn", "credential_report_generated")


def reserve(path: Path) -> Path:
    """Create `path`, or `path` with -2, -3, ... before the suffix, and return it.

    Created empty and exclusively, so neither an earlier report nor a run started in the same second is overwritten;
    the report is written into it at the end of the run.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate, number = path, 1
    while True:
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return candidate
        except FileExistsError:
            number += 1
            candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")


def suite_version(root: Path) -> str:
    from awsaudit import __version__

    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__} (git {commit}{' with local changes' if dirty else ''})"


class AuditReport:
    """The report plugin of one run; registered by awsaudit.plugin."""

    def __init__(self, config: pytest.Config, started: datetime, offline: bool, thresholds: dict[str, int],
                 framework: Framework | None = None, waivers: list[Waiver] | None = None) -> None:
        self.config = config
        self.framework = framework
        self.waivers = waivers or []
        self.waiver_notes: dict[str, str] = {}  # nodeid -> what a waiver did to its verdict
        # For the framework view: each control's verdicts per account (from test properties, so xdist workers'
        # results count too).
        self.by_control: dict[tuple[str, str], list[str]] = {}
        self.started = started
        self.verdicts: dict[str, tuple[str, str, str]] = {}  # nodeid -> (account, verdict, line)
        self.identities: dict[str, dict[str, str]] = {}
        self.offline = offline
        self.thresholds = thresholds
        self.reserved: Path | None = None
        self.session: pytest.Session | None = None
        self.collected_by_workers = 0
        writes_report = config.getoption("htmlpath", None) or not config.option.collectonly
        if writes_report and not hasattr(config, "workerinput"):  # xdist workers leave the report to the controller
            chosen = config.getoption("htmlpath", None) or str(
                config.rootpath / "reports" / f"audit-{started:%Y%m%dT%H%M%SZ}.html")
            self.reserved = reserve(Path(chosen).expanduser().absolute())
            config.option.htmlpath = str(self.reserved)
            config.option.self_contained_html = True
            config.option.css = [*(config.getoption("css", None) or []), str(Path(__file__).with_name("report.css"))]

    def pytest_unconfigure(self) -> None:
        """A run that ended before writing its report leaves no empty file behind; Ctrl-C works again."""
        if self.reserved and self.reserved.exists() and not self.reserved.stat().st_size:
            self.reserved.unlink()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """The report's environment table: which suite judged, when, by which thresholds (escaped: it is HTML)."""
        self.session = session
        for plugin in self.config.pluginmanager.get_plugins():
            if isinstance(plugin, BaseReport):
                _write_atomically(plugin)
                outcomes = plugin._report.outcomes
                outcomes["skipped"]["label"] = "Not applicable"
                outcomes["xfailed"]["label"] = "Waived"
                outcomes["xpassed"]["label"] = "Passed despite a waiver"
        metadata = self.config.stash[metadata_key]
        metadata["awsaudit"] = escape(suite_version(self.config.rootpath))
        metadata["Audit started (UTC)"] = self.started.isoformat()
        metadata["Run by"] = escape(f"{getpass.getuser()} on {socket.gethostname()}")
        metadata["AWS libraries"] = {name: version(name) for name in ("boto3", "botocore", "moto")}
        metadata["Accounts from"] = ("offline twins (fixtures/, served by moto)" if self.offline
                                     else "AWS profiles")
        metadata["Thresholds"] = {escape(k): v for k, v in self.thresholds.items()}

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = f"AWS audit {self.started:%Y-%m-%d %H:%M:%S} UTC"

    # -- collection: what each test is, as properties -------------------------------------------------------------

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            meta = control_of(item)
            if meta is None:
                continue
            audited = account_of(item)
            if audited is None:  # refused at collection (plugin.pytest_generate_tests)
                continue
            item.extra_keyword_matches.add(meta.id)  # -k ROOT-5 picks a control by its id
            item.user_properties += [
                ("control_id", meta.id), ("account", audited.name), ("severity", meta.severity),
                ("title", meta.title), ("frameworks", "; ".join(meta.framework_refs)),
            ]

    # -- each test: identity, evidence, one-line reasons ----------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        meta = control_of(item)
        if meta is None:
            return
        explain(report, call.excinfo, item.location, self.config.option.tbstyle)
        note = self._waive(item, report, call) if report.when == "call" else ""
        verdict = verdict_of(report, call.excinfo)
        if verdict is None:
            return
        have = dict(item.user_properties)
        found = {**_known_identity(account_of(item)), "verdict": verdict, **({"waiver": note} if note else {})}
        item.user_properties[:] = [(k, v) for k, v in item.user_properties if k not in ("verdict", "waiver")]
        for name, value in found.items():
            if name in ("verdict", "waiver") or name not in have:
                item.user_properties.append((name, value))
        report.user_properties = list(item.user_properties)
        report.extras = [*getattr(report, "extras", []), extras.html(self._details(item, report, verdict))]

    def _waive(self, item: pytest.Item, report: pytest.TestReport, call: pytest.CallInfo[None]) -> str:
        """Apply the waivers to a control's result: a covered FAIL becomes waived (xfail), a covered PASS shows its
        waiver is stale (xpass). Returns what the waivers did, for the report, or "" when none concerns the result."""
        meta, audited = control_of(item), account_of(item)
        if not self.waivers or audited is None or report.skipped:
            return ""
        failed = report.failed and call.excinfo is not None and call.excinfo.errisinstance(AssertionError)
        names = {audited.name, *_known_identity(audited).get("account_id", "").split()}
        decision = decide(self.waivers, meta.id, names, offenders_of(item), self.started.date())
        if report.failed and not failed:
            return " | ".join(f"does not apply to an error, only to a failure: {w.describe()}"
                              for w in decision.matched)
        notes = [f"expired on {w.expires.isoformat()}, no longer applies: {w.describe()}" for w in decision.expired]
        partly = ("does not cover every failing resource" if failed
                  else "names resources, and this control does not judge resources one by one")
        notes += [f"{partly}: {w.describe()}" for w in decision.partial]
        if decision.applies is not None:
            waiver = decision.applies
            report.wasxfail = (waiver.describe() if failed else
                               f"passed although waived; the waiver can be removed: {waiver.describe()}")
            if failed:
                report.outcome = "skipped"
            notes.insert(0, f"waived by {report.wasxfail}" if failed else report.wasxfail)
        return " | ".join(notes)

    def _details(self, item: pytest.Item, report: pytest.TestReport, verdict: str) -> str:
        meta = control_of(item)
        reason = reason_of(report)
        frameworks = "".join(f"<li>{escape(ref)}</li>" for ref in meta.framework_refs)
        waiver_notes = dict(item.user_properties).get("waiver", "")
        waivers = "".join(f"<p><b>Waiver:</b> {escape(note)}</p>" for note in waiver_notes.split(" | ") if note)
        return (
            f'<div class="awsaudit-details"><h3>{escape(meta.id)} — {escape(meta.title)}</h3>'
            f"<p><b>Verdict:</b> {escape(verdict)}{': ' + escape(reason) if reason else ''}</p>{waivers}"
            f"<h4>Evidence</h4>{to_html(evidence_of(item))}"
            f"<h4>Why it matters</h4><p>{escape(meta.rationale)}</p>"
            f"<h4>Remediation</h4><pre>{escape(meta.remediation)}</pre>"
            f"<h4>Frameworks</h4><ul>{frameworks}</ul></div>"
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        props = dict(report.user_properties)
        # Only the phase that decided carries a fresh verdict; the others repeat the item's properties.
        verdict = props.get("verdict") if verdict_of(report, None) else None
        if "control_id" not in props or verdict is None:
            return
        self.identities.setdefault(props["account"], {}).update({k: props[k] for k in _IDENTITY if k in props})
        line = f"{props['control_id']} {props['title']}"
        self.by_control.setdefault((props["control_id"], props["account"]), []).append(verdict)
        reason = reason_of(report)
        if verdict == "failed" and props.get("waiver"):  # an expired waiver, or one that leaves resources out
            reason = f"{reason} [waiver: {props['waiver']}]"
        self.verdicts[report.nodeid] = (props["account"], verdict, f"{line}: {reason}" if reason else line)
        if props.get("waiver"):
            self.waiver_notes[report.nodeid] = f"{props['control_id']} on {props['account']}: {props['waiver']}"

    # -- the whole run: per-account summaries ---------------------------------------------------------------------

    def _tallies(self) -> dict[str, Counter[str]]:
        tallies: dict[str, Counter[str]] = {}
        for account, verdict, _ in self.verdicts.values():
            tallies.setdefault(account, Counter())[verdict] += 1
        return tallies

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the controller collects nothing itself: each worker reports what it collected."""
        self.collected_by_workers = max(self.collected_by_workers, len(ids))

    def _selected(self) -> int:
        items = getattr(self.session, "items", [])
        return sum(1 for item in items if control_of(item)) if items else self.collected_by_workers

    def _incomplete(self) -> str:
        """Why the run does not cover every selected control, or "" when it does."""
        session = self.session
        missing = max(self._selected() - len(self.verdicts), 0)
        stopped = session is not None and (session.shouldstop or session.shouldfail
                                           or session.exitstatus == pytest.ExitCode.INTERRUPTED)
        if not (missing or stopped):
            return ""
        count = f"{missing} of {self._selected()} selected controls did not run" if missing else "not every control ran"
        return f"INCOMPLETE: {count} (the run was interrupted or stopped early); this report does not cover them"

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        """While the reports are written, a second Ctrl-C or SIGTERM must not leave them half-done."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
        if self.reserved is not None and self.verdicts:
            self._write_summary_page(self.reserved)

    def _write_summary_page(self, report: Path) -> None:
        page = reserve(report.with_name(f"{report.stem}-summary{report.suffix}"))
        head, rows = self._account_rows()
        css = Path(__file__).with_name("report.css").read_text(encoding="utf-8")
        _replace(page, summary_page.render(self.started, report, self._incomplete(), rows, head,
                                           list(self.verdicts.values()), css))

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        tallies = self._tallies()
        if not tallies:
            return
        terminalreporter.write_sep("=", "awsaudit: verdicts per account")
        incomplete = self._incomplete()
        if incomplete:
            terminalreporter.write_line(incomplete, red=True, bold=True)
        for account, counts in tallies.items():
            ident = self.identities.get(account, {})
            where = ", ".join(v for v in (ident.get("account_id"), ident.get("alias")) if v)
            tally = ", ".join(f"{counts[v]} {_PLURAL[v]}" for v in VERDICTS)
            terminalreporter.write_line(f"{account}{f' ({where})' if where else ''}: {tally}")
            for acc, verdict, line in self.verdicts.values():
                if acc == account and verdict in ("failed", "error", "waived"):
                    terminalreporter.write_line(f"    {verdict.upper():6} {line}")
        if self.waivers:
            terminalreporter.write_sep("=", "awsaudit: waivers")
            for note in self.waiver_notes.values():
                terminalreporter.write_line(note)
            said = " ".join(self.waiver_notes.values())
            for waiver in self.waivers:
                if waiver.name not in said:
                    terminalreporter.write_line(f"{waiver.describe()}: matched no result of this run")
        if self.framework is not None:
            terminalreporter.write_sep("=", f"awsaudit: {self.framework.name} requirements")
            for line in framework_view.summary_lines(self.framework, self._framework_rows()):
                terminalreporter.write_line(line)

    @functools.cached_property
    def _framework_controls(self) -> list[Control]:
        """Every control of checks/ the framework maps, selected or not: one left out by -k shows as not run.
        Read once: the console and the HTML report both show the view."""
        assert self.framework is not None
        return [meta for meta in controls_in(self.config.rootpath / "checks") if self.framework.name in meta.frameworks]

    def _framework_rows(self) -> list[framework_view.Row]:
        assert self.framework is not None
        return framework_view.rows(self.framework, self._framework_controls, list(self._tallies()), self.by_control)

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        ours = [f'<th class="sortable" data-column-type="{key}">{label}</th>' if sortable else f"<th>{label}</th>"
                for key, label, sortable, _ in _COLUMNS]
        cells[:] = [cells[0], *ours, *cells[1:]]

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_table_row(self, report: Any, cells: list[str]) -> None:
        props = dict(getattr(report, "user_properties", []))
        if props.get("verdict") == "error" and report.when == "call":
            # pytest counts an exception in the test body as failed; the control could not be evaluated.
            cells[0] = '<td class="col-result">Error</td>'
        elif props.get("verdict") in ("not applicable", "waived"):
            cells[0] = f'<td class="col-result">{props["verdict"].capitalize()}</td>'
        elif props.get("verdict") == "passed" and getattr(report, "wasxfail", None):
            cells[0] = '<td class="col-result">Passed despite a waiver</td>'
        ours = [f'<td class="col-{key}">{escape(str(props.get(source, "")))}</td>' for key, _, _, source in _COLUMNS]
        cells[:] = [cells[0], *ours, *cells[1:]]

    def _account_rows(self) -> tuple[list[str], list[list[str]]]:
        """The per-account table: its head and one row per account."""
        head = ["Account", "Account id", "Alias", "Audited as", "Credential report generated",
                *(_PLURAL[v].capitalize() for v in VERDICTS)]
        rows = []
        for account, counts in self._tallies().items():
            ident = self.identities.get(account, {})
            rows.append([account, *(ident.get(k, "") for k in _IDENTITY), *(str(counts[v]) for v in VERDICTS)])
        return head, rows

    @pytest.hookimpl(optionalhook=True)
    def pytest_html_results_summary(self, prefix: list[str], summary: list[str], postfix: list[str],
                                    session: pytest.Session) -> None:
        head, rows = self._account_rows()
        incomplete = self._incomplete()
        if incomplete:
            prefix.append(f'<p class="awsaudit-incomplete">{escape(incomplete)}</p>')
        prefix.append(
            f"<h2>Audit</h2><p>Started {escape(self.started.isoformat())}. "
            "Each row below opens to its evidence and remediation.</p>"
            '<table class="awsaudit-accounts"><tr>' + "".join(f"<th>{h}</th>" for h in head) + "</tr>"
            + "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
            + "</table>"
        )
        if self.framework is not None:
            prefix.append(framework_view.to_html(self.framework, self._framework_rows(), list(self._tallies())))

def _replace(path: Path, rendered: str) -> None:
    """Write to a temporary file and rename it into place: a run killed while writing leaves the earlier state (the
    empty reserved file), never half a page."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(rendered, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _write_atomically(html: BaseReport) -> None:
    """Make pytest-html write its report through `_replace`."""
    path: Path = html._report_path
    html._write_report = lambda rendered: _replace(path, rendered)  # type: ignore[method-assign]


def _known_identity(audited: Account) -> dict[str, str]:
    """What the run already knows of the account, without fetching anything."""
    identity = audited.cached(*IDENTITY)
    report = audited.cached(*CREDENTIAL_REPORT)
    found = {}
    if identity is not None:
        found.update(account_id=identity.account_id, alias=identity.alias or "", caller_arn=identity.caller_arn)
    if report is not None:
        found["credential_report_generated"] = report.generated_time.isoformat()
    return found
