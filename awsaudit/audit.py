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

from awsaudit import (account_list, accounts, client_classes, config_files, discovery, environment, guard, sharding,
                      thresholds)
from awsaudit.account_list import Member
from awsaudit.accounts import Account
from awsaudit.secrecy import quiet_aws_debug_logs
from awsaudit.twins import Twin, TwinError, load_all

OpenAccount = Callable[..., Account]
# The name under which the merge registers its plugin (replay.Replay): the run then replays results, auditing nothing.
REPLAY = "awsaudit-replay"
# The workerinput key under which the xdist controller hands its workers the accounts it resolved.
WORKER_ACCOUNTS = "awsaudit_accounts"


@dataclass
class Audit:
    """One run: when it started, what it judges by, and the accounts it covers."""

    started: datetime
    offline: bool
    thresholds: dict[str, int]
    accounts: list[Account] = field(default_factory=list)
    # Accounts the run was asked to cover but does not audit, each as "name (id): why" (a suspended member).
    left_out: list[str] = field(default_factory=list)
    # The accounts resolved before sharding: how many, and a hash of them that every shard of the audit shares.
    total_accounts: int = 0
    fingerprint: str = ""
    members: list[Member] = field(default_factory=list)  # how this process reaches its accounts (for xdist workers)
    shard: sharding.Shard | None = None  # --shard
    run_id: str = ""  # what the shards of one audit share (--run-id)
    cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    @classmethod
    def open(cls, config: pytest.Config) -> Audit:
        audit = cls(datetime.now(timezone.utc).replace(microsecond=0), config.getoption("offline"),
                    thresholds.read(config))
        try:
            # Before any thread starts: read-ahead threads walk the environment while pytest writes to it.
            audit.cleanup.enter_context(environment.consistent())
            audit.cleanup.enter_context(client_classes.shared())
            audit.cleanup.enter_context(config_files.parsed_once())
            replay = config.pluginmanager.get_plugin(REPLAY)
            if replay is not None:
                replay.open(audit)
            else:
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

    @property
    def shard_line(self) -> str:
        """"shard 2 of 4: 3 of 10 accounts", or "" when the run is not a shard."""
        return self.shard.describe(len(self.accounts), self.total_accounts) if self.shard else ""


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
    """The accounts this process audits: those handed to an xdist worker by its controller, those of an accounts
    file, or those `--account` names (an organization listed here); then this shard's part of them."""
    given = config.getoption("account")
    organizations, requested = discovery.split(accounts.split_requested(given))
    regions = tuple(config.getini("regions"))
    handed = getattr(config, "workerinput", {}).get(WORKER_ACCOUNTS)
    listing = _accounts_file(config, audit, organizations)
    shard = _shard(config, audit, organizations, listing)
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
    what = "twin" if audit.offline else "profile"
    for source in organizations:
        if source not in available:
            raise pytest.UsageError(f"--account {discovery.PREFIX}{source}: no such {what}; available: "
                                    f"{_listing(available)}")
    if given and not requested and not organizations:
        _select(requested, available, "profiles")  # says no names were given

    if handed is not None:
        members, left_out = account_list.from_wire(handed)
    elif listing is not None:
        members, left_out = _from_file(listing, requested, available, what), list(listing.left_out)
    else:
        names = (_select(requested, available, f"{what}s") if requested
                 else [] if organizations else available if audit.offline else None)
        members = [Member(name, name) for name in names] if names is not None else [_default(available)]
        left_out = []
    config_file = None
    if audit.offline:
        served = {member.profile for member in members} | set(organizations)
        config_file = _serve_twins(_twins_to_serve(twins, served, any(m.role_arn for m in members)
                                                   or bool(organizations)), audit)

    pinned_by = f"--accounts-file {listing.path}" if listing is not None else ""

    def open_account(member: Member) -> Account:
        return Account(member.name, member.profile, config_file, audit.thresholds,
                       member.expected_id or pins.get(member.name), member.role_arn, regions, pinned_by)

    role = str(config.getini("org_role")).strip() or discovery.DEFAULT_ROLE
    for source in organizations:
        found, out = discovery.members(open_account(Member(source, source)), role,
                                       lambda name, profile, **more: Member(name, profile, **more))
        members += found
        left_out += [entry for entry in out if entry not in left_out]
    members = _once_each(members)
    audit.left_out = left_out
    audit.fingerprint = account_list.AccountList(tuple(members), tuple(left_out), offline=audit.offline).fingerprint()
    audit.total_accounts = len(members)
    if shard is not None and handed is None:
        members = sharding.pick(shard, members, key=lambda m: m.expected_id or m.name)
    audit.members = members
    return [open_account(member) for member in members]


