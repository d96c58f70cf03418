"""The control catalog as a Markdown table, made from the controls' own metadata, so the README cannot drift.

    python -m awsaudit.catalog            print the table
    python -m awsaudit.catalog --write    put it into README.md between the catalog markers
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
from pathlib import Path

from awsaudit.controls import Control
from awsaudit.frameworks import FRAMEWORKS

START, END = "<!-- catalog:start (python -m awsaudit.catalog --write) -->", "<!-- catalog:end -->"
ROOT = Path(__file__).resolve().parent.parent


def _natural(control: Control) -> list[object]:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", control.id)]


def controls_in(checks: Path) -> list[Control]:
    """Every control defined in the test files of `checks`, in id order."""
    found = []
    for path in sorted(checks.glob("test_*.py")):
        spec = importlib.util.spec_from_file_location(f"awsaudit_catalog_{path.stem}", path)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for value in vars(module).values():
            marks = getattr(value, "pytestmark", [])
            found += [mark.args[0] for mark in marks if mark.name == "control"]
    return sorted(found, key=_natural)


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
