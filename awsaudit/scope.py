"""What a run covers, stated by every report: the command, the selection, how many of the catalog's controls ran on
how many accounts, and the accounts left out with why.

A run narrowed with `-m critical` ends "3 passed, 0 failed", as a full audit would; a reader who sees only the report
must be told it is partial.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from typing import Sequence

import pytest

from awsaudit.secrecy import mask

# An option or ini name whose value may be a credential: its value is not printed.
_SECRET_NAME = re.compile(r"(?i)secret|token|passw|credential|auth|private")
# A long run of base64 characters, as a secret access key or a session token would be if pasted into a command.
_SECRET_VALUE = re.compile(r"(?=[A-Za-z0-9/+]*[0-9])(?=[A-Za-z0-9/+]*[A-Z])(?=[A-Za-z0-9/+]*[a-z])"
                           r"[A-Za-z0-9/+]{40,}={0,2}")
HIDDEN = "[hidden]"


def command_line(args: Sequence[str]) -> str:
    """`pytest ARGS` as the user typed it, with every value that may be a secret replaced by [hidden]."""
    shown = ["pytest"]
    hide_next = False
    for arg in args:
        if hide_next:
            shown.append(HIDDEN)
            hide_next = False
            continue
        name, equals, _ = arg.partition("=")
        if _SECRET_NAME.search(name):
            if equals:
                shown.append(f"{shlex.quote(name)}={HIDDEN}")
                continue
            hide_next = arg.startswith("-")
        visible = _SECRET_VALUE.sub(HIDDEN, mask(arg))
        shown.append(visible if HIDDEN in visible else shlex.quote(visible))
    return " ".join(shown)


def selection_of(config: pytest.Config) -> str:
    """The options that chose which controls ran, as given; "every control" when none did."""
    given = [(flag, config.getoption(dest, None)) for flag, dest in
             (("-k", "keyword"), ("-m", "markexpr"), ("--control", "control"), ("--framework", "framework"),
              ("--min-severity", "min_severity"), ("--deselect", "deselect"), ("--lf", "lf"))]
    parts = []
    for flag, value in given:
        if isinstance(value, list):
            value = ", ".join(value)
        if value is True:
            parts.append(flag)
        elif value:
            parts.append(f"{flag} {value}")
    if config.args_source == pytest.Config.ArgsSource.ARGS:
        parts.append("paths " + ", ".join(config.args))
    return mask("; ".join(parts)) or "every control (no -k, -m, --control, --framework or --min-severity)"


@dataclass(frozen=True)
class Scope:
    command: str
    selection: str
    ran: int  # distinct controls with a verdict
    catalog: int | None  # controls defined in checks/; None when they could not be read
    selected: int | None  # distinct controls the selection kept; None when not known (an xdist run cut short)
    accounts: int  # accounts with a verdict
    results: int
    left_out: tuple[str, ...]  # "name (id): why"
    regions: tuple[str, ...] = ()  # the `regions` setting's globs; () for every enabled region
    shard: str = ""  # "shard 2 of 4: 3 of 10 accounts"; "" for a run that is not a shard

    @property
    def coverage(self) -> str:
        of = f" of {self.catalog}" if self.catalog is not None else " (the controls of checks/ could not be read)"
        plural = "" if self.accounts == 1 else "s"
        return f"{self.ran}{of} controls ran on {self.accounts} account{plural} ({self.results} results)"

    @property
    def partial(self) -> str:
        """Why this run is not a full audit of checks/, or "" when it is."""
        if self.catalog is None or self.selected is None or self.selected >= self.catalog:
            return ""
        return (f"PARTIAL: the selection ({self.selection}) kept {self.selected} of the {self.catalog} controls; "
                f"this report does not cover the other {self.catalog - self.selected}")

    def lines(self) -> list[tuple[str, str]]:
        """(heading, text) for each fact, in the order every output states them."""
        return [("Command", self.command), ("Selection", self.selection), ("Coverage", self.coverage),
                *([("Shard", self.shard)] if self.shard else []),
                ("Accounts left out", "; ".join(self.left_out) or "none"),
                ("Regions", f"only those matching {' '.join(self.regions)}" if self.regions
                 else "every enabled region")]
