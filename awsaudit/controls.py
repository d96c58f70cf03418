"""`@control`: the metadata that turns a pytest test into a compliance control.

The title and rationale are the test's docstring (first line, then the rest), so a control reads as one unit:
metadata, explanation and logic on one screen. Severity and frameworks become markers, so `-m critical` and
`-m cis_aws_5` select controls the way pytest users expect.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from typing import Callable, NoReturn, TypeVar

import pytest

from awsaudit.frameworks import FRAMEWORKS, SEVERITIES, refs

F = TypeVar("F", bound=Callable[..., object])

_ID = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")


@dataclass(frozen=True)
class Control:
    id: str
    title: str
    severity: str
    frameworks: dict[str, str]
    rationale: str
    remediation: str

    @property
    def framework_refs(self) -> list[str]:
        """`CIS AWS 5.0 1.3`, `HIPAA`: each framework with its requirement ids where there are some."""
        return [f"{name} {ref}".strip() for name, ref in self.frameworks.items()]

    def requirements_in(self, framework: str) -> list[str] | None:
        """The control's requirement ids in `framework` ([] when it names the framework only), None if unmapped."""
        return refs(self.frameworks[framework]) if framework in self.frameworks else None


def control(id: str, *, severity: str, frameworks: dict[str, str], remediation: str) -> Callable[[F], F]:
    """Declare a test function a control; a mistake in the metadata fails collection with the reason."""

    def apply(test: F) -> F:
        where = f"{test.__module__}.{test.__name__}"
        if not _ID.match(id):
            raise ValueError(f"{where}: control id {id!r} must look like ROOT-1")
        if severity not in SEVERITIES:
            raise ValueError(f"{where}: severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        unknown = sorted(set(frameworks) - set(FRAMEWORKS))
        if unknown:
            raise ValueError(f"{where}: unknown frameworks {unknown}; known: {', '.join(FRAMEWORKS)}")
        doc = inspect.getdoc(test)
        if not doc:
            raise ValueError(f"{where}: a control needs a docstring: its title, then its rationale")
        title, _, rationale = doc.partition("\n")
        meta = Control(id, title.strip(), severity, dict(frameworks), rationale.strip(),
                       inspect.cleandoc(remediation))
        for mark in (pytest.mark.control(meta), getattr(pytest.mark, severity),
                     *(getattr(pytest.mark, FRAMEWORKS[name].marker) for name in frameworks)):
            test = mark(test)
        return test

    return apply


def natural(text: str) -> list[object]:
    """Sort key of an id or a requirement: IAM-2 before IAM-10, 1.2 before 1.10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def id_order(control: Control) -> list[object]:
    """Sort key: IAM-2 before IAM-10."""
    return natural(control.id)


def control_of(item: pytest.Item) -> Control | None:
    marker = item.get_closest_marker("control")
    return marker.args[0] if marker else None


def not_applicable(reason: str) -> NoReturn:
    """End a control as not applicable to this account (reported as skipped, with the reason)."""
    pytest.skip(f"not applicable: {reason}")
