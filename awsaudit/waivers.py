"""Accepted exceptions: a waivers file lists failures a team has accepted, each with a justification and an expiry.

A waived failure is reported as waived (pytest's xfail) with its justification; a waived control that now passes is
reported as passing despite its waiver (xpass), so stale waivers show; an expired waiver no longer applies and the
failure says so. A waiver may name resources: it then covers a failure only when every failing resource is named.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Iterator

import pytest

from awsaudit.accounts import IDENTITY, account_of
from awsaudit.controls import control_of
from awsaudit.findings import offenders_of

from awsaudit.catalog import Catalog, close_to

_CONTROL_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")
_KEYS = {"control", "account", "resources", "justification", "expires", "approved_by"}


@dataclass(frozen=True)
class Waiver:
    number: int  # 1-based position in the file, how messages name it
    control: str
    account: str  # AWS profile name or 12-digit account id
    resources: tuple[str, ...]  # empty: the whole control on that account
    justification: str
    expires: date  # the last day it applies
    approved_by: str = ""

    @property
    def name(self) -> str:
        return f"waiver {self.number} ({self.control} on {self.account})"

    def describe(self) -> str:
        who = f", approved by {self.approved_by}" if self.approved_by else ""
        scope = f" for {', '.join(self.resources)}" if self.resources else ""
        return f"{self.name}{scope}, until {self.expires.isoformat()}{who}: {self.justification}"


def _entry(path: Path, number: int, raw: Any, catalog: Catalog) -> Waiver:
    def fail(problem: str) -> pytest.UsageError:
        label = f"{raw.get('control', '?')} on {raw.get('account', '?')}" if isinstance(raw, dict) else "?"
        return pytest.UsageError(f"{path}: waiver {number} ({label}): {problem}")

    if not isinstance(raw, dict):
        raise fail("expected a [[waiver]] table")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise fail(f"{unknown[0]} is not a known key (known: {', '.join(sorted(_KEYS))})")
    for key in ("control", "account", "justification", "expires"):
        if key not in raw or raw[key] in ("", None):
            raise fail(f"{key} is required")
    for key in ("control", "account", "justification", "approved_by"):
        if key in raw and not isinstance(raw[key], str):
            raise fail(f"{key} must be text, not {raw[key]!r}")
    if not _CONTROL_ID.match(raw["control"]):
        raise fail(f"control {raw['control']!r} is not a control id such as IAM-8")
    if raw["control"] not in catalog.ids and catalog.complete:  # it would never match: a typo, or a removed control
        raise fail(f"no control has the id {raw['control']}; {close_to(raw['control'], catalog.ids)}")
    if not raw["justification"].strip():
        raise fail("justification is required")
    expires = raw["expires"]
    if isinstance(expires, str):
        try:
            expires = date.fromisoformat(expires)
        except ValueError:
            pass
    if not isinstance(expires, date) or hasattr(expires, "hour"):
        raise fail(f"expires {raw['expires']!r} is not a date (write it as 2027-03-31)")
    resources = raw.get("resources", [])
    if not isinstance(resources, list) or not all(isinstance(r, str) and r for r in resources):
        raise fail("resources must be a list of resource names, as the control's failure names them")
    if "resources" in raw and not resources:
        raise fail("resources is empty: name the resources, or leave the key out to waive the whole control")
    return Waiver(number, raw["control"], raw["account"], tuple(resources), raw["justification"].strip(), expires,
                  raw.get("approved_by", ""))


def load(path: Path, catalog: Catalog) -> list[Waiver]:
    """Every waiver in `path`; anything malformed, or a control id no control of `catalog` has, is a usage error
    naming the file and the entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise pytest.UsageError(f"waivers file {path} cannot be read: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise pytest.UsageError(f"waivers file {path} is not valid TOML: {exc}") from None
    unknown = sorted(set(data) - {"waiver"})
    if unknown:
        raise pytest.UsageError(f"{path}: {unknown[0]} is not known; waivers are [[waiver]] tables")
    entries = data.get("waiver", [])
    if not isinstance(entries, list):
        raise pytest.UsageError(f"{path}: waiver must be a list of [[waiver]] tables")
    return [_entry(path, number, raw, catalog) for number, raw in enumerate(entries, start=1)]


def from_config(config: pytest.Config, catalog: Catalog) -> list[Waiver]:
    """The waivers of the `waivers` ini option (a path relative to pytest.ini), or none when it is empty."""
    setting = str(config.getini("waivers")).strip()
    if not setting:
        return []
    base = config.inipath.parent if config.inipath else config.rootpath
    return load(base / setting, catalog)


@dataclass(frozen=True)
class Decision:
    """What the waivers say of one control's result on one account."""

    applies: Waiver | None  # the waiver that covers this result
    expired: tuple[Waiver, ...]  # waivers that would cover it but have expired
    partial: tuple[Waiver, ...]  # unexpired waivers whose resources leave some failing resource out
    matched: tuple[Waiver, ...] = ()  # every waiver for this control and account


def decide(waivers: list[Waiver], control: str, accounts: set[str], offenders: dict[str, str] | None,
           today: date) -> Decision:
    """`accounts`: the names the account is known by (profile name, account id)."""
    mine = [w for w in waivers if w.control == control and w.account in accounts]
    live = [w for w in mine if w.expires >= today]
    covering = [w for w in live if not w.resources or (offenders is not None and set(offenders) <= set(w.resources))]
    return Decision(covering[0] if covering else None, tuple(w for w in mine if w.expires < today),
                    tuple(w for w in live if w not in covering), tuple(mine))


class Waiving:
    """Applies the waivers where each control ran, as pytest's skipping plugin applies xfail: a covered FAIL becomes
    waived (xfail), a covered PASS shows its waiver is stale (xpass). What the waivers did is left on the report as
    `awsaudit_waiver` for the result (results.py), "" when none concerns it."""

    def __init__(self, waivers: list[Waiver], today: date) -> None:
        self.waivers = waivers
        self.today = today

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
        outcome = yield
        report: pytest.TestReport = outcome.get_result()
        meta, audited = control_of(item), account_of(item)
        if report.when != "call" or meta is None or audited is None or report.skipped:
            return
        failed = report.failed and call.excinfo is not None and call.excinfo.errisinstance(AssertionError)
        identity = audited.cached(*IDENTITY)
        names = {audited.name, *([identity.account_id] if identity else [])}
        offenders = offenders_of(item)
        if failed and not offenders:  # failed other than on the resources it judged: no resources waiver covers it
            offenders = None
        decision = decide(self.waivers, meta.id, names, offenders, self.today)
        if report.failed and not failed:
            notes = [f"does not apply to an error, only to a failure: {w.describe()}" for w in decision.matched]
        else:
            notes = [f"expired on {w.expires.isoformat()}, no longer applies: {w.describe()}" for w in decision.expired]
            partly = ("does not cover every failing resource" if failed
                      else "names resources, and this control does not judge resources one by one")
            notes += [f"{partly}: {w.describe()}" for w in decision.partial]
            if decision.applies is not None:
                waiver = decision.applies
                report.wasxfail = (waiver.describe() if failed else
                                   f"passed although waived; the waiver can be removed: {waiver.describe()}")
                if failed:
                    report.outcome = "skipped"
                notes.insert(0, f"waived by {report.wasxfail}" if failed else report.wasxfail)
        report.awsaudit_waiver = " | ".join(notes)  # type: ignore[attr-defined]
