"""Report files: each run gets a name no earlier report has, and a file is written whole or not at all."""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, TextIO

import pytest
from markupsafe import escape
from pytest_html.basereport import BaseReport


def writable(path: Path, option: str, example: str) -> Path:
    """`path` as a file an output can be written to, or a usage error saying why not (checked before the audit, so
    a mistyped path costs no run)."""
    if path.is_dir():
        raise pytest.UsageError(f"{option}={path} is a folder: give a file name, e.g. {option}={path / example}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(f"{option}={path}: its folder cannot be made ({exc.strerror or exc})") from None
    if not os.access(path.parent, os.W_OK):
        raise pytest.UsageError(f"{option}={path}: its folder {path.parent} is not writable")
    return path


def reserve(path: Path) -> Path:
    """Create `path`, or `path` with -2, -3, ... before the suffix, and return it.

    Created empty and exclusively, so neither an earlier report nor a run started in the same second is overwritten;
    the report is written into it at the end of the run.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate, number = path, 1
    while True:
        try:
            os.close(os.open(candidate, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            return candidate
        except FileExistsError:
            number += 1
            candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")


def replace(path: Path, rendered: str) -> None:
    """Write `rendered` to `path` whole or not at all (see `written_whole`)."""
    with written_whole(path) as file:
        file.write(rendered)


@contextmanager
def written_whole(path: Path) -> Iterator[TextIO]:
    """A temporary file renamed into place once written: a run killed while writing leaves the earlier state (the
    empty reserved file), never half a page."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8") as file:
            yield file
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class StreamedPage:
    """pytest-html's page written as it is rendered. pytest-html turns its rows' data into JSON, then renders the
    page with it escaped inside, then encodes the page: four copies of 110 MB at 23,000 results. Here the page is
    rendered around a marker and the JSON is escaped into the file a piece at a time, as the template's own escaping
    (markupsafe) would: the same bytes, with one copy in memory."""

    _PIECE = 1 << 20

    def __init__(self, html: BaseReport) -> None:
        self.mark = f"awsaudit-rows-{secrets.token_hex(16)}"  # no text in a page can be it by chance
        self.template = html._template
        self.path: Path = html._report_path
        self.data = ""

    def render(self, **context: Any) -> str:
        self.data = context["test_data"]
        return self.template.render(**{**context, "test_data": self.mark})

    def write(self, page: str) -> None:
        head, tail = page.split(self.mark)
        data, self.data = self.data, ""
        with written_whole(self.path) as file:
            file.write(head)
            for start in range(0, len(data), self._PIECE):
                file.write(escape(data[start:start + self._PIECE]))
            file.write(tail)


def write_atomically(html: BaseReport) -> None:
    """Make pytest-html write its report whole or not at all, streamed (StreamedPage)."""
    page = StreamedPage(html)
    html._template = page
    html._write_report = page.write  # type: ignore[method-assign]


def write_nothing(html: BaseReport) -> None:
    """Make pytest-html write no report: a run that audited nothing (a usage error, an empty selection) leaves no
    file to be mistaken for an audit."""
    html._write_report = lambda rendered: None  # type: ignore[method-assign]
