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
# The regions a twin has enabled: those AWS enables by default in a commercial account (opt-in regions are off).
REGIONS = ("us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1", "eu-central-1",
           "eu-west-1", "eu-west-2", "eu-west-3", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-northeast-3", "ap-southeast-1", "ap-southeast-2")
# Where a twin's state is made unless a seed call names regions: the region of its profile.
HOME_REGION = "us-east-1"
MFA_KINDS = ("hardware", "virtual", "none")
_AGO = re.compile(r"^(\d+) (day|hour|minute)s? ago$")
_FROM_NOW = re.compile(r"^in (\d+) (day|hour|minute)s?$")


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
    """An IAM user; its keys and certificates take slots 1 and 2 in the order listed."""

    name: str
    created: datetime
    password: bool = False
    password_last_used: datetime | None = None
    mfa: bool = False
    access_keys: tuple[Credential, ...] = ()
    certificates: tuple[Credential, ...] = ()
    groups: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()  # managed policy ARNs attached to the user


@dataclass(frozen=True)
class ServerCertificate:
    name: str
    expires: datetime


@dataclass(frozen=True)
class Organization:
    """The twin is the management account of an organization, with these centralized root access features, these
    member twins, and suspended member accounts (listed by name only)."""

    root_access_features: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    suspended: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """A boto3 call that sets the twin up (`iam.update_account_password_policy`), for state the schema lacks, made in
    each of `regions`."""

    service: str
    operation: str
    params: dict[str, Any]
    regions: tuple[str, ...] = (HOME_REGION,)
    keep: str | None = None  # the name later calls of the same region use to refer to this call's answer


@dataclass(frozen=True)
class Twin:
    name: str
    description: str
    account_id: str
    alias: str | None
    root: RootState
    users: tuple[User, ...] = ()
    server_certificates: tuple[ServerCertificate, ...] = ()
    # Regions with an active IAM Access Analyzer: a list, or "all" for every enabled region.
    access_analyzer_regions: tuple[str, ...] | str = ()
    # The regions the account has enabled: all a commercial account has, unless an edge twin names fewer to stay
    # cheap to audit (every region enabled is one more of each regional read).
    enabled_regions: tuple[str, ...] = REGIONS
    organization: Organization | None = None
    seed: tuple[Call, ...] = ()
    expect: dict[str, str] = field(default_factory=dict)


class _Reader:
    """Typed access to one table of a twin file, with errors that say file and key."""

    def __init__(self, path: Path, table: dict[str, Any], where: str, now: datetime) -> None:
        self.path, self.table, self.where, self.now = path, table, where, now

    def fail(self, key: str, problem: str) -> TwinError:
        return TwinError(f"{self.path}: {self.where}{key}: {problem}")

    def get(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.table:
            if default is ...:
                raise self.fail(key, "is required")
            return default
        value = self.table[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not isinstance(value, kinds) or (int in kinds and isinstance(value, bool)):
            raise self.fail(key, f"expected {' or '.join(k.__name__ for k in kinds)}, got {value!r}")
        return value

    def time(self, key: str, default: Any = ...) -> datetime | None:
        value = self.get(key, str, default)
        if value is None or value == "never":
            return None
        match = _AGO.match(value) or _FROM_NOW.match(value)
        if match:
            sign = -1 if match.re is _AGO else 1
            try:
                return self.now + sign * timedelta(**{f"{match[2]}s": int(match[1])})
            except OverflowError:
                raise self.fail(key, f"{value!r} is out of range") from None
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise self.fail(key, f"{value!r} is not 'N days ago', 'in N days', 'never' "
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


def _credential(item: _Reader, key: str, slot: int, rotated: Any = ...) -> Credential:
    """One access key or certificate table: active (default true), last_rotated and, for an access key, last_used."""
    return Credential(slot, item.get("active", bool, True), item.time("last_rotated", rotated),
                      item.time("last_used", None) if key == "access_keys" else None)


def _credentials(root: _Reader, key: str) -> tuple[Credential, ...]:
    entries = root.get(key, list, [])
    creds = []
    for index, entry in enumerate(entries):
        item = root.child(entry, f"root.{key}[{index}]")
        item.check_keys({"slot", "active", "last_rotated", "last_used"})
        slot = item.get("slot", int)
        if slot not in (1, 2) or any(c.slot == slot for c in creds):
            raise item.fail("slot", f"{slot} must be 1 or 2, each used once")
        creds.append(_credential(item, key, slot))
    return tuple(sorted(creds, key=lambda c: c.slot))


def _user_credentials(user: _Reader, key: str, where: str, now: datetime) -> tuple[Credential, ...]:
    """A user's access keys or certificates: a count (active, created at set-up, never used) or a list of tables."""
    entries = user.get(key, (int, list), 0)
    if isinstance(entries, int):
        if entries not in (0, 1, 2):
            raise user.fail(key, f"{entries} is not 0, 1 or 2 (AWS allows two per user)")
        return tuple(Credential(n, True, now) for n in range(1, entries + 1))
    if len(entries) > 2:
        raise user.fail(key, f"{len(entries)} entries; AWS allows two per user")
    creds = []
    for index, entry in enumerate(entries):
        item = user.child(entry, f"{where}.{key}[{index}]")
        item.check_keys({"active", "last_rotated", "last_used"} if key == "access_keys" else {"active", "last_rotated"})
        creds.append(_credential(item, key, index + 1, "0 days ago"))
    return tuple(creds)


def _user(user: _Reader, where: str, now: datetime) -> User:
    user.check_keys({"name", "created", "password", "password_last_used", "mfa", "access_keys", "certificates",
                     "groups", "policies"})
    password = user.get("password", bool, False)
    return User(
        name=user.get("name", str),
        created=user.time("created", "0 days ago"),
        password=password,
        password_last_used=user.time("password_last_used", None) if password else None,
        mfa=user.get("mfa", bool, False),
        access_keys=_user_credentials(user, "access_keys", where, now),
        certificates=_user_credentials(user, "certificates", where, now),
        groups=tuple(_strings(user, "groups")),
        policies=tuple(_strings(user, "policies")),
    )


def _strings(table: _Reader, key: str) -> list[str]:
    values = table.get(key, list, [])
    if not all(isinstance(v, str) for v in values):
        raise table.fail(key, "expected a list of strings")
    return values


def load(path: Path, now: datetime) -> Twin:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TwinError(f"{path}: cannot be read: {exc}") from None
    top = _Reader(path, data, "", now)
    top.check_keys({"description", "account_id", "alias", "root", "users", "server_certificates",
                    "access_analyzer_regions", "enabled_regions", "organization", "seed", "expect"})
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
        reader = top.child(entry, f"users[{index}]")
        user = _user(reader, f"users[{index}]", now)
        if any(u.name == user.name for u in users):
            raise reader.fail("name", f"{user.name!r} is used by another user of this twin")
        users.append(user)
    certificates = []
    for index, entry in enumerate(top.get("server_certificates", list, [])):
        cert = top.child(entry, f"server_certificates[{index}]")
        cert.check_keys({"name", "expires"})
        certificates.append(ServerCertificate(cert.get("name", str), cert.time("expires")))
    regions = top.table.get("access_analyzer_regions", [])
    if regions != "all" and not (isinstance(regions, list) and all(isinstance(r, str) for r in regions)):
        raise top.fail("access_analyzer_regions", f"{regions!r} is not \"all\" or a list of region names")
    organization = None
    if "organization" in top.table:
        org = top.child(top.table["organization"], "organization")
        org.check_keys({"root_access_features", "members", "suspended"})
        organization = Organization(tuple(_strings(org, "root_access_features")), tuple(_strings(org, "members")),
                                    tuple(_strings(org, "suspended")))
    enabled = _enabled_regions(top)
    seed: list[Call] = []
    for index, entry in enumerate(top.get("seed", list, [])):
        call = top.child(entry, f"seed[{index}]")
        call.check_keys({"call", "params", "region", "regions", "keep"})
        service, _, operation = call.get("call", str).partition(".")
        if not service or not operation.isidentifier():
            raise call.fail("call", "expected service.operation, as boto3 names them (iam.create_group)")
        made = Call(service, operation, call.get("params", dict, {}), _regions(call, enabled),
                    call.get("keep", str, None))
        for name in references(made.params):
            if not any(earlier.keep == name and set(made.regions) <= set(earlier.regions) for earlier in seed):
                raise call.fail("params", f"${{{name}...}} refers to no earlier call kept as {name!r} in "
                                          "each of this call's regions")
        seed.append(made)
    expect = top.child(top.get("expect", dict, {}), "expect")
    for control_id, verdict in expect.table.items():
        if verdict not in VERDICTS:
            raise expect.fail(control_id, f"{verdict!r} is not one of {', '.join(VERDICTS)}")
    return Twin(path.stem, top.get("description", str, ""), account_id, top.get("alias", str, None),
                state, tuple(users), tuple(certificates), regions if regions == "all" else tuple(regions),
                enabled_regions=enabled, organization=organization, seed=tuple(seed), expect=dict(expect.table))


# `"${vpc.Vpc.VpcId}"`: a JMESPath into the answer of an earlier seed call kept as "vpc", in the same region.
REFERENCE = re.compile(r"\$\{(\w+)((?:[.\[][^}]*)?)\}")


def references(value: Any) -> set[str]:
    """The names of the earlier answers a seed call's parameters refer to."""
    if isinstance(value, str):
        return {match.group(1) for match in REFERENCE.finditer(value)}
    if isinstance(value, dict):
        return set().union(*map(references, value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*map(references, value)) if value else set()
    return set()


def _enabled_regions(top: _Reader) -> tuple[str, ...]:
    """`enabled_regions = ["us-east-1", "eu-west-1"]`: known regions, the home region among them; default all."""
    chosen = top.table.get("enabled_regions", list(REGIONS))
    if not isinstance(chosen, list) or not all(isinstance(r, str) for r in chosen):
        raise top.fail("enabled_regions", f"{chosen!r} is not a list of region names")
    unknown = [region for region in chosen if region not in REGIONS]
    if unknown:
        raise top.fail("enabled_regions", f"{unknown[0]!r} is not a region a commercial account has by default "
                                          f"({', '.join(REGIONS)})")
    if HOME_REGION not in chosen:
        raise top.fail("enabled_regions", f"the twin's home region {HOME_REGION} must be enabled")
    return tuple(region for region in REGIONS if region in chosen)


def _regions(call: _Reader, enabled: tuple[str, ...]) -> tuple[str, ...]:
    """Where a seed call is made: `region = "eu-west-1"`, `regions = "all"` (every enabled region) or a list, else
    the home region."""
    if "region" in call.table and "regions" in call.table:
        raise call.fail("regions", "give region or regions, not both")
    chosen = call.table.get("regions", [call.get("region", str, HOME_REGION)])
    if chosen == "all":
        return enabled
    if not isinstance(chosen, list) or not chosen or not all(isinstance(r, str) for r in chosen):
        raise call.fail("regions", f"{chosen!r} is not \"all\" or a list of region names")
    unknown = [region for region in chosen if region not in enabled]
    if unknown:
        raise call.fail("regions" if "regions" in call.table else "region",
                        f"{unknown[0]!r} is not a region this twin has enabled ({', '.join(enabled)})")
    return tuple(dict.fromkeys(chosen))


def load_all(directory: Path, now: datetime) -> dict[str, Twin]:
    """Every twin in `directory`, by name; two twins may not share an account id."""
    twins = {path.stem: load(path, now) for path in sorted(directory.glob("*.toml"))}
    seen: dict[str, str] = {}
    for twin in twins.values():
        if twin.account_id in seen:
            raise TwinError(f"twins {seen[twin.account_id]} and {twin.name} share account id {twin.account_id}")
        seen[twin.account_id] = twin.name
    return twins
