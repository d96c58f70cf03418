"""`python -m awsaudit.merge shard-*.jsonl --html report.html --junitxml junit.xml --ocsf findings.ocsf.jsonl`: the
shards' results files (`--shard I/N --results=PATH`) made into the one report a single run over every account would
have written, with the exit code it would have had.

The shards are checked first: all of one audit (the same run id and the same accounts: their fingerprint), each
given once. A shard that is missing, or whose file has no end record (killed mid-run), leaves the report INCOMPLETE,
naming it and its accounts, as a single run's banner does; the exit code is then 2, as for an interrupted run. Then
pytest runs in-process in the project with the replay plugin (replay.py), so every output writes as in a run.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest

from awsaudit.outputs import FILE_WRITERS
from awsaudit.results import Result
from awsaudit.shard_results import ShardFile, ShardFileError, read

USAGE = pytest.ExitCode.USAGE_ERROR


class MergeError(ValueError):
    """Shards that cannot be merged into one report; the message says which and why, in one line."""


@dataclass
class Merged:
    """The shards of one audit, checked, in shard order."""

    shards: list[ShardFile]
    count: int  # N: how many shards the audit has

    @property
    def first(self) -> dict[str, Any]:
        return self.shards[0].start

    @property
    def started(self) -> datetime:
        return min(datetime.fromisoformat(shard.start["started"]) for shard in self.shards)

    @property
    def result_count(self) -> int:
        return sum(shard.result_count for shard in self.shards)

    def results(self) -> Iterator[Result]:
        """Every shard's results, read from their files as they are replayed."""
        for shard in self.shards:
            yield from shard.results()

    @property
    def missing(self) -> list[int]:
        given = {shard.index for shard in self.shards}
        return [index for index in range(1, self.count + 1) if index not in given]

    @property
    def unfinished(self) -> list[ShardFile]:
        return [shard for shard in self.shards if shard.end is None]

    @property
    def identities(self) -> dict[str, dict[str, str]]:
        return {account: ident for shard in self.shards if shard.end
                for account, ident in shard.end["identities"].items()}

    @property
    def home_regions(self) -> dict[str, str]:
        return {entry["name"]: entry["home_region"] for shard in self.shards for entry in shard.start["accounts"]}

    def selected_controls(self) -> set[str]:
        return {control for shard in self.shards if shard.end for control in shard.end["selected_controls"]}

    def describe(self) -> str:
        """The scope line: how many shards, and how many of the audit's accounts they covered."""
        audited = sum(len(shard.start["accounts"]) for shard in self.shards if shard.end)
        return (f"{len(self.shards) - len(self.unfinished)} of {self.count} shards merged: {audited} of "
                f"{self.first['accounts_total']} accounts")

    def incomplete(self) -> str:
        """Why the merged report does not cover every account and control, or "" when it does."""
        said = [f"shard {index} of {self.count} is missing (no results file given for it)" for index in self.missing]
        for shard in self.unfinished:
            names = ", ".join(entry["name"] for entry in shard.start["accounts"]) or "none"
            said.append(f"{shard.name} did not finish (its results file has no end record; its accounts: {names})")
        said += [f"{shard.name}: {shard.end['incomplete']}" for shard in self.shards
                 if shard.end and shard.end["incomplete"]]
        if not said:
            return ""
        return f"INCOMPLETE: {'; '.join(said)}; this report does not cover what they did not audit"

    def exit_code(self, replayed: int) -> int:
        """What a single run over every account would have exited with: 2 when it did not cover them all (as an
        interrupted run), 3 when a shard hit an internal error, else the replay's 0 or 1."""
        ended = [int(shard.end["exitstatus"]) for shard in self.shards if shard.end]
        if pytest.ExitCode.INTERNAL_ERROR in ended:
            return pytest.ExitCode.INTERNAL_ERROR
        if self.incomplete() or pytest.ExitCode.INTERRUPTED in ended:
            return pytest.ExitCode.INTERRUPTED
        if replayed == pytest.ExitCode.NO_TESTS_COLLECTED and not self.result_count:
            return pytest.ExitCode.OK  # every shard ran and audited no account
        return replayed


def combine(shards: list[ShardFile]) -> Merged:
    """The shards as one audit, or MergeError: different runs or accounts, different shard counts, a shard twice."""
    if not shards:
        raise MergeError("no results file given")
    first = shards[0]
    for shard in shards[1:]:
        for key, what in (("run_id", "run id"), ("accounts_fingerprint", "accounts (accounts file and --account)")):
            if shard.start[key] != first.start[key]:
                raise MergeError(f"{shard.path} and {first.path} are shards of different audits: {what} "
                                 f"{shard.start[key]} and {first.start[key]}")
        if shard.count != first.count:
            raise MergeError(f"{shard.path} is {shard.name}, {first.path} {first.name}: not one audit's shards")
    seen: dict[int, ShardFile] = {}
    for shard in shards:
        earlier = seen.get(shard.index)
        # A shard retried after it was killed (a pod or array child restarted) leaves an unfinished file beside the
        # finished one: the finished one is the shard's. Two finished files of one shard cannot be told apart.
        if earlier is not None and (earlier.end is None) == (shard.end is None):
            raise MergeError(f"{shard.name} is given twice: {earlier.path} and {shard.path}")
        if earlier is None or earlier.end is None:
            seen[shard.index] = shard
    return Merged(sorted(seen.values(), key=lambda shard: shard.index), first.count)


def pytest_args(args: argparse.Namespace, merged: Merged) -> list[str]:
    """The outputs to write, as a run's options; the framework view when the shards had one."""
    # pytest-html is imported already (the replay builds its rows' extras): it cannot be rewritten, nor need it be.
    given = ["-p", "no:cacheprovider", "-W", "ignore::pytest.PytestAssertRewriteWarning"]
    for option in ("html", "junitxml", *(writer.option for writer in FILE_WRITERS)):
        value = getattr(args, option)
        if value:
            given.append(f"--{option}={Path(value).expanduser().absolute()}")
    if merged.first["framework"]:
        given.append(f"--framework={merged.first['framework']}")
    return given


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m awsaudit.merge", description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, metavar="SHARD.jsonl", help="each shard's --results file")
    parser.add_argument("--html", metavar="PATH", help="the HTML report (default: reports/audit-<time>.html)")
    parser.add_argument("--junitxml", metavar="PATH", help="JUnit XML")
    for writer in FILE_WRITERS:
        parser.add_argument(f"--{writer.option}", metavar="PATH", help=writer.help)
    args = parser.parse_args(argv)
    try:
        merged = combine([read(path) for path in args.files])
    except (ShardFileError, MergeError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return USAGE
    from awsaudit.replay import Replay  # imports the engine's pytest plugin: only once the files are good

    replayed = pytest.main(pytest_args(args, merged), plugins=[Replay(merged)])
    return merged.exit_code(int(replayed))


if __name__ == "__main__":
    sys.exit(main())
