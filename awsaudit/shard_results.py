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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    """What one shard's results file holds; `end` is None when the shard did not finish."""

    path: Path
    start: dict[str, Any]
    results: list[Result] = field(default_factory=list)
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


def read(path: Path) -> ShardFile:
    """A shard's results file. A last line cut short (the shard killed while writing it) is left out: the file then
    has no end record either, which the merge reports."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ShardFileError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    records = []
    for number, line in enumerate(lines, 1):
        try:
            records.append(json.loads(line))
        except ValueError:
            if number == len(lines):
                break
            raise ShardFileError(f"{path}: line {number} is not JSON") from None
    if not records or not isinstance(records[0], dict) or records[0].get("record") != START:
        raise ShardFileError(f"{path}: not a shard's results (its first line is no {START} record: run the shard "
                             "with --shard I/N --results=PATH)")
    if records[0].get("format") != FORMAT:
        raise ShardFileError(f"{path}: written in format {records[0].get('format')!r}; this awsaudit reads {FORMAT}")
    found = ShardFile(path, records[0])
    for number, record in enumerate(records[1:], 2):
        kind = record.get("record") if isinstance(record, dict) else "?"
        if found.end is not None:
            raise ShardFileError(f"{path}: line {number} follows the {END} record")
        if kind == END:
            found.end = record
        elif kind is None:
            try:
                found.results.append(Result.from_json(record))
            except (KeyError, TypeError, ValueError) as exc:
                raise ShardFileError(f"{path}: line {number} is not a result record ({exc})") from None
        else:
            raise ShardFileError(f"{path}: line {number} is an unknown record {kind!r}")
    return found
