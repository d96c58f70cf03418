"""Report files: each run gets a name no earlier report has, and a file is written whole or not at all."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TextIO

import pytest
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


def write_nothing(html: BaseReport) -> None:
    """Make pytest-html write no report: a run that audited nothing (a usage error, an empty selection) leaves no
    file to be mistaken for an audit."""
    html._write_report = lambda rendered: None  # type: ignore[method-assign]
