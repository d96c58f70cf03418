"""Offline twins: accounts declared as data in fixtures/*.toml, read and checked here (no AWS, no moto).

Times in a twin are relative to the audit's start ("3 days ago") or absolute ISO 8601, so a twin judges the same
on any day it is run. A twin also states the verdict it expects from each control, which the suite's own tests
hold every control to.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

VERDICTS = ("passed", "failed", "not applicable", "error")
MFA_KINDS = ("hardware", "virtual", "none")
_AGO = re.compile(r"^(\d+) (day|hour|minute)s? ago$")


class TwinError(ValueError):
    """A twin file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Credential:
    """A root access key or signing certificate in slot 1 or 2."""

    slot: int
    active: bool
    last_rotated: datetime
    last_used: datetime | None = None


@dataclass(frozen=True)
class RootState:
    # The credential report's password_enabled: "true", "false", or "not_supported" (older accounts, with a password).
    password_enabled: str
    password_last_used: datetime | None
    mfa: str
    created: datetime
    access_keys: tuple[Credential, ...] = ()
    certificates: tuple[Credential, ...] = ()

    @property
    def password(self) -> bool:
        return self.password_enabled != "false"


@dataclass(frozen=True)
class User:
    name: str
    password: bool = False
    access_keys: int = 0


@dataclass(frozen=True)
class Call:
    """A boto3 call that sets the twin up (`iam.update_account_password_policy`), for state the schema lacks."""

    service: str
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Twin:
    name: str
    description: str
    account_id: str
    alias: str | None
    root: RootState
    users: tuple[User, ...] = ()
    seed: tuple[Call, ...] = ()
    expect: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Typed access to one table of a twin file, with errors that say file and key."""

    def __init__(self, path: Path, table: dict[str, Any], where: str, now: datetime) -> None:
        self.path, self.table, self.where, self.now = path, table, where, now

    def fail(self, key: str, problem: str) -> TwinError:
        return TwinError(f"{self.path}: {self.where}{key}: {problem}")

    def get(self, key: str, kind: type, default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"expected {kind.__name__}, got {value!r}")
        return value

    def time(self, key: str, default: Any = ...) -> datetime | None:
        value = self.get(key, str, default)
        if value is None or value == "never":
            return None
        match = _AGO.match(value)
        if match:
            try:
                return self.now - timedelta(**{f"{match[2]}s": int(match[1])})
            except OverflowError:
                raise self.fail(key, f"{value!r} reaches before year 1") from None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise self.fail(key, f"{value!r} is not 'N days ago', 'N hours ago', 'never' "
                                 "or an ISO 8601 time with offset")
        return parsed

    def check_keys(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.table) - allowed)
        if unknown:
            raise self.fail(unknown[0], f"is not a known key (known: {', '.join(sorted(allowed))})")

    def child(self, table: Any, where: str) -> _Reader:
        if not isinstance(table, dict):
            raise TwinError(f"{self.path}: {where}: expected a table")
        return _Reader(self.path, table, where + ".", self.now)


def _credentials(root: _Reader, key: str) -> tuple[Credential, ...]:
    entries = root.get(key, list, [])
    creds = []
    for index, entry in enumerate(entries):
        item = root.child(entry, f"root.{key}[{index}]")
        item.check_keys({"slot", "active", "last_rotated", "last_used"})
        slot = item.get("slot", int)
        if slot not in (1, 2) or any(c.slot == slot for c in creds):
            raise item.fail("slot", f"{slot} must be 1 or 2, each used once")
        creds.append(Credential(slot, item.get("active", bool, True), item.time("last_rotated"),
                                item.time("last_used", None) if key == "access_keys" else None))
    return tuple(sorted(creds, key=lambda c: c.slot))


def load(path: Path, now: datetime) -> Twin:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TwinError(f"{path}: cannot be read: {exc}") from None
    top = _Reader(path, data, "", now)
    top.check_keys({"description", "account_id", "alias", "root", "users", "seed", "expect"})
    account_id = top.get("account_id", str)
    if not re.fullmatch(r"\d{12}", account_id):
        raise top.fail("account_id", f"{account_id!r} is not 12 digits")
    root = top.child(top.get("root", dict), "root")
    root.check_keys({"password", "password_last_used", "mfa", "created", "access_keys", "certificates"})
    password = root.table.get("password")
    if password not in (True, False, "not_supported"):
        raise root.fail("password", f"{password!r} is not true, false or \"not_supported\"")
    mfa = root.get("mfa", str)
    if mfa not in MFA_KINDS:
        raise root.fail("mfa", f"{mfa!r} is not one of {', '.join(MFA_KINDS)}")
    state = RootState(
        password_enabled=str(password).lower(),
        password_last_used=root.time("password_last_used", None) if password is not False else None,
        mfa=mfa,
        created=root.time("created", "1000 days ago"),
        access_keys=_credentials(root, "access_keys"),
        certificates=_credentials(root, "certificates"),
    )
    users: list[User] = []
    for index, entry in enumerate(top.get("users", list, [])):
        user = top.child(entry, f"users[{index}]")
        user.check_keys({"name", "password", "access_keys"})
        name = user.get("name", str)
        if any(u.name == name for u in users):
            raise user.fail("name", f"{name!r} is used by another user of this twin")
        keys = user.get("access_keys", int, 0)
        if keys not in (0, 1, 2):
            raise user.fail("access_keys", f"{keys} is not 0, 1 or 2 (AWS allows two keys per user)")
        users.append(User(name, user.get("password", bool, False), keys))
    seed = []
    for index, entry in enumerate(top.get("seed", list, [])):
        call = top.child(entry, f"seed[{index}]")
        call.check_keys({"call", "params"})
        service, _, operation = call.get("call", str).partition(".")
        if not service or not operation.isidentifier():
            raise call.fail("call", "expected service.operation, as boto3 names them (iam.create_group)")
        seed.append(Call(service, operation, call.get("params", dict, {})))
    expect = top.child(top.get("expect", dict, {}), "expect")
    for control_id, verdict in expect.table.items():
        if verdict not in VERDICTS:
            raise expect.fail(control_id, f"{verdict!r} is not one of {', '.join(VERDICTS)}")
    return Twin(path.stem, top.get("description", str, ""), account_id, top.get("alias", str, None),
                state, tuple(users), tuple(seed), dict(expect.table))


def load_all(directory: Path, now: datetime) -> dict[str, Twin]:
    """Every twin in `directory`, by name; two twins may not share an account id."""
    twins = {path.stem: load(path, now) for path in sorted(directory.glob("*.toml"))}
    seen: dict[str, str] = {}
    for twin in twins.values():
        if twin.account_id in seen:
            raise TwinError(f"twins {seen[twin.account_id]} and {twin.name} share account id {twin.account_id}")
        seen[twin.account_id] = twin.name
    return twins
