"""One run of the audit: its clock, its settings, the accounts it covers, and what it undoes when it ends.

Everything here happens before collection, so bad input (an unknown account, a bad setting or twin) stops the run
with a one-line usage error before anything is audited.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

import pytest

from awsaudit import accounts, client_classes, discovery, environment, guard, thresholds
from awsaudit.accounts import Account
from awsaudit.secrecy import quiet_aws_debug_logs
from awsaudit.twins import Twin, TwinError, load_all

OpenAccount = Callable[..., Account]


@dataclass
class Audit:
    """One run: when it started, what it judges by, and the accounts it covers."""

    started: datetime
    offline: bool
    thresholds: dict[str, int]
    accounts: list[Account] = field(default_factory=list)
    # Accounts the run was asked to cover but does not audit, each as "name (id): why" (a suspended member).
    left_out: list[str] = field(default_factory=list)
    cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @classmethod
    def open(cls, config: pytest.Config) -> Audit:
        audit = cls(datetime.now(timezone.utc).replace(microsecond=0), config.getoption("offline"),
                    thresholds.read(config))
        try:
            # Before any thread starts: read-ahead threads walk the environment while pytest writes to it.
            audit.cleanup.enter_context(environment.consistent())
            audit.cleanup.enter_context(client_classes.shared())
            audit.accounts = _open_accounts(config, audit)
            # After the twins are seeded: from here on, no AWS call of this process may write, nor log a secret.
            audit.cleanup.enter_context(guard.everywhere())
            audit.cleanup.enter_context(quiet_aws_debug_logs())
            audit.cleanup.enter_context(_sigterm_interrupts())
        except BaseException:
            audit.cleanup.close()
            raise
        return audit

    def close(self) -> None:
        self.cleanup.close()


def _listing(available: list[str]) -> str:
    return ", ".join(available) or "none"


def _select(requested: list[str], available: list[str], what: str) -> list[str]:
    if not requested:
        raise pytest.UsageError(f"--account was given no names; available {what}: {_listing(available)}")
    try:
        return accounts.select(requested, available)
    except ValueError as exc:
        raise pytest.UsageError(f"--account {exc}: no such {what[:-1]}; available {what}: {_listing(available)}"
                                ) from None


def _pins(config: pytest.Config, available: list[str]) -> dict[str, str]:
    """`account_ids` lines `name = 123456789012`: the account each profile must sign in to.

    A pin for a name that does not exist is a usage error: a misspelt pin would silently pin nothing.
    """
    pins = {}
    for line in config.getini("account_ids"):
        name, sep, account_id = (part.strip() for part in line.partition("="))
        if not sep or not name or not re.fullmatch(r"\d{12}", account_id):
            raise pytest.UsageError(f"account_ids line {line!r} is not accepted: write `profile = 123456789012`")
        if name not in available:
            raise pytest.UsageError(f"account_ids pins {name!r}, which is not a profile or twin here; "
                                    f"available: {_listing(available)}")
        pins[name] = account_id
    return pins


def _open_accounts(config: pytest.Config, audit: Audit) -> list[Account]:
    given = config.getoption("account")
    organizations, requested = discovery.split(accounts.split_requested(given))
    regions = tuple(config.getini("regions"))
    if audit.offline:
        try:
            twins = load_all(config.rootpath / "fixtures", audit.started)
        except TwinError as exc:
            raise pytest.UsageError(f"offline twin: {exc}") from None
        if not twins:
            raise pytest.UsageError(f"--offline: no twins in {config.rootpath / 'fixtures'} (one <name>.toml each)")
        available = list(twins)
    else:
        available = accounts.available_profiles()
    pins = _pins(config, available)
    for source in organizations:
        if source not in available:
            what = "twin" if audit.offline else "profile"
            raise pytest.UsageError(f"--account {discovery.PREFIX}{source}: no such {what}; available: "
                                    f"{_listing(available)}")

    if given and not requested and not organizations:
        _select(requested, available, "profiles")  # says no names were given
    config_file = None
    if audit.offline:
        names = _select(requested, available, "twins") if requested else [] if organizations else available
        # An organization's members are other twins: all are served when an organization, or a member of one (which
        # sees its organization's trails), is.
        members = {member for twin in twins.values() if twin.organization for member in twin.organization.members}
        has_members = organizations or any(twins[name].organization or name in members for name in names)
        config_file = _serve_twins(list(twins.values()) if has_members else [twins[name] for name in names], audit)

    def open_account(name: str, profile: str | None, expected_id: str | None = None,
                     role_arn: str | None = None) -> Account:
        return Account(name, profile, config_file, audit.thresholds, expected_id or pins.get(name), role_arn,
                       regions)

    if audit.offline:
        chosen = [open_account(name, name) for name in names]
    elif requested:
        chosen = [open_account(name, name) for name in _select(requested, available, "profiles")]
    elif organizations:
        chosen = []
    else:
        chosen = [_default_account(available, open_account)]
    role = str(config.getini("org_role")).strip() or discovery.DEFAULT_ROLE
    for source in organizations:
        found, left_out = discovery.members(open_account(source, source), role, open_account)
        chosen += found
        audit.left_out += [entry for entry in left_out if entry not in audit.left_out]
    return _once_each(chosen)


def _once_each(chosen: list[Account]) -> list[Account]:
    """Each account once, however many names reach it (`mgmt` and `org:mgmt` both reach mgmt's own account); two
    accounts that would share a name (two organizations' "Audit") are told apart by account id."""
    seen: set[tuple[str | None, str | None]] = set()
    names: set[str] = set()
    unique = []
    for account in chosen:
        if (account.profile, account.role_arn) in seen:
            continue
        seen.add((account.profile, account.role_arn))
        if account.name in names:
            account.name = account.expected_id or f"{account.name}-{len(unique)}"
        names.add(account.name)
        unique.append(account)
    return unique


def _default_account(available: list[str], open_account: OpenAccount) -> Account:
    chosen = os.environ.get("AWS_PROFILE")
    if chosen and chosen not in available:
        raise pytest.UsageError(f"AWS_PROFILE={chosen}: no such profile; available profiles: {_listing(available)}")
    name = chosen or "default"
    # No default profile: botocore's default chain (environment, instance role) supplies the credentials.
    return open_account(name, name if name in available else None)


def _serve_twins(twins: list[Twin], audit: Audit) -> Path:
    """Serve the twins with moto for the run, each behind a role profile of a config file of their own."""
    from awsaudit import offline  # moto is imported only by runs that use it

    workdir = Path(audit.cleanup.enter_context(tempfile.TemporaryDirectory(prefix="awsaudit-")))
    config_file = offline.write_config(twins, workdir / "config")
    try:
        audit.cleanup.enter_context(offline.emulate(twins))
    except TwinError as exc:
        raise pytest.UsageError(f"offline twin: {exc}") from None
    return config_file


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, a container stopped) ends the run as Ctrl-C does: the report of what ran is
    still written, marked incomplete."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


AUDIT = pytest.StashKey[Audit]()
