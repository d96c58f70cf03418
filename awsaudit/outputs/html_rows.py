"""pytest-html's rows, kept on disk from the moment a test's rows are made, and streamed into its page.

pytest-html keeps every row in memory to the end (with its evidence, ~4.5 kB a result: 100 MB at 23,000), then turns
them into one JSON string, renders the page with it escaped inside and encodes the page: four copies more. Here each
test's rows go to a temporary file beside the report, one per severity, once pytest-html has made them (at the
test's teardown), and the page is rendered around a marker where the rows' data goes, then written a piece at a
time: the JSON pytest-html would write, with the rows most severe first, escaped as its template escapes it
(markupsafe).
"""

from __future__ import annotations

import json
import secrets
import tempfile
from pathlib import Path
from typing import Any, TextIO

from markupsafe import escape
from pytest_html.basereport import BaseReport

from awsaudit.outputs.report_files import written_whole
from awsaudit.outputs.summary_page import most_severe_first


class Rows:
    """pytest-html's rows on their way to its page: `filed` takes a test's rows out of pytest-html's memory; pytest-html
    renders its page through `render` and writes it through `write`."""

    _PIECE = 1 << 20  # characters escaped and written at a time

    def __init__(self, html: BaseReport) -> None:
        self.data: dict[str, Any] = html._report.data
        self.path: Path = html._report_path
        self.template = html._template
        self.mark = f"awsaudit-rows-{secrets.token_hex(16)}"  # no text in a page can be it by chance
        self.spools: dict[int, TextIO] = {}  # by most_severe_first: each test's rows as one `"id": [rows]` line
        html._template = self
        html._write_report = self.write  # type: ignore[method-assign]

    def filed(self, test_id: str) -> None:
        """The test's rows are final (pytest-html has had its teardown report): to disk with them."""
        rows = self.data["tests"].pop(test_id, None)
        if rows:
            rank = most_severe_first(rows[-1].get("severity", ""))
            if rank not in self.spools:
                # Beside the report (its folder was checked writable): a system temp folder may be memory (tmpfs).
                self.spools[rank] = tempfile.TemporaryFile("w+", encoding="utf-8", dir=self.path.parent)
            self.spools[rank].write(f"{json.dumps(test_id)}: {json.dumps(rows)}\n")

    def render(self, **context: Any) -> str:
        """pytest-html's page, with the marker where its rows' data goes (it made that data without the rows)."""
        return self.template.render(**{**context, "test_data": self.mark})

    def write(self, page: str) -> None:
        """The page, whole or not at all, its rows' data streamed in."""
        head, tail = page.split(self.mark)
        for test_id in list(self.data["tests"]):  # rows made outside a test (a collection error)
            self.filed(test_id)
        with written_whole(self.path) as file:
            file.write(head)
            self._write_data(file)
            file.write(tail)

    def close(self) -> None:
        """The spools are deleted as they are closed (they have no name)."""
        for spool in self.spools.values():
            spool.close()

    def _write_data(self, file: TextIO) -> None:
        """pytest-html's data as `json.dumps` gives it, "tests" read from the spools, all escaped."""
        file.write("{")
        for index, (key, value) in enumerate(self.data.items()):
            file.write(escape(f"{', ' if index else ''}{json.dumps(key)}: "))
            if key != "tests":
                self._write_escaped(file, json.dumps(value))
                continue
            file.write("{")
            first = True
            for rank in sorted(self.spools):
                spool = self.spools[rank]
                spool.flush()
                spool.seek(0)
                for line in spool:
                    self._write_escaped(file, ("" if first else ", ") + line.rstrip("\n"))
                    first = False
                spool.seek(0, 2)  # a later write (pytest-html's generate_report_on_test) appends
            file.write("}")
        file.write("}")

    def _write_escaped(self, file: TextIO, text: str) -> None:
        for start in range(0, len(text), self._PIECE):
            file.write(escape(text[start:start + self._PIECE]))
