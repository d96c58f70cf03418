"""Choosing controls the way an auditor asks for them: by id (`--control IAM-1`, exactly: `-k IAM-1` is pytest's
substring match and also picks IAM-10), by framework (`--framework "CIS AWS 5.0"`) and by severity
(`--min-severity high`). All deselect, as `-k` and `-m` do, so pytest reports what was left out. A control left
out is deselected once, not once per account: it is never parametrized over the accounts (a thousand accounts would
make each left-out control a thousand items, kept by pytest to the end of the run).

Names are checked before collection, ids and `-m` markers against the controls of checks/: a mistyped one is a
usage error naming the close or known ones, not a run that silently selects nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from awsaudit.accounts import split_requested
from awsaudit.catalog import Catalog, close_to
from awsaudit.controls import Control, control_of
from awsaudit.frameworks import FRAMEWORKS, SEVERITIES, Framework, resolve

# The tokens of a pytest `-m` expression: a quoted value, punctuation, or a word (a name, and/or/not, a number).
_TOKEN = re.compile(r"""'[^']*'|"[^"]*"|[(),=]|[\w:+\-.\[\]\\/]+""")
_OPERATORS = {"and", "or", "not"}


def marker_names(expression: str) -> list[str]:
    """The marker names a `-m` expression tests: `critical and not (hipaa or pci_dss(scope=1))` -> critical,
    hipaa, pci_dss. The keyword arguments of `name(key=value)` are not names."""
    names: list[str] = []
    in_arguments = after_name = False
    for token in _TOKEN.findall(expression):
        is_name = not in_arguments and token not in _OPERATORS and token[0] not in "'\"(),="
        if in_arguments:
            in_arguments = token != ")"
        elif token == "(":
            in_arguments = after_name  # after a name it opens the name's keyword arguments; else it groups
        elif is_name:
            names.append(token)
        after_name = is_name
    return names


@dataclass(frozen=True)
class Selection:
    framework: Framework | None
    min_severity: str | None
    controls: tuple[str, ...] = ()  # ids; empty: every control

    @classmethod
    def of(cls, config: pytest.Config) -> Selection:
        """The options as given; an unknown framework or severity is a usage error that lists the known ones."""
        name, severity = config.getoption("framework"), config.getoption("min_severity")
        if name is not None and not name.strip():
            raise pytest.UsageError("--framework was given no name; known: " + ", ".join(f'"{n}"' for n in FRAMEWORKS))
        try:
            framework = resolve(name) if name else None
        except ValueError as exc:
            raise pytest.UsageError(f"--framework: {exc}") from None
        if severity is not None and severity.lower() not in SEVERITIES:
            raise pytest.UsageError(f"--min-severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        given = config.getoption("control") or []  # [] unless given; None where a config lacks the option
        asked = split_requested(given)
        if given and not asked:
            raise pytest.UsageError("--control was given no id; give control ids such as IAM-1")
        # Ids are upper case (controls.py), so IAM-1 is how iam-1 is spelt.
        return cls(framework, severity.lower() if severity else None,
                   tuple(dict.fromkeys(control_id.upper() for control_id in asked)))

    def check(self, catalog: Catalog, markexpr: str) -> None:
        """A `--control` id or a `-m` marker (pytest's `markexpr`) that no control of `catalog` has is a usage error
        naming the close ones: pytest would select nothing and exit 5 without a word, or silently ignore a typo in
        `-m "not ..."`."""
        if not catalog.complete:  # the name may be in the file that failed to import; collection reports that file
            return
        for control_id in self.controls:
            if control_id not in catalog.ids:
                raise pytest.UsageError(f"--control {control_id}: no control has this id; "
                                        f"{close_to(control_id, catalog.ids)}")
        for name in marker_names(markexpr):
            if name not in catalog.markers:
                raise pytest.UsageError(f"-m {markexpr!r}: no control has the marker {name!r}; "
                                        f"{close_to(name, sorted(catalog.markers))}")

    def keeps(self, item: pytest.Item) -> bool:
        """True for an item that is not a control (the suite's own tests) or a control that meets the selection."""
        meta = control_of(item)
        return meta is None or self.keeps_control(meta)

    def keeps_control(self, meta: Control) -> bool:
        if self.controls and meta.id not in self.controls:
            return False
        if self.framework is not None and self.framework.name not in meta.frameworks:
            return False
        return self.min_severity is None or SEVERITIES.index(meta.severity) <= SEVERITIES.index(self.min_severity)

    def apply(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        kept = [item for item in items if self.keeps(item)]
        if len(kept) < len(items):
            config.hook.pytest_deselected(items=[item for item in items if not self.keeps(item)])
            items[:] = kept


def add_options(group: pytest.OptionGroup) -> None:
    group.addoption("--control", action="append", default=[], metavar="ID",
                    help="run only this control, by exact id (IAM-1, not IAM-10); repeat or comma-separate")
    group.addoption("--framework", metavar="NAME",
                    help='run only the controls mapped to a framework ("CIS AWS 5.0", "PCI DSS 4.0", ...); the '
                         "report then shows the framework's requirements in order, tested or not")
    group.addoption("--min-severity", metavar="LEVEL",
                    help=f"run only controls of this severity or higher ({', '.join(SEVERITIES)})")
