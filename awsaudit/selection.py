"""Choosing controls the way an auditor asks for them: by framework (`--framework "CIS AWS 5.0"`) and by severity
(`--min-severity high`). Both deselect, as `-k` and `-m` do, so pytest reports what was left out."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from awsaudit.controls import control_of
from awsaudit.frameworks import FRAMEWORKS, SEVERITIES, Framework, resolve


@dataclass(frozen=True)
class Selection:
    framework: Framework | None
    min_severity: str | None

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
        return cls(framework, severity.lower() if severity else None)

    def keeps(self, item: pytest.Item) -> bool:
        """True for an item that is not a control (the suite's own tests) or a control that meets the selection."""
        meta = control_of(item)
        if meta is None:
            return True
        if self.framework is not None and self.framework.name not in meta.frameworks:
            return False
        return self.min_severity is None or SEVERITIES.index(meta.severity) <= SEVERITIES.index(self.min_severity)

    def apply(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        kept = [item for item in items if self.keeps(item)]
        if len(kept) < len(items):
            config.hook.pytest_deselected(items=[item for item in items if not self.keeps(item)])
            items[:] = kept


def add_options(group: pytest.OptionGroup) -> None:
    group.addoption("--framework", metavar="NAME",
                    help='run only the controls mapped to a framework ("CIS AWS 5.0", "PCI DSS 4.0", ...); the '
                         "report then shows the framework's requirements in order, tested or not")
    group.addoption("--min-severity", metavar="LEVEL",
                    help=f"run only controls of this severity or higher ({', '.join(SEVERITIES)})")
