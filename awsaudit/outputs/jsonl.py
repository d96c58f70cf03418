"""`--results=PATH`: every result as one JSON line, written as it arrives.

The line is the result record every output reads (results.Result): control, account and account id, frameworks,
verdict and one-line reason, waiver, evidence (access key ids masked) and each resource judged. Written line by line
and flushed, so a run stopped half-way leaves each result it reached; exports and merges read it. An earlier file is
never overwritten: the new one gets -2, -3, ... as the HTML report does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, Iterable

import pytest

from awsaudit import shard_results
from awsaudit.audit import AUDIT
from awsaudit.outputs.report_files import reserve
from awsaudit.results import Result, ResultLog


class LineFile:
    """A file of JSON lines, opened with its first line (a run that audits nothing leaves no file) under a name no
    earlier file has, flushed after each result's lines and closed with the run. The --results, --ocsf and --asff
    writers are made on it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: IO[str] | None = None

    def write(self, records: Iterable[dict[str, Any]]) -> int:
        """Each record as one line; how many were written."""
        lines = [json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n" for record in records]
        if lines and self.file is None:
            self.path = reserve(self.path)
            self.file = self.path.open("w", encoding="utf-8")
        if self.file is not None:
            self.file.write("".join(lines))
            self.file.flush()
        return len(lines)

    def pytest_unconfigure(self) -> None:
        if self.file is not None:
            self.file.close()


class JsonLines(LineFile):
    """Registered on the process that writes the outputs, when --results is given. A shard's file (--shard) opens
    with a record saying which audit and shard it is, and ends with one saying how the shard ended
    (shard_results.py), so a merge can tell a finished shard from a killed one."""

    def __init__(self, path: Path, log: ResultLog) -> None:
        super().__init__(path)
        self.log = log
        self.shard = log.config.stash[AUDIT].shard is not None

    def _opening(self) -> list[dict[str, Any]]:
        return [shard_results.start(self.log)] if self.shard and self.file is None else []

    def pytest_awsaudit_result(self, result: Result) -> None:
        self.write([*self._opening(), result.to_json()])

    def pytest_awsaudit_finish(self, log: ResultLog, exitstatus: int) -> None:
        """A shard's end record, written even when it audited no account (so the merge knows it ran); a run that
        audited nothing (a usage error, no control selected) leaves no file."""
        if self.shard and exitstatus not in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.NO_TESTS_COLLECTED):
            self.write([*self._opening(), shard_results.end(log, exitstatus)])
