"""Reading ahead: each account's data sources are requested as soon as the run knows it needs them, concurrently,
so slow AWS work (a credential report being generated, a dozen regions answering) overlaps instead of queueing,
and no account waits behind another.

Every read goes through `Account.fetch`, so a source is still read once per run and a failed read is still the
ERROR of each control that needs it; reading ahead changes when data arrives, never what a control concludes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable, Mapping

import pytest

from awsaudit.accounts import Account, account_of
from awsaudit.sources import READERS

# Concurrent reads across all accounts: enough to overlap waits, few enough not to trip AWS's rate limits.
WORKERS = 16


class Prefetch:
    def __init__(self, settings: Mapping[str, int]) -> None:
        self._settings = settings
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="awsaudit-prefetch")
        self._needs: dict[Account, set[str]] = {}
        self._started: set[Account] = set()
        self._lock = threading.Lock()

    def plan(self, items: Iterable[pytest.Item]) -> list[Account]:
        """Note which sources each account's selected controls read; returns the accounts, in run order."""
        for item in items:
            account = account_of(item)
            if account is not None:
                self._needs.setdefault(account, set()).update(set(item.fixturenames) & set(READERS))
        return list(self._needs)

    def start(self, account: Account) -> None:
        """Request the account's identity and sources in the background, once."""
        with self._lock:
            if account in self._started or account not in self._needs:
                return
            self._started.add(account)
            self._pool.submit(self._read, account)

    def _read(self, account: Account) -> None:
        """The identity first: an account that cannot be signed in to is not asked for anything else."""
        try:
            account.identity
        except Exception:  # remembered by the account: every control of it reports the cause
            return
        for name in READERS:  # in READERS' order: the credential report, slowest to generate, first
            if name in self._needs[account]:
                self._pool.submit(READERS[name], account, self._settings)

    def close(self) -> None:
        """Drop reads not begun and wait for those under way: none may outlive the run (or its offline emulation)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
