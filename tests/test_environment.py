"""Read-ahead threads walk the process environment while pytest writes to it: no walk may see half a write."""

from __future__ import annotations

import os
import threading

import pytest
from botocore.utils import get_environ_proxies

from awsaudit import environment

VARIABLE = "AWSAUDIT_TEST_CURRENT"


def walk_while_deleting() -> list[tuple[str, str]]:
    """Walk os.environ, deleting the variables not yet reached once the walk has begun: the interleaving a
    read-ahead thread meets when pytest deletes PYTEST_CURRENT_TEST in the middle of its walk."""
    names = [f"{VARIABLE}_{n}" for n in range(3)]
    for name in names:
        os.environ[name] = "set"
    seen = []
    try:
        for name, value in os.environ.items():
            seen.append((name, value))
            for other in names:
                os.environ.pop(other, None)
    finally:
        for name in names:
            os.environ.pop(name, None)
    return seen


def test_a_walk_of_the_environment_reads_it_as_it_was_when_the_walk_began() -> None:
    with pytest.raises(KeyError):  # the race, as os.environ has it
        walk_while_deleting()
    with environment.consistent():
        seen = dict(walk_while_deleting())
    assert {name for name in seen if name.startswith(VARIABLE)} == {f"{VARIABLE}_{n}" for n in range(3)}
    assert type(os.environ) is os._Environ  # put back when the audit ends


def test_proxy_lookups_in_threads_never_fail_while_the_main_thread_writes() -> None:
    """What creating a botocore client does in each read-ahead thread, while pytest sets and deletes its variable."""
    errors: list[BaseException] = []
    done = threading.Event()

    def look_up() -> None:
        for _ in range(5_000):
            try:
                get_environ_proxies("https://iam.amazonaws.com")
            except BaseException as exc:  # noqa: BLE001 - the test counts every failure
                errors.append(exc)
        done.set()

    with environment.consistent():
        readers = [threading.Thread(target=look_up) for _ in range(2)]
        for reader in readers:
            reader.start()
        writes = 0
        while not done.is_set():
            os.environ[VARIABLE] = "x"
            del os.environ[VARIABLE]
            writes += 1
        for reader in readers:
            reader.join()
    assert writes > 1000, "the readers finished before the writes overlapped them"
    assert errors == []
