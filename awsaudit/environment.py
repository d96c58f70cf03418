"""A process environment that threads can read while pytest writes to it.

pytest sets and deletes `PYTEST_CURRENT_TEST` in `os.environ` around every test, on the main thread, while the
read-ahead threads create botocore clients; creating a client walks the environment (urllib's proxy lookup, botocore
copying it). `os.environ` walks its keys, then looks each one up: a key deleted in between raises KeyError in the
reader, and a healthy account's source turned into an ERROR. For the length of an audit, every walk of the
environment reads one copy taken at once, so a reader sees it wholly before or wholly after a write, never between.
"""

from __future__ import annotations

import contextlib
import os
from typing import ItemsView, Iterator, KeysView, ValuesView


class _ConsistentEnviron(os._Environ):  # type: ignore[name-defined]  # the class of os.environ
    """os.environ whose walks read a snapshot; lookups and writes are os.environ's own."""

    def _snapshot(self) -> dict[str, str]:
        # dict.copy runs in C without releasing the GIL: no other thread writes while it copies.
        return {self.decodekey(key): self.decodevalue(value) for key, value in self._data.copy().items()}

    def __iter__(self) -> Iterator[str]:
        return iter(self._snapshot())

    def keys(self) -> KeysView[str]:
        return self._snapshot().keys()

    def items(self) -> ItemsView[str, str]:
        return self._snapshot().items()

    def values(self) -> ValuesView[str]:
        return self._snapshot().values()

    def copy(self) -> dict[str, str]:
        return self._snapshot()


@contextlib.contextmanager
def consistent() -> Iterator[None]:
    """Make walks of os.environ atomic until the context ends."""
    previous = os.environ.__class__
    os.environ.__class__ = _ConsistentEnviron
    try:
        yield
    finally:
        os.environ.__class__ = previous
