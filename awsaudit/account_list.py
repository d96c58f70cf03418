"""The accounts file: an organization's accounts resolved once (`python -m awsaudit.resolve`), read by every run,
xdist worker and shard that audits them (`pytest --accounts-file accounts.toml`).

Listing an organization of thousands of accounts in every shard would cost a ListAccounts walk each, and two shards
that listed it a minute apart could see different accounts and split them differently. The file pins the list: each
account's name, id, the profile and role that reach it, and the accounts left out with why. Its fingerprint (a hash
of what it lists) ties every shard's results to the same list, so the merge can refuse shards of another one.

TOML or JSON, chosen by the file's suffix; both hold the same keys:

    source = "org:mgmt"            # how it was resolved (informative)
    resolved = "2026-01-01T00:00:00+00:00"
    offline = false                # resolved from the offline twins (then audited with --offline)
    [[account]]
    name = "payments-prod"
    id = "222222222222"
    profile = "mgmt"
    role_arn = "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"   # absent: the profile itself
    [[left_out]]
    name = "Old Sandbox"
    id = "444444444444"
    why = "SUSPENDED in the organization"
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SUFFIXES = (".toml", ".json")
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_ID = re.compile(r"^\d{12}$")
_ROLE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]+$")
_LEFT_OUT = re.compile(r"^(.*) \((\d{12})\): (.*)$")


class AccountListError(ValueError):
    """An accounts file that cannot be used; the message names the file and the entry."""


@dataclass
class Member:
    """One account to audit and how to reach it: the profile's credentials, through `role_arn` when given. Mutable
    only so two accounts that would share a name can be told apart (audit._once_each)."""

    name: str
    profile: str | None
    expected_id: str | None = None
    role_arn: str | None = None


@dataclass(frozen=True)
class AccountList:
    """What an accounts file holds."""

    accounts: tuple[Member, ...]
    left_out: tuple[str, ...] = ()  # "name (id): why", as discovery.members states them
    source: str = ""
    resolved: str = ""
    offline: bool = False
    path: Path | None = field(default=None, compare=False)

    def fingerprint(self) -> str:
        """A hash of the accounts and how each is reached (not of when or how it was resolved): two shards whose
        files agree on it audit the same list."""
        listed = [[m.name, m.expected_id, m.profile, m.role_arn] for m in self.accounts]
        text = json.dumps([listed, list(self.left_out), self.offline], sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def to_data(self) -> dict[str, Any]:
        return {"source": self.source, "resolved": self.resolved, "offline": self.offline,
                "account": [{"name": m.name, "id": m.expected_id, "profile": m.profile,
                             **({"role_arn": m.role_arn} if m.role_arn else {})} for m in self.accounts],
                "left_out": [_left_out_entry(entry) for entry in self.left_out]}


def _left_out_entry(entry: str) -> dict[str, str]:
    found = _LEFT_OUT.match(entry)
    return {"name": found[1], "id": found[2], "why": found[3]} if found else {"name": entry, "id": "", "why": ""}


def _toml_value(value: Any) -> str:
    # A JSON string is a TOML basic string (the escapes json.dumps writes are TOML's).
    return "true" if value is True else "false" if value is False else json.dumps(value, ensure_ascii=False)


def to_toml(data: dict[str, Any]) -> str:
    lines = ["# The accounts an audit covers, resolved once: pytest --accounts-file THIS_FILE (see README)."]
    lines += [f"{key} = {_toml_value(data[key])}" for key in ("source", "resolved", "offline")]
    for table in ("account", "left_out"):
        for entry in data[table]:
            lines += ["", f"[[{table}]]", *(f"{key} = {_toml_value(value)}" for key, value in entry.items())]
    return "\n".join(lines) + "\n"


def write(path: Path, listing: AccountList) -> None:
    """TOML or JSON by the suffix; written whole (a temporary file renamed into place)."""
    data = listing.to_data()
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n" if path.suffix == ".json" else to_toml(data)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def read(path: Path) -> AccountList:
    """The file's accounts, checked entry by entry; AccountListError names the first entry that is wrong."""
    if path.suffix not in SUFFIXES:
        raise AccountListError(f"{path}: an accounts file ends in .toml or .json")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
    except OSError as exc:
        raise AccountListError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError and TOMLDecodeError are ValueErrors
        raise AccountListError(f"{path}: not valid {path.suffix[1:].upper()}: {exc}") from None
    if not isinstance(data, dict):
        raise AccountListError(f"{path}: expected a table of `account` entries")
    unknown = set(data) - {"source", "resolved", "offline", "account", "left_out"}
    if unknown:
        raise AccountListError(f"{path}: unknown key {sorted(unknown)[0]!r}; accepted: source, resolved, offline, "
                               "account, left_out")
    entries = data.get("account")
    if not isinstance(entries, list) or not entries:
        raise AccountListError(f"{path}: lists no account (an `account` list of entries with name, id, profile)")
    members = [_member(path, number, entry) for number, entry in enumerate(entries, 1)]
    for key, what in ((lambda m: m.name, "name"), (lambda m: m.expected_id, "id")):
        seen: dict[str, int] = {}
        for number, member in enumerate(members, 1):
            if key(member) in seen:
                raise AccountListError(f"{path}: account entry {number} ({member.name}) has the {what} of entry "
                                       f"{seen[key(member)]}: each account once")
            seen[key(member)] = number
    left_out = data.get("left_out", [])
    if not isinstance(left_out, list) or not all(isinstance(e, dict) for e in left_out):
        raise AccountListError(f"{path}: left_out must be a list of entries with name, id, why")
    offline = data.get("offline", False)
    if not isinstance(offline, bool):
        raise AccountListError(f"{path}: offline must be true or false")
    return AccountList(tuple(members), tuple(f"{e.get('name', '')} ({e.get('id', '')}): {e.get('why', '')}"
                                             for e in left_out),
                       str(data.get("source", "")), str(data.get("resolved", "")), offline, path)


