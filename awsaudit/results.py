"""The result of each control on each account, built once where the control ran, and the run's log of them.

One record per (control, account): what was judged (control, account, frameworks), the verdict and its one-line
reason, the waiver, the evidence and every resource judged. It is built where the test ran and travels on the test
report (xdist serialises a report's attributes), so the controller gets the same record; every output reads these
records: console, HTML report, summary page, framework view, JSON Lines. Each result reaches the writers through the
`pytest_awsaudit_result` hook as it arrives.
"""

from __future__ import annotations

import functools
import getpass
import signal
import socket
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any, Iterator

import pytest
from _pytest.junitxml import xml_key
from botocore.exceptions import BotoCoreError
from pytest_html import extras

from awsaudit import catalog, framework_view
from awsaudit.accounts import IDENTITY, Account, account_of
from awsaudit.audit import AUDIT
from awsaudit.controls import Control, control_of
from awsaudit.evidence import evidence_of, to_html
from awsaudit.findings import Finding, Resource, findings_of
from awsaudit.frameworks import Framework
from awsaudit.scope import Scope, command_line, selection_of
from awsaudit.secrecy import mask
from awsaudit.sources import SOURCES
from awsaudit.verdicts import PLURAL, VERDICTS, reason_of, verdict_of, worst

# The fields of a Result that repeat across accounts or controls: one string each, however many results hold it.
_REPEATED = frozenset({"account", "control", "title", "severity", "verdict", "account_id", "phase"})
_IDENTITY = ("account_id", "alias", "caller_arn", "credential_report_generated")
# The xdist worker output that tells the controller which controls the selection kept.
_SELECTED = "awsaudit_selected_controls"


@dataclass(frozen=True, slots=True)
class Result:
    """One control's verdict on one account, as every output states it (slots: the run log keeps one per test)."""

    account: str
    control: str
    title: str
    severity: str
    verdict: str  # one of VERDICTS
    reason: str
    despite_waiver: bool = False  # passed while a waiver still covers it: the waiver can be removed
    account_id: str = ""
    frameworks: tuple[str, ...] = ()  # "CIS AWS 5.0 1.9"
    waiver: str = ""  # what the waivers did to the result, or ""
    evidence: dict[str, Any] = field(default_factory=dict)  # JSON-safe, access key ids masked
    findings: tuple[Finding, ...] = ()
    test: str = ""  # the pytest node id
    phase: str = "call"  # the test's phase that gave the verdict (setup: a source that could not be read)

    @property
    def line(self) -> str:
        """The line the console and the summary page give each result: `ID title: reason`."""
        return f"{self.control} {self.title}: {self.reason}" if self.reason else f"{self.control} {self.title}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Result:
        """A record as written; keys a later version adds are left out, so this reader still reads its files."""
        findings = tuple(Finding(Resource(**f["resource"]), f["status"], f["reason"]) for f in data["findings"])
        known = {key: _shared(value) if key in _REPEATED else value for key, value in data.items()
                 if key in cls.__dataclass_fields__}
        frameworks = tuple(_shared(ref) for ref in data["frameworks"])
        return cls(**{**known, "frameworks": frameworks, "findings": findings})


def _shared(value: Any) -> Any:
    """One copy of a string that many results hold (sys.intern); anything else as it is."""
    return sys.intern(value) if type(value) is str else value


