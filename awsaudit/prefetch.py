"""Reading ahead: each account's data sources are requested before its controls ask for them, concurrently, so slow
AWS work (a credential report being generated, a dozen regions answering) overlaps instead of queueing, and the reads
of the next accounts overlap the controls of the current one. The pool is bounded: past WORKERS reads at once (a
credential report being polled holds its worker), the rest wait their turn.

The work is flat: one task per (account, source, region) in one bounded pool, never a pool inside a pool. Every read
goes through the account's fetch-once cache, so a source is still read once per run and a failed read is still the
ERROR of each control that needs it; reading ahead changes when data arrives, never what a control concludes.

The window is bounded too: when the controls of an account begin, the accounts up to `ahead` places after it in test
order are read (the ini setting `read_ahead_accounts`), never all of them at once. An audit of a thousand accounts
then holds the data of at most `ahead` + 1 accounts: each is let go (Account.release) after its last control.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Iterable

import pytest

from awsaudit.accounts import Account, account_of
from awsaudit.sources import Source, needed

# Concurrent reads across all accounts: enough to overlap waits, few enough not to trip AWS's rate limits.
WORKERS = 16
# Read first: the credential report takes AWS longest to generate.
FIRST = ("credential_report",)
# How many accounts after the current one are read ahead by default (the ini setting read_ahead_accounts).
AHEAD = 8


class Prefetch:
    def __init__(self, ahead: int = AHEAD) -> None:
        if ahead < 0:
            raise ValueError(f"read_ahead_accounts must be 0 or more, not {ahead}")
        self.ahead = ahead
        self._pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="awsaudit-prefetch")
        self._needs: dict[Account, list[Source]] = {}
        self._order: dict[Account, int] = {}  # each account's place in test order
        self._accounts: list[Account] = []
        self._started: set[Account] = set()
        self._lock = threading.Lock()

    def plan(self, items: Iterable[pytest.Item]) -> list[Account]:
        """Note which sources each account's selected controls read; returns the accounts, in run order."""
        names: dict[Account, set[str]] = {}
        for item in items:
            account = account_of(item)
            if account is not None:
                names.setdefault(account, set()).update(item.fixturenames)
        for account, wanted in names.items():
            self._needs[account] = sorted(needed(wanted), key=lambda source: source.name not in FIRST)
        self._accounts = list(self._needs)
        self._order = {account: place for place, account in enumerate(self._accounts)}
        return list(self._accounts)

    def advance(self, account: Account) -> None:
        """The controls of `account` are about to run: read it (if not yet) and the `ahead` accounts after it."""
        place = self._order.get(account)
        if place is None:
            return
        for following in self._accounts[place:place + 1 + self.ahead]:
            self.start(following)

    def ahead_of(self, account: Account) -> list[Account]:
        """The accounts after `account` in test order whose reads have been requested."""
        place = self._order.get(account, -1)
        with self._lock:
            return [each for each in self._accounts[place + 1:] if each in self._started]

    def start(self, account: Account) -> None:
        """Request the account's identity and sources in the background, once."""
        with self._lock:
            if account in self._started or account not in self._needs:
                return
            self._started.add(account)
            self._pool.submit(self._read, account)

    def _read(self, account: Account) -> None:
        """The identity first: an account that cannot be signed in to is not asked for anything else."""
        if account.released:
            return
        try:
            account.identity
        except Exception:  # remembered by the account: every control of it reports the cause
            return
        for source in self._needs[account]:
            if source.regional:
                self._pool.submit(self._regions, account, source)
            else:
                self._pool.submit(self._quietly, account, source, None)

    def _regions(self, account: Account, source: Source) -> None:
        """A regional source: one task per region it is read in."""
        if account.released:
            return
        try:
            regions = account.regions(source.service)
        except Exception:  # the control that needs the source reports why no region could be read
            return
        for region in regions:
            self._pool.submit(self._quietly, account, source, region)

    @staticmethod
    def _quietly(account: Account, source: Source, region: str | None) -> None:
        if account.released:  # its controls have run (or stopped): no read, no new session
            return
        try:
            account.read_in(source, region)
        except Exception:  # remembered by the account for every control that needs it
            pass
        if account.released:  # let go while this read was under way: what it stored goes too
            account.release()

    def close(self) -> None:
        """Drop reads not begun and wait for those under way: none may outlive the run (or its offline emulation)."""
        self._pool.shutdown(wait=True, cancel_futures=True)