def _accounts_file(config: pytest.Config, audit: Audit, organizations: list[str]) -> account_list.AccountList | None:
    """`--accounts-file`, read and checked; a malformed file is a usage error naming the entry."""
    path = config.getoption("accounts_file")
    if not path:
        return None
    if organizations:
        raise pytest.UsageError(f"--account {discovery.PREFIX}{organizations[0]} with --accounts-file: the file "
                                "already lists the accounts to audit; --account may only pick some of them")
    try:
        listing = account_list.read(Path(path).expanduser())
    except account_list.AccountListError as exc:
        raise pytest.UsageError(f"--accounts-file {exc}") from None
    if listing.offline != audit.offline:
        raise pytest.UsageError(f"--accounts-file {path}: resolved from the "
                                f"{'offline twins: add --offline' if listing.offline else 'AWS profiles: drop --offline'}")
    return listing


def _from_file(listing: account_list.AccountList, requested: list[str], available: list[str],
               what: str) -> list[Member]:
    """The file's accounts, or those `--account` picks from it by name or id (globs allowed); each entry's profile
    must exist here."""
    members = [Member(m.name, m.profile, m.expected_id, m.role_arn) for m in listing.accounts]
    for number, member in enumerate(members, 1):
        if member.profile not in available:
            raise pytest.UsageError(f"--accounts-file {listing.path}: account entry {number} ({member.name}): no "
                                    f"such {what} {member.profile!r}; available: {_listing(available)}")
    if not requested:
        return members
    by_key = {**{m.name: m for m in members}, **{str(m.expected_id): m for m in members}}
    try:
        chosen = accounts.select(requested, list(by_key))
    except ValueError as exc:
        raise pytest.UsageError(f"--account {exc}: not in --accounts-file {listing.path}; it lists "
                                f"{_listing([m.name for m in members])}") from None
    picked: list[Member] = []
    for key in chosen:
        if by_key[key] not in picked:
            picked.append(by_key[key])
    return picked


def _shard(config: pytest.Config, audit: Audit, organizations: list[str],
           listing: account_list.AccountList | None) -> sharding.Shard | None:
    """`--shard I/N` and the run id its shards share; usage errors say what is missing."""
    value = config.getoption("shard")
    if not value:
        return None
    try:
        shard = sharding.parse(value)
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    if organizations:
        raise pytest.UsageError(f"--shard with --account {discovery.PREFIX}{organizations[0]}: each shard would list "
                                "the organization again; resolve it once (python -m awsaudit.resolve --account "
                                f"{discovery.PREFIX}{organizations[0]} --write accounts.toml) and give "
                                "--accounts-file accounts.toml")
    audit.run_id = sharding.run_id(config.getoption("run_id"))
    if not audit.run_id:
        raise pytest.UsageError(f"--shard {value}: give the id every shard of this audit shares (--run-id ID or "
                                f"{sharding.RUN_ID_VARIABLE}), so the merge can tell its shards from another audit's")
    audit.shard = shard
    return shard


def _twins_to_serve(twins: dict[str, Twin], profiles: set[str | None], via_roles: bool) -> list[Twin]:
    """The twins named, and the organizations they take part in: a managing twin's members are other twins, and a
    member sees its organization's trails, so each organization is served whole. Every twin is served when an
    account is reached through a role (an organization's listing names them)."""
    if via_roles:
        return list(twins.values())
    served = {name for name in twins if name in profiles}
    while True:
        organizations = [twin for twin in twins.values() if twin.organization and (
            twin.name in served or served & set(twin.organization.members))]
        grown = served | {twin.name for twin in organizations} | {
            member for twin in organizations for member in twin.organization.members if member in twins}
        if grown == served:
            return [twin for name, twin in twins.items() if name in served]
        served = grown


def _once_each(chosen: list[Member]) -> list[Member]:
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


def _default(available: list[str]) -> Member:
    chosen = os.environ.get("AWS_PROFILE")
    if chosen and chosen not in available:
        raise pytest.UsageError(f"AWS_PROFILE={chosen}: no such profile; available profiles: {_listing(available)}")
    name = chosen or "default"
    # No default profile: botocore's default chain (environment, instance role) supplies the credentials.
    return Member(name, name if name in available else None)


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
