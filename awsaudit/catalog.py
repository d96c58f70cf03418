"""The controls of checks/, read from their own metadata before a run collects them.

The README's catalog and permission tables and docs/iam-policy.json are made from them and the sources they read,
so none can drift; a run checks against them that `--control`, `-m` and the waivers name controls and markers that
exist.

    python -m awsaudit.catalog            print the catalog table
    python -m awsaudit.catalog --write    write both tables into README.md, and docs/iam-policy.json
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import importlib.util
import json
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator

import pytest

from awsaudit import fixtures, permissions
from awsaudit.aws import MODULES
from awsaudit.controls import Control, id_order
from awsaudit.frameworks import FRAMEWORKS
from awsaudit.sources import SOURCES, needed

START, END = "<!-- catalog:start (python -m awsaudit.catalog --write) -->", "<!-- catalog:end -->"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Catalog:
    """The controls of a checks/ folder and the names of the markers they carry."""

    controls: tuple[Control, ...]  # in id order
    markers: frozenset[str]
    # The declared sources each control reads (by control id), its composite fixtures followed down to them.
    reads: dict[str, tuple[str, ...]] = field(default_factory=dict)
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


def _controls(module: ModuleType) -> Iterator[tuple[object, list[pytest.Mark]]]:
    """Each control a module defines, with its marks: its own and the module's `pytestmark`, as -m sees them."""
    shared = getattr(module, "pytestmark", [])
    shared = [getattr(mark, "mark", mark) for mark in (shared if isinstance(shared, list) else [shared])]
    for value in vars(module).values():
        own = getattr(value, "pytestmark", []) if inspect.isfunction(value) else []
        if any(mark.name == "control" for mark in own):
            yield value, [*own, *shared]


def _parameters(module: ModuleType) -> dict[str, list[str]]:
    """The parameters of each function a module holds by name: its fixtures among them."""
    found = {}
    for name, value in vars(module).items():
        if callable(value) and not inspect.isclass(value):
            try:
                found[name] = list(inspect.signature(value).parameters)
            except (TypeError, ValueError):
                continue
    return found


def _sources_read(control: object, module: ModuleType) -> tuple[str, ...]:
    """The declared sources a control reads: its parameters and what its fixtures (the engine's composite views and
    its own module's) take, followed down to the sources and what they build on."""
    given = {**_parameters(fixtures), **_parameters(module)}
    seen: set[str] = set()
    pending = list(inspect.signature(control).parameters)
    while pending:
        name = pending.pop()
        if name not in seen:
            seen.add(name)
            pending += [] if name in SOURCES else given.get(name, [])
    return tuple(source.name for source in needed(seen))


def read(checks: Path, strict: bool = False) -> Catalog:
    """The controls defined in the test files of `checks`. A file that fails to import is left to collection to
    report, and listed as unreadable; with `strict`, its error is raised."""
    for name in MODULES:  # the engine's sources, declared before any control that reads them
        importlib.import_module(name)
    controls: list[Control] = []
    markers: set[str] = set()
    reads: dict[str, tuple[str, ...]] = {}
    unreadable = []
    for path in sorted(checks.glob("test_*.py")):
        try:
            module = _module(path)
        except (Exception, pytest.skip.Exception, pytest.fail.Exception):
            if strict:
                raise
            unreadable.append(path.name)
            continue
        for function, marks in _controls(module):
            found = [mark.args[0] for mark in marks if mark.name == "control"]
            controls += found
            markers.update(mark.name for mark in marks)
            reads.update({meta.id: _sources_read(function, module) for meta in found})
    controls.sort(key=id_order)
    return Catalog(tuple(controls), frozenset(markers), {c.id: reads[c.id] for c in controls}, tuple(unreadable))


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


def readme_with(readme: str, table_text: str, start: str = START, end: str = END) -> str:
    """README.md with `table_text` between the markers `start` and `end`."""
    if start not in readme or end not in readme:
        raise ValueError(f"README.md lacks the markers {start} and {end}")
    before, rest = readme.split(start, 1)
    return before + start + "\n" + table_text + rest[rest.index(end):]


def generated(root: Path = ROOT) -> dict[Path, str]:
    """Every file the catalog makes, as it should read now: README.md (catalog and permission tables) and the IAM
    policy an audit needs."""
    found = read(root / "checks", strict=True)
    readme = (root / "README.md").read_text(encoding="utf-8")
    readme = readme_with(readme, table(list(found.controls)))
    readme = readme_with(readme, permissions.table(found.reads), permissions.START, permissions.END)
    policy = json.dumps(permissions.policy(found.reads), indent=2) + "\n"
    return {root / "README.md": readme, root / "docs" / "iam-policy.json": policy}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m awsaudit.catalog", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update README.md and docs/iam-policy.json in place")
    args = parser.parse_args(argv)
    if not args.write:
        sys.stdout.write(table(controls_in(ROOT / "checks")))
        return 0
    for path, text in generated().items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
