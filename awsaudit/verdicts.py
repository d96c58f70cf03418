"""What a control concluded, and why, in one line an auditor reads.

Only a failed assert is a failure; any other exception means the control could not be evaluated. The one-line
reasons replace tracebacks in the console, the report and JUnit XML, with access key ids masked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from awsaudit.accounts import describe_aws_error
from awsaudit.controls import control_of
from awsaudit.errors import AuditError
from awsaudit.secrecy import mask

VERDICTS = ("passed", "failed", "error", "waived", "not applicable")
# How a count of each reads: "3 errors".
PLURAL = {"passed": "passed", "failed": "failed", "error": "errors", "waived": "waived",
          "not applicable": "not applicable"}
# Where several verdicts meet (a requirement's controls, a control's phases) the first of these seen is the one told.
_WORST_FIRST = ("failed", "error", "waived", "passed", "not applicable")


def worst(seen: Iterable[str]) -> str:
    """The verdict that decides among `seen`, or "" when there is none."""
    found = set(seen)
    return next((verdict for verdict in _WORST_FIRST if verdict in found), "")


@dataclass(frozen=True)
class Crash:
    """Where a verdict came from, in the shape pytest's summaries and JUnit XML read."""

    path: str
    lineno: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.lineno}: {self.message}"


@dataclass(frozen=True)
class OneLine:
    """A failure or error shown as its reason alone: auditors read the cause, not the engine's stack."""

    reprcrash: Crash

    def toterminal(self, tw: Any) -> None:
        tw.line(self.reprcrash.message, red=True)

    def __str__(self) -> str:
        return self.reprcrash.message


def verdict_of(report: pytest.TestReport, excinfo: pytest.ExceptionInfo[BaseException] | None) -> str | None:
    """The control's verdict this phase decides, or None when the phase decides nothing.

    Only a failed assert is a failure. Any other exception, in any phase, means the control could not be evaluated:
    data that could not be read, or a bug, is an error, never evidence of non-compliance.
    """
    if report.failed and excinfo is not None and not excinfo.errisinstance(AssertionError):
        return "error"
    if report.when == "call":
        if report.skipped and hasattr(report, "wasxfail"):  # a failure a waiver covers (waivers.py)
            return "waived"
        return {"passed": "passed", "failed": "failed", "skipped": "not applicable"}[report.outcome]
    if report.failed:
        return "error"
    if report.when == "setup" and report.skipped:
        return "not applicable"
    return None


def one_line(excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """The reason an auditor reads, for the exceptions that have one; None keeps pytest's traceback (a bug)."""
    exc = excinfo.value
    if isinstance(exc, AssertionError):
        return str(exc).split("\nassert ")[0].strip() or "assertion failed"
    if isinstance(exc, AuditError):
        return str(exc)
    if isinstance(exc, (ClientError, BotoCoreError)):
        return f"could not evaluate: {describe_aws_error(exc, None)}"
    return None


def replacing_line(excinfo: pytest.ExceptionInfo[BaseException], location: tuple[str, int | None, str],
                   tbstyle: str) -> OneLine | None:
    """The one line that stands for this exception in the control's report, or None where pytest's traceback stays:
    a failed assert keeps it when the user asked for a style (--tb=short, long...), a bug always, since its reader
    needs it."""
    message = one_line(excinfo)
    if message is None or (tbstyle != "auto" and excinfo.errisinstance(AssertionError)):
        return None
    path, lineno, _ = location
    return OneLine(Crash(path, (lineno or 0) + 1, mask(message)))


def explain(report: pytest.TestReport, excinfo: pytest.ExceptionInfo[BaseException] | None,
            location: tuple[str, int | None, str], tbstyle: str) -> None:
    """Give a control's report its one-line reason, and mask access key ids in whatever it keeps."""
    path, lineno, _ = location
    line = replacing_line(excinfo, location, tbstyle) if excinfo is not None else None
    if report.skipped and isinstance(report.longrepr, tuple):  # where the control is, not where it skipped
        report.longrepr = (path, (lineno or 0) + 1, mask(report.longrepr[2]))
    elif line is not None:
        report.longrepr = line
    elif report.longrepr is not None and not isinstance(report.longrepr, tuple):
        text = str(report.longrepr)
        if mask(text) != text:
            report.longrepr = mask(text)
    report.sections = [(header, mask(content)) for header, content in report.sections]


def reason_of(report: pytest.TestReport) -> str:
    if hasattr(report, "wasxfail"):  # waived, or passed despite a waiver: the waiver is the reason
        crash = getattr(report.longrepr, "reprcrash", None)
        return mask(f"waived by {report.wasxfail}; failure: {crash.message}" if report.skipped and crash
                    else report.wasxfail)
    if report.skipped and isinstance(report.longrepr, tuple):
        return mask(report.longrepr[2].removeprefix("Skipped: ").removeprefix("not applicable: "))
    if report.failed:
        crash = getattr(report.longrepr, "reprcrash", None)
        return mask(crash.message if crash else str(report.longrepr).strip().splitlines()[-1])
    return ""


class Reasons:
    """Gives each control's report its one-line reason, first of all: the waivers and the result read it."""

    def __init__(self, tbstyle: str) -> None:
        self.tbstyle = tbstyle

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        """A failure whose traceback its one line replaces is never formatted: pytest would parse the source of every
        frame for it (some 50 ms a failure, a quarter of the run of an account that fails everything)."""
        if control_of(item) is None:
            return
        format_traceback = item._repr_failure_py  # what both the call phase and setup/teardown errors go through

        def repr_failure_py(excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
            return replacing_line(excinfo, item.location, self.tbstyle) or format_traceback(excinfo, style=style)

        item._repr_failure_py = repr_failure_py  # type: ignore[method-assign]

    @pytest.hookimpl(hookwrapper=True, trylast=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome = yield
        if control_of(item) is not None:
            explain(outcome.get_result(), call.excinfo, item.location, self.tbstyle)
