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
    """Registered on the process that writes the outputs, when --results is given."""

    def __init__(self, path: Path, log: ResultLog) -> None:
        super().__init__(path)

    def pytest_awsaudit_result(self, result: Result) -> None:
        self.write([result.to_json()])
