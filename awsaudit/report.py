"""What a run leaves behind: the results every output reads, and the outputs themselves (html_report.py,
console.py, the JUnit properties here).

Everything an auditor needs travels on each test report's `user_properties` (control, account, identity), so the
same data reaches the HTML report, the JUnit XML and the console, with or without xdist workers. Every string that
came from AWS is escaped before it enters the HTML.
"""

from __future__ import annotations

import functools
import getpass
import signal
import socket
import subprocess
import threading
from collections import Counter
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Iterator

import pytest
from _pytest.junitxml import xml_key
from pytest_html import extras

from awsaudit import catalog, framework_view
from awsaudit.accounts import IDENTITY, Account, account_of
from awsaudit.audit import AUDIT
from awsaudit.console import ConsoleSummary
from awsaudit.controls import Control, control_of
from awsaudit.evidence import evidence_of, to_html
from awsaudit.findings import offenders_of
from awsaudit.frameworks import Framework
from awsaudit.html_report import HtmlReport
from awsaudit.scope import Scope, command_line, selection_of
from awsaudit.verdicts import PLURAL, VERDICTS, Result, explain, reason_of, verdict_of
from awsaudit.waivers import Waiver, decide

_IDENTITY = ("account_id", "alias", "caller_arn", "credential_report_generated")
# The xdist worker output that tells the controller which controls the selection kept.
_SELECTED = "awsaudit_selected_controls"


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
    """The results of one run, and the outputs that state them; registered by awsaudit.plugin."""

    def __init__(self, config: pytest.Config, started: datetime, offline: bool, thresholds: dict[str, int],
                 framework: Framework | None = None, waivers: list[Waiver] | None = None) -> None:
        self.config = config
        self.framework = framework
        self.waivers = waivers or []
        self.waiver_notes: dict[str, str] = {}  # nodeid -> what a waiver did to its verdict
        self.started = started
        # nodeid -> its result (from test properties, so xdist workers' results count too)
        self.results: dict[str, Result] = {}
        self.identities: dict[str, dict[str, str]] = {}
        self.offline = offline
        self.thresholds = thresholds
        self.session: pytest.Session | None = None
        self.collected_by_workers = 0
        self.selected_controls: set[str] = set()
        self.html = HtmlReport(self)
        config.pluginmanager.register(self.html, "awsaudit-html")
        config.pluginmanager.register(ConsoleSummary(self), "awsaudit-console")

    def pytest_unconfigure(self) -> None:
        """Ctrl-C works again once the run is over."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.default_int_handler)

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.session = session

    @functools.cached_property
    def version(self) -> str:
        return suite_version(self.config.rootpath)

    @functools.cached_property
    def run_by(self) -> str:
        return f"{getpass.getuser()} on {socket.gethostname()}"

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

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """The controls the selection kept; an xdist worker tells the controller, which collects nothing."""
        self.selected_controls = {meta.id for item in session.items if (meta := control_of(item))}
        if hasattr(self.config, "workeroutput"):
            self.config.workeroutput[_SELECTED] = sorted(self.selected_controls)

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.selected_controls.update(getattr(node, "workeroutput", {}).get(_SELECTED, []))

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
        reason = reason_of(report)
        if verdict == "failed" and props.get("waiver"):  # an expired waiver, or one that leaves resources out
            reason = f"{reason} [waiver: {props['waiver']}]"
        self.results[report.nodeid] = Result(props["account"], props["control_id"], props["title"],
                                             props["severity"], verdict, reason,
                                             despite_waiver=verdict == "passed" and hasattr(report, "wasxfail"))
        if props.get("waiver"):
            self.waiver_notes[report.nodeid] = f"{props['control_id']} on {props['account']}: {props['waiver']}"

    # -- the whole run: what it covers, per-account tallies -------------------------------------------------------

    def tallies(self) -> dict[str, Counter[str]]:
        tallies: dict[str, Counter[str]] = {}
        for result in self.results.values():
            tallies.setdefault(result.account, Counter())[result.verdict] += 1
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
        missing = max(self._selected() - len(self.results), 0)
        stopped = session is not None and (session.shouldstop or session.shouldfail
                                           or session.exitstatus == pytest.ExitCode.INTERRUPTED)
        if not (missing or stopped):
            return ""
        count = f"{missing} of {self._selected()} selected controls did not run" if missing else "not every control ran"
        return f"INCOMPLETE: {count} (the run was interrupted or stopped early); this report does not cover them"

    @functools.cached_property
    def all_controls(self) -> list[Control] | None:
        """Every control of checks/, selected or not, read once for the scope and the framework view; None when a
        control file cannot be read (collection reports it)."""
        known = catalog.read(self.config.rootpath / "checks")
        return list(known.controls) if known.complete else None

    def scope(self) -> Scope:
        ran = {result.control for result in self.results.values()}
        return Scope(command_line(self.config.invocation_params.args), selection_of(self.config), len(ran),
                     None if self.all_controls is None else len(self.all_controls), len(self.selected_controls) or None,
                     len(self.tallies()), len(self.results), tuple(self.config.stash[AUDIT].left_out))

    def banners(self) -> list[str]:
        """What the reader must know before reading any count: the run stopped early, or chose a part of checks/."""
        return [banner for banner in (self._incomplete(), self.scope().partial) if banner]

    def facts(self) -> list[tuple[str, str]]:
        """Who ran what, when, and what it covers."""
        return [*self.scope().lines(), ("Started (UTC)", self.started.isoformat()), ("Run by", self.run_by),
                ("awsaudit", self.version)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """While the reports are written, a second Ctrl-C or SIGTERM must not leave them half-done."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
        self.html.finish(exitstatus)
        junit = self.config.stash.get(xml_key, None)
        if junit is not None and self.results:
            for name, text in [*self.scope().lines(), *(("warning", banner) for banner in self.banners())]:
                junit.add_global_property(name.lower().replace(" ", "_"), text)

    def framework_rows(self) -> list[framework_view.Row]:
        """The framework's requirements, with every control of checks/ it maps, selected or not: one left out by -k
        shows as not run."""
        assert self.framework is not None
        mapped = [meta for meta in self.all_controls or [] if self.framework.name in meta.frameworks]
        by_control: dict[tuple[str, str], list[str]] = {}
        for result in self.results.values():
            by_control.setdefault((result.control, result.account), []).append(result.verdict)
        return framework_view.rows(self.framework, mapped, list(self.tallies()), by_control)

    def account_rows(self) -> tuple[list[str], list[list[str]]]:
        """The per-account table: its head and one row per account."""
        head = ["Account", "Account id", "Alias", "Audited as", "Credential report generated",
                *(PLURAL[v].capitalize() for v in VERDICTS)]
        rows = []
        for account, counts in self.tallies().items():
            ident = self.identities.get(account, {})
            rows.append([account, *(ident.get(k, "") for k in _IDENTITY), *(str(counts[v]) for v in VERDICTS)])
        return head, rows


def _known_identity(audited: Account) -> dict[str, str]:
    """What the run already knows of the account, without fetching anything."""
    identity = audited.cached(*IDENTITY)
    report = audited.cached("iam", "credential report")
    found = {}
    if identity is not None:
        found.update(account_id=identity.account_id, alias=identity.alias or "", caller_arn=identity.caller_arn)
    if report is not None:
        found["credential_report_generated"] = report.generated_time.isoformat()
    return found
