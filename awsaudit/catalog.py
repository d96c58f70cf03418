"""The controls of checks/, read from their own metadata before a run collects them.

The README's catalog table is made from them, so it cannot drift; a run checks against them that `--control`, `-m`
and the waivers name controls and markers that exist.

    python -m awsaudit.catalog            print the table
    python -m awsaudit.catalog --write    put it into README.md between the catalog markers
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import inspect
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator

import pytest

from awsaudit.controls import Control
from awsaudit.frameworks import FRAMEWORKS

START, END = "<!-- catalog:start (python -m awsaudit.catalog --write) -->", "<!-- catalog:end -->"
ROOT = Path(__file__).resolve().parent.parent


def id_order(control: Control) -> list[object]:
    """Sort key: IAM-2 before IAM-10."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", control.id)]


@dataclass(frozen=True)
class Catalog:
    """The controls of a checks/ folder and the names of the markers they carry."""

    controls: tuple[Control, ...]  # in id order
    markers: frozenset[str]
    # Control files that failed to import. Collection reports each and the run stops, so names that may be defined
    # there are not refused as unknown.
    unreadable: tuple[str, ...] = ()

    @property
    def ids(self) -> list[str]:
        return [control.id for control in self.controls]

    @property
    def complete(self) -> bool:
        return not self.unreadable


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"awsaudit_catalog_{path.stem}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _control_marks(module: ModuleType) -> Iterator[list[pytest.Mark]]:
    """The marks of each control a module defines: its own and the module's `pytestmark`, as -m sees them."""
    shared = getattr(module, "pytestmark", [])
    shared = [getattr(mark, "mark", mark) for mark in (shared if isinstance(shared, list) else [shared])]
    for value in vars(module).values():
        own = getattr(value, "pytestmark", []) if inspect.isfunction(value) else []
        if any(mark.name == "control" for mark in own):
            yield [*own, *shared]


def read(checks: Path, strict: bool = False) -> Catalog:
    """The controls defined in the test files of `checks`. A file that fails to import is left to collection to
    report, and listed as unreadable; with `strict`, its error is raised."""
    controls: list[Control] = []
    markers: set[str] = set()
    unreadable = []
    for path in sorted(checks.glob("test_*.py")):
        try:
            module = _module(path)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception):
            if strict:
                raise
            unreadable.append(path.name)
            continue
        for marks in _control_marks(module):
            controls += [mark.args[0] for mark in marks if mark.name == "control"]
            markers.update(mark.name for mark in marks)
    return Catalog(tuple(sorted(controls, key=id_order)), frozenset(markers), tuple(unreadable))


def controls_in(checks: Path) -> list[Control]:
    """Every control defined in the test files of `checks`, in id order."""
    return list(read(checks, strict=True).controls)


def close_to(name: str, known: Iterable[str]) -> str:
    """How an unknown-name error ends: the known names close to `name` (in any case), else every known name."""
    by_key = {value.lower(): value for value in known}
    close = [by_key[key] for key in difflib.get_close_matches(name.lower(), by_key, n=3, cutoff=0.75)]
    if not close:
        return f"known: {', '.join(by_key.values()) or 'none'}"
    *first, last = close
    return f"did you mean {', '.join(first) + ' or ' if first else ''}{last}?"


def table(controls: list[Control]) -> str:
    frameworks = [name for name in FRAMEWORKS if any(name in c.frameworks for c in controls)]
    head = ["Id", "Control", "Severity", *frameworks]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for c in controls:
        refs = [c.frameworks[name] or "named" if name in c.frameworks else "" for name in frameworks]
        lines.append("| " + " | ".join([c.id, c.title.replace("|", "\\|"), c.severity, *refs]) + " |")
    return "\n".join(lines) + "\n"


def readme_with(readme: str, catalog: str) -> str:
    if START not in readme or END not in readme:
        raise ValueError(f"README.md lacks the markers {START} and {END}")
    before, rest = readme.split(START, 1)
    return before + START + "\n" + catalog + rest[rest.index(END):]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m awsaudit.catalog", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update README.md in place")
    args = parser.parse_args(argv)
    catalog = table(controls_in(ROOT / "checks"))
    if not args.write:
        sys.stdout.write(catalog)
        return 0
    readme = ROOT / "README.md"
    readme.write_text(readme_with(readme.read_text(encoding="utf-8"), catalog), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
