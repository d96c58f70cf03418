"""The console: what the run covers, then each account's tallies with each failure, error and waiver on one line.

pytest would also print each control failure in its FAILURES section and again in its short test summary, and a
line per control file and account as the run goes. An audit says each failure once, as awsaudit's one-line reason;
pytest's own sections come back with `--tb=...` or `-v`. A control that raised anything but an AuditError or an
AWS error has a bug, and keeps pytest's traceback there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Generator

import pytest

from awsaudit import framework_view
from awsaudit.verdicts import PLURAL, VERDICTS

if TYPE_CHECKING:
    from awsaudit.results import Result, ResultLog
    from awsaudit.waivers import Waiver

_LISTED = ("failed", "error", "waived")


def said_in_one_line(report: Any) -> bool:
    """A control's failure or error whose whole story is its one-line reason (verdicts.explain left no traceback)."""
    is_control = "control_id" in dict(getattr(report, "user_properties", ()))
    return is_control and not hasattr(report.longrepr, "reprtraceback")


class ConsoleSummary:
    """The console output of one run, from the run's results."""

    def __init__(self, results: ResultLog, waivers: list[Waiver]) -> None:
        self.results = results
        self.waivers = waivers
        config = results.config
        self.pytest_sections = config.option.tbstyle != "auto" or config.get_verbosity() > 0

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        """Progress as one run of letters: an audit visits every control file once per account, so pytest's line
        per file would repeat each file name as many times as there are accounts."""
        terminal = session.config.pluginmanager.get_plugin("terminalreporter")
        if terminal is not None and session.config.get_verbosity() == 0:
            terminal.showfspath = False

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_terminal_summary(self, terminalreporter: Any) -> Generator[None]:
        """pytest's FAILURES section and short test summary leave out what awsaudit says in one line (the final
        counts still include it); awsaudit's summary comes last, just above those counts."""
        stats = terminalreporter.stats
        kept = {} if self.pytest_sections else {key: stats[key] for key in ("failed", "error") if key in stats}
        for key, reports in kept.items():
            stats[key] = [report for report in reports if not said_in_one_line(report)]
        try:
            result = yield
        finally:
            stats.update(kept)
        self._write(terminalreporter)
        return result

    def _write(self, terminalreporter: Any) -> None:
        results = self.results
        tallies = results.tallies()
        if not tallies:
            return
        terminalreporter.write_sep("=", "awsaudit: verdicts per account")
        for banner in results.banners():
            terminalreporter.write_line(banner, red=True, bold=True)
        for name, text in results.scope().lines():
            terminalreporter.write_line(f"{name.lower()}: {text}")
        listed: dict[str, list[Result]] = {}
        for result in results.results.values():
            if result.verdict in _LISTED:
                listed.setdefault(result.account, []).append(result)
        for account, counts in tallies.items():
            ident = results.identities.get(account, {})
            where = ", ".join(v for v in (ident.get("account_id"), ident.get("alias")) if v)
            tally = ", ".join(f"{counts[v]} {PLURAL[v]}" for v in VERDICTS)
            terminalreporter.write_line(f"{account}{f' ({where})' if where else ''}: {tally}")
            for result in listed.get(account, ()):
                terminalreporter.write_line(f"    {result.verdict.upper():6} {result.line}")
        if self.waivers:
            terminalreporter.write_sep("=", "awsaudit: waivers")
            notes = [f"{r.control} on {r.account}: {r.waiver}" for r in results.results.values() if r.waiver]
            for note in notes:
                terminalreporter.write_line(note)
            said = " ".join(notes)
            for waiver in self.waivers:
                if waiver.name not in said:
                    terminalreporter.write_line(f"{waiver.describe()}: matched no result of this run")
        if results.framework is not None:
            terminalreporter.write_sep("=", f"awsaudit: {results.framework.name} requirements")
            report = results.config.getoption("htmlpath", None) or ""
            for line in framework_view.summary_lines(results.framework, results.framework_rows(), report):
                terminalreporter.write_line(line)
        html = results.config.pluginmanager.get_plugin("awsaudit-html")
        door = html.front_door() if html is not None else ""
        if door:  # last, above pytest's counts: a run of many accounts prints a line per account above it
            terminalreporter.write_line(door, bold=True)
