"""The compliance frameworks controls map to: names, the pytest marker of each (`-m cis_aws_5`), and the ordered
requirement lists, with their sections, that `--framework` shows. The data is frameworks.toml, a table a reviewer reads
as it is; a framework added there needs no code here but the name controls import."""

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
    by_hand: str = ""  # what an auditor checks by hand where no control tests it ("" where the data does not say)


@dataclass(frozen=True)
class Section:
    number: str  # "2", or "2.1" for a subsection
    name: str

    def holds(self, requirement_id: str) -> bool:
        """Whether a requirement belongs to this section: "2.1" holds "2.1.4" (not "2.10" nor "2.1")."""
        return requirement_id.startswith(self.number + ".")


@dataclass(frozen=True)
class Framework:
    name: str
    marker: str
    title: str
    scope: str
    requirements: tuple[Requirement, ...]  # empty: only the requirements controls name are known
    sections: tuple[Section, ...] = ()  # in the framework's order, subsections after their section
    by_hand_ids: tuple[str, ...] = ()  # the ids the data gives what to check by hand for (a test holds them to
    # requirement ids: a mistyped one would leave its text unshown)

    @property
    def publisher(self) -> str:
        """Who assesses the requirements, as the view names it: "CIS" for "CIS AWS 7.0"."""
        return self.name.split(" ", 1)[0]

    def sections_of(self, requirement_id: str) -> list[Section]:
        """The sections a requirement is in, outermost first: "2.1.4" -> [2 Storage, 2.1 S3]."""
        return [section for section in self.sections if section.holds(requirement_id)]


def _load() -> dict[str, Framework]:
    data = tomllib.loads(Path(__file__).with_name("frameworks.toml").read_text(encoding="utf-8"))
    return {f["name"]: Framework(f["name"], f["marker"], f["title"], f["scope"],
                                 tuple(Requirement(*r, by_hand=f.get("by_hand", {}).get(r[0], ""))
                                       for r in f.get("requirements", [])),
                                 tuple(Section(*s) for s in f.get("sections", [])),
                                 tuple(f.get("by_hand", {})))
            for f in data["framework"]}


FRAMEWORKS: dict[str, Framework] = _load()


def _named(name: str) -> str:
    """A framework's name as controls use it, checked against frameworks.toml when awsaudit loads."""
    if name not in FRAMEWORKS:
        raise LookupError(f"frameworks.toml has no framework {name!r}; it has: " + ", ".join(FRAMEWORKS))
    return name


# The names controls use as keys of `frameworks=`, each looked up by name: adding or reordering frameworks in
# frameworks.toml shifts none of them.
CIS_3 = _named("CIS AWS 3.0")
CIS_5 = _named("CIS AWS 5.0")
CIS_6 = _named("CIS AWS 6.0")
CIS_7 = _named("CIS AWS 7.0")
SECURITY_HUB = _named("AWS Security Hub")
PCI_DSS = _named("PCI DSS 4.0")
NIST = _named("NIST SP 800-53 r5")
HIPAA = _named("HIPAA")
APRA = _named("APRA")
MAS = _named("MAS")


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
