"""`--shard I/N`: one of N runs that together audit every account, each on its own machine or pod.

Shard I (1-based) audits the I-th of N contiguous slices of the accounts sorted by account id (by name where no id
is pinned). Slices, not a hash of the id mod N: a slice's size differs from another's by one account at most, so no
shard runs much longer than the rest (with a hash, 10 accounts over 4 shards may leave one with 5 and one with none).
A hash would keep an account in its shard when the list changes; here the list cannot change between shards, since
every shard reads the same accounts file and the merge refuses shards whose files differ.

`--shard auto/N` takes the index from the job that runs it: `JOB_COMPLETION_INDEX` (a Kubernetes Indexed Job) or
`AWS_BATCH_JOB_ARRAY_INDEX` (an AWS Batch array job), both 0-based, so shard index + 1.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Sequence, TypeVar

T = TypeVar("T")

INDEX_VARIABLES = ("JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX")
RUN_ID_VARIABLE = "AWSAUDIT_RUN_ID"
_SHARD = re.compile(r"^(auto|\d+)/(\d+)$")


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def describe(self, kept: int, total: int) -> str:
        """The scope line every report of the shard carries."""
        return f"shard {self.index} of {self.count}: {kept} of {total} accounts"


def parse(value: str, environ: Mapping[str, str] | None = None) -> Shard:
    """`2/4`, or `auto/4` with the index from the job's environment; ValueError says what is wrong."""
    environ = os.environ if environ is None else environ
    found = _SHARD.match(value.strip())
    if not found or int(found[2]) < 1:
        raise ValueError(f"--shard {value}: expected I/N (1 <= I <= N, e.g. 2/4) or auto/N")
    count = int(found[2])
    if found[1] != "auto":
        index = int(found[1])
        if not 1 <= index <= count:
            raise ValueError(f"--shard {value}: I must be 1 to {count} (shards count from 1; auto/N counts the "
                             "job's 0-based index from 0)")
        return Shard(index, count)
    for name in INDEX_VARIABLES:
        given = environ.get(name)
        if given is None:
            continue
        if not given.isdigit() or int(given) >= count:
            raise ValueError(f"--shard {value}: {name}={given} is not a shard index 0 to {count - 1}")
        return Shard(int(given) + 1, count)
    raise ValueError(f"--shard {value}: neither {' nor '.join(INDEX_VARIABLES)} is set: give --shard I/{count}")


def run_id(given: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The id every shard of one audit shares (the merge refuses shards of different ids): --run-id, else
    AWSAUDIT_RUN_ID, else an AWS Batch array job's parent job id; "" when none is known."""
    environ = os.environ if environ is None else environ
    if given:
        return given
    if environ.get(RUN_ID_VARIABLE):
        return environ[RUN_ID_VARIABLE]
    batch = environ.get("AWS_BATCH_JOB_ID", "")
    # A child of an array job is "<parent id>:<index>": the parent's id is the shards' common id.
    return batch.split(":")[0] if ":" in batch else ""


def pick(shard: Shard, items: Sequence[T], key: Callable[[T], str]) -> list[T]:
    """The shard's slice of `items` sorted by `key`; the same on every machine for the same items."""
    ordered = sorted(items, key=key)
    start, end = (len(ordered) * (shard.index - 1)) // shard.count, (len(ordered) * shard.index) // shard.count
    return ordered[start:end]
