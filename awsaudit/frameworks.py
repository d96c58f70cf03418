"""The compliance frameworks controls map to: names, the pytest marker of each (`-m cis_aws_5`), and the ordered
requirement lists that `--framework` shows. The data is frameworks.toml, a table a reviewer reads as it is."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("critical", "high", "medium", "low")


@dataclass(frozen=True)
class Requirement:
    id: str
    assessment: str  # how the framework itself assesses it: "automated", "manual", or "" where it does not say
    title: str


@dataclass(frozen=True)
class Framework:
    name: str
    marker: str
    title: str
    scope: str
    requirements: tuple[Requirement, ...]  # empty: only the requirements controls name are known


def _load() -> dict[str, Framework]:
    data = tomllib.loads(Path(__file__).with_name("frameworks.toml").read_text(encoding="utf-8"))
    return {f["name"]: Framework(f["name"], f["marker"], f["title"], f["scope"],
                                 tuple(Requirement(*r) for r in f.get("requirements", [])))
            for f in data["framework"]}


FRAMEWORKS: dict[str, Framework] = _load()

# The names controls use as keys of `frameworks=`.
CIS_3, CIS_5, SECURITY_HUB, PCI_DSS, NIST, HIPAA, APRA, MAS = FRAMEWORKS


def refs(value: str) -> list[str]:
    """A control's requirement ids for one framework: "AC-2(1), AC-3" -> ["AC-2(1)", "AC-3"]; "" -> []."""
    return [ref.strip() for ref in value.split(",") if ref.strip()]


def _key(name: str) -> str:
    """"CIS AWS 5.0", "cis_aws_5" and "cis-aws-5.0.0" all read as "cisaws5" (but "CIS AWS 50" does not)."""
    return re.sub(r"[^a-z0-9]", "", re.sub(r"(?:\.0)+$", "", name.strip().lower())) or name


def resolve(name: str) -> Framework:
    """The framework a user names, by its name or marker in any case and punctuation; ValueError if none."""
    for framework in FRAMEWORKS.values():
        if _key(name) in (_key(framework.name), _key(framework.marker)):
            return framework
    raise ValueError(f"unknown framework {name!r}; known: " + ", ".join(f'"{n}"' for n in FRAMEWORKS))


def marker_lines() -> list[str]:
    """The `markers` ini lines awsaudit registers, so `--strict-markers` and `pytest --markers` know them."""
    lines = [f"{severity}: controls of {severity} severity" for severity in SEVERITIES]
    lines += [f"{f.marker}: controls mapped to {f.name}" for f in FRAMEWORKS.values()]
    lines.append("control(meta): awsaudit control metadata (set by @awsaudit.control)")
    return lines
