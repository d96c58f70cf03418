"""`--results=PATH`: every result as one JSON line, written as it arrives.

The line is the result record every output reads (results.Result): control, account and account id, frameworks,
verdict and one-line reason, waiver, evidence (access key ids masked) and each resource judged. Written line by line
and flushed, so a run stopped half-way leaves each result it reached; exports and merges read it. An earlier file is
never overwritten: the new one gets -2, -3, ... as the HTML report does.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO

from awsaudit.outputs.report_files import reserve
from awsaudit.results import Result, ResultLog


class JsonLines:
    """Registered on the process that writes the outputs, when --results is given."""

    def __init__(self, path: Path, log: ResultLog) -> None:
        self.path = path
        self.file: IO[str] | None = None  # opened with the first result: a run that audits nothing leaves no file

    def pytest_awsaudit_result(self, result: Result) -> None:
        if self.file is None:
            self.path = reserve(self.path)
            self.file = self.path.open("w", encoding="utf-8")
        self.file.write(json.dumps(result.to_json(), ensure_ascii=False, sort_keys=True) + "\n")
        self.file.flush()

    def pytest_unconfigure(self) -> None:
        if self.file is not None:
            self.file.close()
