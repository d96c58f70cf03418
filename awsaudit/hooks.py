"""The hooks awsaudit's outputs implement: each result as it arrives, and the end of the run. An output is a plugin
that implements them, registered only where it writes (as pytest's junitxml registers LogXML)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from awsaudit.results import Result, ResultLog


@pytest.hookspec
def pytest_awsaudit_result(result: Result) -> None:
    """A control's result on one account, on the process that writes the outputs (the xdist controller)."""


@pytest.hookspec
def pytest_awsaudit_finish(log: ResultLog, exitstatus: int) -> None:
    """The run is over: every result is in `log`; write what is written at the end."""
