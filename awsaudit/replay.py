"""The merge's pytest plugin: every result of the merged shards replayed as the test reports its control made, so
each output a single run writes (the HTML report and summary page, JUnit XML, OCSF, ASFF, JSON Lines, the console)
writes the merged audit with its own code, as pytest-reportlog replays a log.

The merge (merge.py) runs pytest in-process in the project with this plugin registered as `awsaudit-replay`: the
audit opens no account (audit.Audit.open asks the plugin instead), nothing is collected, and the run loop hands each
result to pytest's hooks as the setup, call and teardown reports of its test. What a single run would know from its
accounts (their identities and home regions), from its command line and from its end (did every control run) comes
from the shards' first and last records, through MergedLog.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest
from pytest_html import extras

from awsaudit.audit import REPLAY, Audit
from awsaudit.controls import Control
from awsaudit.results import Result, ResultLog, _details
from awsaudit.scope import Scope
from awsaudit.shard_results import ShardFileError
from awsaudit.verdicts import Crash, OneLine

if TYPE_CHECKING:
    from awsaudit.merge import Merged

_PROPERTIES = ("account_id", "alias", "caller_arn", "credential_report_generated")


def _waiver_parts(reason: str) -> tuple[str, str]:
    """A waived result's reason, "waived by W; failure: F", as (W, F)."""
    waiver, _, failure = reason.removeprefix("waived by ").partition("; failure: ")
    return waiver, failure


def reports(result: Result, meta: Control | None, identity: dict[str, str]) -> list[pytest.TestReport]:
    """The reports of the test that gave `result`, as its run made them: the deciding one carries the record and
    the row's details; every phase carries the test's properties (JUnit reads them from the teardown)."""
    path = result.test.split("::")[0]
    location = (path, 0, result.test.split("::", 1)[-1])
    props: list[tuple[str, object]] = [("control_id", result.control), ("account", result.account),
                                       ("severity", result.severity), ("title", result.title),
                                       ("frameworks", "; ".join(result.frameworks))]
    known = {**identity, **({"account_id": result.account_id} if result.account_id else {})}
    props += [(key, known[key]) for key in _PROPERTIES if key in known]
    props += [("verdict", result.verdict), *([("waiver", result.waiver)] if result.waiver else [])]

    def made(when: str, outcome: str, longrepr: Any = None, **more: Any) -> pytest.TestReport:
        report = pytest.TestReport(result.test, location, {location[2]: 1, result.control: 1}, outcome, longrepr,
                                   when, user_properties=list(props))
        for name, value in more.items():
            setattr(report, name, value)
        return report

    shown = result.reason
    if result.verdict == "failed" and result.waiver:  # the row's details show the reason without the waiver note
        shown = shown.removesuffix(f" [waiver: {result.waiver}]")
    details = (_details(meta, replace(result, reason=shown)) if meta is not None else
               f'<div class="awsaudit-details"><p>{result.control} is not a control of this project\'s checks/</p>'
               "</div>")
    carried = {"awsaudit": result.to_json(), "extras": [extras.html(details)]}
    crash = OneLine(Crash(path, 1, result.reason))
    skipped = (path, 1, f"Skipped: not applicable: {result.reason}")
    teardown = made("teardown", "passed")
    if result.phase == "setup" and result.verdict in ("error", "not applicable"):
        deciding = (made("setup", "failed", crash, **carried) if result.verdict == "error"
                    else made("setup", "skipped", skipped, **carried))
        return [deciding, teardown]
    if result.verdict == "waived":
        waiver, failure = _waiver_parts(result.reason)
        call = made("call", "skipped", OneLine(Crash(path, 1, failure)), wasxfail=waiver, **carried)
    elif result.verdict == "passed":
        call = made("call", "passed", None, **carried, **({"wasxfail": result.reason} if result.despite_waiver
                                                           else {}))
    elif result.verdict == "not applicable":
        call = made("call", "skipped", skipped, **carried)
    else:  # failed, or an error in the control's body
        call = made("call", "failed", crash, **carried)
    return [made("setup", "passed"), call, teardown]


class Replay:
    """Registered (as `awsaudit-replay`) by the merge, with the merged shards."""

    def __init__(self, merged: Merged) -> None:
        self.__name__ = REPLAY  # pluggy registers a plugin under its __name__
        self.merged = merged
        self.log_class = MergedLog

    def open(self, audit: Audit) -> None:
        """The audit the shards ran, as far as the outputs need it: when, how, and the accounts left out."""
        first = self.merged.first
        audit.started = self.merged.started
        audit.offline = bool(first["offline"])
        audit.thresholds = dict(first["thresholds"])
        audit.left_out = list(first["left_out"])
        audit.accounts = []

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self, session: pytest.Session) -> bool:
        """Nothing to collect: the controls ran in the shards."""
        return True

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtestloop(self, session: pytest.Session) -> bool:
        hook = session.config.hook
        log = session.config.pluginmanager.get_plugin("awsaudit-log")
        controls = {meta.id: meta for meta in log.known.controls} if log is not None else {}
        session.testscollected = self.merged.result_count
        try:
            for result in self.merged.results():
                made = reports(result, controls.get(result.control), self.merged.identities.get(result.account, {}))
                location = made[0].location
                hook.pytest_runtest_logstart(nodeid=result.test, location=location)
                for report in made:
                    hook.pytest_runtest_logreport(report=report)
                hook.pytest_runtest_logfinish(nodeid=result.test, location=location)
        except ShardFileError as exc:  # a file changed while it was merged: no report, a one-line error
            raise pytest.UsageError(str(exc)) from None
        return True


class MergedLog(ResultLog):
    """The run's log, told what the shards knew: their command, selection, identities, home regions, and whether
    each shard was given and finished."""

    @property
    def merged(self) -> Merged:
        replay: Replay = self.config.pluginmanager.get_plugin(REPLAY)
        return replay.merged

    @property
    def version(self) -> str:  # type: ignore[override]
        return "; ".join(sorted({shard.start["version"] for shard in self.merged.shards}))

    @property
    def run_by(self) -> str:  # type: ignore[override]
        return "; ".join(sorted({shard.start["run_by"] for shard in self.merged.shards}))

    def home_region(self, account: str) -> str | None:
        return self.merged.home_regions.get(account) or None

    def _incomplete(self) -> str:
        return self.merged.incomplete()

    def scope(self) -> Scope:
        first = self.merged.first
        ran = {result.control for result in self.results.values()}
        selected = self.merged.selected_controls()
        return Scope(first["command"], first["selection"], len(ran),
                     None if self.all_controls is None else len(self.all_controls), len(selected) or None,
                     len(self.tallies()), len(self.results), tuple(first["left_out"]), tuple(first["regions"]),
                     self.merged.describe())