def _json_safe(value: Any) -> Any:
    """Evidence as JSON holds it: strings masked, mappings and sequences followed, anything else as text."""
    if isinstance(value, dict):
        return {mask(str(key)): _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_json_safe(item) for item in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return mask(value.isoformat() if isinstance(value, datetime) else str(value))


class ResultBuilder:
    """Where controls run (the only process, or each xdist worker): each control's properties, its record, and the
    evidence its report row opens to."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            meta = control_of(item)
            audited = account_of(item)
            if meta is None or audited is None:  # not a control, or refused at collection (plugin.py)
                continue
            item.extra_keyword_matches.add(meta.id)  # -k ROOT-5 picks a control by its id
            item.user_properties += [
                ("control_id", meta.id), ("account", audited.name), ("severity", meta.severity),
                ("title", meta.title), ("frameworks", "; ".join(meta.framework_refs)),
            ]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """An xdist worker tells the controller which controls the selection kept (the controller collects none)."""
        if hasattr(self.config, "workeroutput"):
            self.config.workeroutput[_SELECTED] = sorted({m.id for item in session.items if (m := control_of(item))})

    # Outermost: the reasons (verdicts.Reasons) and the waivers (waivers.Waiving) have had their say.
    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        meta, audited = control_of(item), account_of(item)
        verdict = verdict_of(report, call.excinfo) if meta is not None and audited is not None else None
        if verdict is None:
            return
        known = _known_identity(audited)
        waiver = getattr(report, "awsaudit_waiver", "")
        result = Result(audited.name, meta.id, meta.title, meta.severity, verdict, reason_of(report),
                        verdict == "passed" and hasattr(report, "wasxfail"), known.get("account_id", ""),
                        tuple(meta.framework_refs), waiver, _json_safe(evidence_of(item)),
                        tuple(_masked(found) for found in findings_of(item)) if report.when == "call" else (),
                        item.nodeid, report.when)
        details = _details(meta, result)
        if verdict == "failed" and waiver:  # an expired waiver, or one that leaves resources out
            result = replace(result, reason=f"{result.reason} [waiver: {waiver}]")
        report.awsaudit = result.to_json()  # type: ignore[attr-defined]
        have = dict(item.user_properties)
        found = {**known, "verdict": verdict, **({"waiver": waiver} if waiver else {})}
        item.user_properties[:] = [(k, v) for k, v in item.user_properties if k not in ("verdict", "waiver")]
        item.user_properties += [(k, v) for k, v in found.items() if k in ("verdict", "waiver") or k not in have]
        report.user_properties = list(item.user_properties)
        report.extras = [*getattr(report, "extras", []), extras.html(details)]


def _masked(found: Finding) -> Finding:
    """A finding as every output may show it: access key ids masked in its resource and reason."""
    resource = found.resource
    return Finding(Resource(mask(resource.id), resource.type, resource.region, mask(resource.name)), found.status,
                   mask(found.reason))


def _merged(first: Result, then: Result, phase: str) -> Result:
    """One result from two phases of a test (a failure, then an error in teardown): the worse verdict, both reasons."""
    reasons = [reason for reason in (first.reason, f"{phase}: {then.reason}" if then.reason else "") if reason]
    return replace(first, verdict=worst([first.verdict, then.verdict]), reason="; ".join(reasons),
                   despite_waiver=False)


def slim(result: Result) -> Result:
    """The result without its evidence and resources: what is kept of it once every writer has been told."""
    return replace(result, evidence={}, findings=()) if result.evidence or result.findings else result


class Slimming:
    """Once a test's last report has been told to every plugin (the writers, pytest-html's row, JUnit XML, an xdist
    worker's channel), its reports let go of the record and the evidence row: pytest keeps every report to the end
    (for its counts) and 23,000 records (~5 kB each without evidence) would stay in memory with them. The run's end
    reads the run log's slim results (RunLog), never a report's record."""

    def __init__(self) -> None:
        self._phases: dict[str, list[pytest.TestReport]] = {}  # by test id: its reports with a record, until teardown

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> Iterator[None]:
        yield
        if report.when != "teardown":
            if getattr(report, "awsaudit", None) is not None:
                self._phases.setdefault(report.nodeid, []).append(report)
            return
        for each in (*self._phases.pop(report.nodeid, ()), report):  # a teardown that passed carries no record
            each.awsaudit = None  # type: ignore[attr-defined]
            each.extras = []  # type: ignore[attr-defined]


def result_of(report: pytest.TestReport) -> Result | None:
    """The record a control's deciding report carries, on the controller as where it ran."""
    data = getattr(report, "awsaudit", None)
    return Result.from_json(data) if data else None


def _details(meta: Control, result: Result) -> str:
    """What a report row opens to: verdict, waiver, evidence, rationale, remediation, frameworks."""
    frameworks = "".join(f"<li>{escape(ref)}</li>" for ref in meta.framework_refs)
    waivers = "".join(f"<p><b>Waiver:</b> {escape(note)}</p>" for note in result.waiver.split(" | ") if note)
    reason = result.reason
    return (
        f'<div class="awsaudit-details"><h3>{escape(meta.id)} — {escape(meta.title)}</h3>'
        f"<p><b>Verdict:</b> {escape(result.verdict)}{': ' + escape(reason) if reason else ''}</p>{waivers}"
        f"<h4>Evidence</h4>{to_html(result.evidence)}"
        f"<h4>Why it matters</h4><p>{escape(meta.rationale)}</p>"
        f"<h4>Remediation</h4><pre>{escape(meta.remediation)}</pre>"
        f"<h4>Frameworks</h4><ul>{frameworks}</ul></div>"
    )


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


class ResultLog:
    """The controller's log of the run's results and what they cover, which the writers read; it hands each result
    to them as it arrives."""

    def __init__(self, config: pytest.Config, started: datetime, offline: bool, thresholds: dict[str, int],
                 known: catalog.Catalog, framework: Framework | None = None) -> None:
        self.config = config
        self.known = known
        self.framework = framework
        self.started = started
        self.offline = offline
        self.thresholds = thresholds
        self.results: dict[str, Result] = {}  # by test id
        self._pending: dict[str, Result] = {}  # by test id, until its teardown has reported
        self._regions: dict[str, str | None] = {}  # by account name: its profile's region
        self._by_name: dict[str, Account] = {}
        self.identities: dict[str, dict[str, str]] = {}
        self.session: pytest.Session | None = None
        self.collected_by_workers = 0
        self.selected_controls: set[str] = set()

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

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected_controls.update(meta.id for item in session.items if (meta := control_of(item)))

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        self.selected_controls.update(getattr(node, "workeroutput", {}).get(_SELECTED, []))

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        """Under xdist the controller collects nothing itself: each worker reports what it collected."""
        self.collected_by_workers = max(self.collected_by_workers, len(ids))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """A test's phases arrive one by one; its result is told once, when its teardown has reported, as one record
        (a failure followed by an error in teardown is both, not the error alone)."""
        result = result_of(report)
        if result is not None:
            props = dict(report.user_properties)
            self.identities.setdefault(result.account, {}).update({k: props[k] for k in _IDENTITY if k in props})
            earlier = self._pending.get(report.nodeid)
            self._pending[report.nodeid] = result if earlier is None else _merged(earlier, result, report.when)
        if report.when == "teardown" and report.nodeid in self._pending:
            told = self._pending.pop(report.nodeid)
            self.config.hook.pytest_awsaudit_result(result=told)
            # The writers have it all (they write it as it arrives); the log keeps what the run's end reads: the
            # verdicts, reasons and waivers, not the evidence nor every resource judged.
            self.results[report.nodeid] = slim(told)

    # -- the whole run: what it covers, per-account tallies -------------------------------------------------------

    def home_region(self, account: str) -> str | None:
        """The region of the account's profile, where a global resource and the account itself are placed (its
        session is made, never called); None when the profile cannot be read."""
        if account not in self._regions:
            if not self._by_name:
                self._by_name = {each.name: each for each in self.config.stash[AUDIT].accounts}
            found = self._by_name.get(account)
            try:
                self._regions[account] = (found.home_region or None) if found is not None else None
            except (BotoCoreError, ValueError):  # its profile no longer reads
                self._regions[account] = None
        return self._regions[account]

    def tallies(self) -> dict[str, Counter[str]]:
        tallies: dict[str, Counter[str]] = {}
        for result in self.results.values():
            tallies.setdefault(result.account, Counter())[result.verdict] += 1
        return tallies

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

    @property
    def all_controls(self) -> list[Control] | None:
        """Every control of checks/, selected or not (read before collection), for the scope and the framework view;
        None when a control file cannot be read (collection reports it)."""
        return list(self.known.controls) if self.known.complete else None

    def scope(self) -> Scope:
        ran = {result.control for result in self.results.values()}
        return Scope(command_line(self.config.invocation_params.args), selection_of(self.config), len(ran),
                     None if self.all_controls is None else len(self.all_controls), len(self.selected_controls) or None,
                     len(self.tallies()), len(self.results), tuple(self.config.stash[AUDIT].left_out),
                     tuple(self.config.getini("regions")), self.config.stash[AUDIT].shard_line)

    def banners(self) -> list[str]:
        """What the reader must know before reading any count: the run stopped early, or chose a part of checks/."""
        return [banner for banner in (self._incomplete(), self.scope().partial) if banner]

    def facts(self) -> list[tuple[str, str]]:
        """Who ran what, when, and what it covers."""
        return [*self.scope().lines(), ("Started (UTC)", self.started.isoformat()), ("Run by", self.run_by),
                ("awsaudit", self.version)]

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """While the reports are written, a second Ctrl-C or SIGTERM must not leave them half-done; the writers then
        finish (the hook `pytest_awsaudit_finish`)."""
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                signal.signal(signum, signal.SIG_IGN)
        audit = self.config.stash[AUDIT]
        if audit.shard is not None and not audit.accounts and exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
            # A shard with no account ran as it should (its job must not fail): its files say it audited none.
            session.exitstatus = exitstatus = pytest.ExitCode.OK
        self.config.hook.pytest_awsaudit_finish(log=self, exitstatus=exitstatus)
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
    credential_report = SOURCES["credential_report"]
    report = audited.cached(credential_report.service, credential_report.title)
    found = {}
    if identity is not None:
        found.update(account_id=identity.account_id, alias=identity.alias or "", caller_arn=identity.caller_arn)
    if report is not None:
        found["credential_report_generated"] = report.generated_time.isoformat()
    return found
