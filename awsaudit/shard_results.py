"""A shard's results file: its result lines between a first record that says which audit and shard it is, and a
last one written when the shard ended.

`--results` of a run with `--shard` writes, before its first result, a `shard-start` record (run id, shard I of N,
the fingerprint and count of the audit's accounts, the shard's accounts, what the run covers) and, when the run
ends, a `shard-end` record (its exit status, whether every selected control ran, the accounts' identities). A file
without its end record comes from a shard that was killed: the merge marks the report INCOMPLETE. Both records carry
a `record` key, which no result line has; a run without `--shard` writes result lines only, as before.
"""

from __future__ import annotations

import json
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from awsaudit.audit import AUDIT
from awsaudit.results import Result

if TYPE_CHECKING:
    from awsaudit.results import ResultLog

START, END = "shard-start", "shard-end"
FORMAT = 1


class ShardFileError(ValueError):
    """A file that is not a shard's results, or is damaged; the message names the file and line."""


def start(log: ResultLog) -> dict[str, Any]:
    """The first record: which audit and shard, and what it covers (known before any result arrives)."""
    audit = log.config.stash[AUDIT]
    assert audit.shard is not None
    scope = log.scope()
    return {"record": START, "format": FORMAT, "run_id": audit.run_id, "shard": [audit.shard.index, audit.shard.count],
            "accounts_fingerprint": audit.fingerprint, "accounts_total": audit.total_accounts,
            "accounts": [{"name": a.name, "id": a.expected_id or "", "home_region": a.profile_region}
                         for a in audit.accounts],
            "left_out": list(audit.left_out), "started": log.started.isoformat(), "offline": log.offline,
            "thresholds": dict(log.thresholds), "command": scope.command, "selection": scope.selection,
            "regions": list(scope.regions), "framework": log.framework.name if log.framework else "",
            "version": log.version, "run_by": log.run_by}


def end(log: ResultLog, exitstatus: int) -> dict[str, Any]:
    """The last record: how the shard ended and what it learnt of each account."""
    audit = log.config.stash[AUDIT]
    assert audit.shard is not None
    return {"record": END, "run_id": audit.run_id, "shard": [audit.shard.index, audit.shard.count],
            "exitstatus": int(exitstatus), "incomplete": log._incomplete(), "results": len(log.results),
            "selected_tests": log._selected(), "selected_controls": sorted(log.selected_controls),
            "identities": log.identities}


@dataclass
class ShardFile:
    """What one shard's results file holds; `end` is None when the shard did not finish. Its results are read from
    the file when they are replayed (`results()`), one at a time: 23,000 results with their evidence would otherwise
    be in memory at once."""

    path: Path
    start: dict[str, Any]
    result_count: int = 0
    end: dict[str, Any] | None = None

    @property
    def index(self) -> int:
        return int(self.start["shard"][0])

    @property
    def count(self) -> int:
        return int(self.start["shard"][1])

    @property
    def name(self) -> str:
        return f"shard {self.index} of {self.count}"

    def results(self) -> Iterator[Result]:
        """The results `read` counted, read again in order as they are replayed; a file changed since (a line
        damaged, results gone) is refused, and results added since are not read."""
        left = self.result_count
        with closing(_records(self.path)) as records:
            for number, record in records:
                if not left:
                    return
                if _kind(record) is None:
                    left -= 1
                    yield _result(self.path, number, record)
        if left:
            raise ShardFileError(f"{self.path}: {left} of its {self.result_count} results are gone since it was read")


def _kind(record: Any) -> Any:
    """A line's record kind: START, END, None for a result, or what else it says."""
    return record.get("record") if isinstance(record, dict) else "?"


def _result(path: Path, number: int, record: dict[str, Any]) -> Result:
    try:
        return Result.from_json(record)
    except (KeyError, TypeError, ValueError) as exc:
        raise ShardFileError(f"{path}: line {number} is not a result record ({exc})") from None


def _records(path: Path) -> Iterator[tuple[int, Any]]:
    """Each line's record with its number. A last line cut short (the shard killed while writing it) ends the file:
    the file then has no end record either, which the merge reports."""
    cut: int | None = None
    try:
        with path.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if cut is not None:
                    raise ShardFileError(f"{path}: line {cut} is not JSON")
                try:
                    record = json.loads(line)
                except ValueError:
                    cut = number
                    continue
                yield number, record
    except (OSError, UnicodeDecodeError) as exc:
        raise ShardFileError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None


def read(path: Path) -> ShardFile:
    """A shard's results file, checked line by line; its results are counted here and read again when replayed."""
    with closing(_records(path)) as records:
        first = next(records, (0, None))[1]
        if _kind(first) != START:
            raise ShardFileError(f"{path}: not a shard's results (its first line is no {START} record: run the shard "
                                 "with --shard I/N --results=PATH)")
        if first.get("format") != FORMAT:
            raise ShardFileError(f"{path}: written in format {first.get('format')!r}; this awsaudit reads {FORMAT}")
        found = ShardFile(path, first)
        for number, record in records:
            kind = _kind(record)
            if found.end is not None:
                raise ShardFileError(f"{path}: line {number} follows the {END} record")
            if kind == END:
                found.end = record
            elif kind is None:
                _result(path, number, record)
                found.result_count += 1
            else:
                raise ShardFileError(f"{path}: line {number} is an unknown record {kind!r}")
    return found
