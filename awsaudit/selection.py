"""Choosing controls the way an auditor asks for them: by id (`--control IAM-1`, exactly: `-k IAM-1` is pytest's
substring match and also picks IAM-10), by framework (`--framework "CIS AWS 5.0"`) and by severity
(`--min-severity high`). All deselect, as `-k` and `-m` do, so pytest reports what was left out.

Each name is checked against the controls of checks/ before collection: a mistyped id, framework, severity or `-m`
marker is a usage error naming the close ones, not a run that silently selects nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from awsaudit.accounts import split_requested
from awsaudit.catalog import Catalog, close_to
from awsaudit.controls import control_of
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


def _controls(config: pytest.Config, catalog: Catalog) -> tuple[str, ...]:
    """The ids `--control` names, as the controls spell them, each once; an unknown one is a usage error."""
    given = config.getoption("control")
    asked = split_requested(given)
    if given and not asked:
        raise pytest.UsageError(f"--control was given no id; known: {', '.join(catalog.ids)}")
    spelled = {control_id.upper(): control_id for control_id in catalog.ids}
    for name in asked:
        if name.upper() not in spelled and catalog.complete:
            raise pytest.UsageError(f"--control {name}: no control has this id; {close_to(name, catalog.ids)}")
    return tuple(dict.fromkeys(spelled.get(name.upper(), name.upper()) for name in asked))


def _check_markers(config: pytest.Config, catalog: Catalog) -> None:
    """pytest reads `-m` with a name no test has as "select nothing" and exits 5 without a word."""
    expression = config.getoption("markexpr") or ""
    for name in marker_names(expression):
        if name not in catalog.markers and catalog.complete:
            raise pytest.UsageError(f"-m {expression!r}: no control has the marker {name!r}; "
                                    f"{close_to(name, sorted(catalog.markers))}")


@dataclass(frozen=True)
class Selection:
    framework: Framework | None
    min_severity: str | None
    controls: tuple[str, ...] = ()  # ids; empty: every control

    @classmethod
    def of(cls, config: pytest.Config, catalog: Catalog) -> Selection:
        """The options as given; an unknown control, framework, severity or marker is a usage error that names the
        close ones."""
        name, severity = config.getoption("framework"), config.getoption("min_severity")
        if name is not None and not name.strip():
            raise pytest.UsageError("--framework was given no name; known: " + ", ".join(f'"{n}"' for n in FRAMEWORKS))
        try:
            framework = resolve(name) if name else None
        except ValueError as exc:
            raise pytest.UsageError(f"--framework: {exc}") from None
        if severity is not None and severity.lower() not in SEVERITIES:
            raise pytest.UsageError(f"--min-severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        _check_markers(config, catalog)
        return cls(framework, severity.lower() if severity else None, _controls(config, catalog))

    def keeps(self, item: pytest.Item) -> bool:
        """True for an item that is not a control (the suite's own tests) or a control that meets the selection."""
        meta = control_of(item)
        if meta is None:
            return True
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
