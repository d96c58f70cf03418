"""pytest-xdist (`-n auto`): accounts, not single tests, are spread over the workers.

Each account's controls run on one worker, so its data sources are fetched once (a worker shares them across the
controls it runs, as a single process does) and accounts are audited side by side. The controller writes the one
report at the end.
"""

from __future__ import annotations

from typing import Any

import pytest


def account_of(nodeid: str) -> str:
    """The account a test id names (`...::test_root_has_mfa[prod]` -> `prod`); the id itself for any other test."""
    return nodeid.rsplit("[", 1)[-1][:-1] if nodeid.endswith("]") else nodeid


def make_scheduler(config: pytest.Config, log: Any) -> Any | None:
    """For `-n` with the default distribution: LoadScope scheduling whose scope is the account. An explicit
    `--dist` other than `load` is left to pytest-xdist."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class AccountScheduling(LoadScopeScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            return account_of(nodeid)

    return AccountScheduling(config, log)