def _member(path: Path, number: int, entry: Any) -> Member:
    where = f"{path}: account entry {number}"
    if not isinstance(entry, dict):
        raise AccountListError(f"{where}: expected a table with name, id, profile (and role_arn)")
    where += f" ({entry.get('name', 'no name')})"
    unknown = set(entry) - {"name", "id", "profile", "role_arn"}
    if unknown:
        raise AccountListError(f"{where}: unknown key {sorted(unknown)[0]!r}; accepted: name, id, profile, role_arn")
    name, account_id, profile, role = (entry.get(key) for key in ("name", "id", "profile", "role_arn"))
    if not isinstance(name, str) or not _NAME.match(name):
        raise AccountListError(f"{where}: name must be letters, digits, '.', '_' or '-' (it names the tests)")
    if not isinstance(account_id, str) or not _ID.match(account_id):
        raise AccountListError(f"{where}: id must be the 12-digit account id, as a string, got {account_id!r}")
    if not isinstance(profile, str) or not profile:
        raise AccountListError(f"{where}: profile must name the AWS profile that reaches the account")
    if role is not None:
        found = _ROLE.match(role) if isinstance(role, str) else None
        if not found or found[1] != account_id:
            raise AccountListError(f"{where}: role_arn must be an IAM role of account {account_id} "
                                   f"(arn:aws:iam::{account_id}:role/NAME), got {role!r}")
    return Member(name, profile, account_id, role)


def to_wire(members: list[Member], left_out: list[str]) -> dict[str, Any]:
    """The resolved accounts as plain data, for xdist workers (execnet carries only builtins)."""
    return {"accounts": [asdict(m) for m in members], "left_out": list(left_out)}


def from_wire(data: dict[str, Any]) -> tuple[list[Member], list[str]]:
    return [Member(**entry) for entry in data["accounts"]], list(data["left_out"])
