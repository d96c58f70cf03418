"""The report as an auditor of one framework reads it: the framework's requirements in order, each with the controls
that test it and their verdict on every account, and the requirements no control tests, said plainly."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from awsaudit.controls import Control, natural
from awsaudit.frameworks import Framework, Requirement, Section
from awsaudit.verdicts import worst


@dataclass(frozen=True)
class Row:
    requirement: Requirement
    controls: list[Control]
    verdicts: dict[str, str]  # account -> the requirement's verdict there ("" when it has no verdict)

    @property
    def untested(self) -> str:
        """Why no control judged this requirement, or "" when one did."""
        if self.controls:
            return ""
        return "manual: not tested" if self.requirement.assessment == "manual" else "no awsaudit control yet"


def requirements(framework: Framework, controls: list[Control]) -> list[Requirement]:
    """The framework's own list where it has one; otherwise the requirements its controls name, in natural order."""
    if framework.requirements:
        return list(framework.requirements)
    named = {ref for meta in controls for ref in (meta.requirements_in(framework.name) or [""])}
    return [Requirement(ref, "", "" if ref else "(the control names the framework, no requirement)")
            for ref in sorted(named, key=natural)]


def rows(framework: Framework, controls: list[Control], accounts: list[str],
         verdicts: dict[tuple[str, str], list[str]]) -> list[Row]:
    """`verdicts` maps (control id, account) to the verdicts seen there."""
    out = []
    for requirement in requirements(framework, controls):
        mapped = [meta for meta in controls if requirement.id in (meta.requirements_in(framework.name) or [""])]
        found = {}
        for account in accounts:
            # A requirement's verdict on an account is its controls' worst.
            judged = worst(v for meta in mapped for v in verdicts.get((meta.id, account), []))
            unrun = any((meta.id, account) not in verdicts for meta in mapped)
            # A requirement is only as judged as its least-run control: a pass with a control left out is not one.
            found[account] = judged if judged in ("failed", "error") or not (unrun and judged) else "not all run"
        out.append(Row(requirement, mapped, found))
    return out


def headings(above: list[Section], here: list[Section]) -> list[Section]:
    """The section headings a requirement in the sections `here` needs below one in the sections `above`: those it
    enters, and its own section again where it follows a subsection it is not in (5.2 after 5.1.2: "5 Networking")."""
    same = 0
    while same < min(len(above), len(here)) and above[same] == here[same]:
        same += 1
    return here[same:] or (here[-1:] if len(here) < len(above) else [])


def to_html(framework: Framework, table: list[Row], accounts: list[str]) -> str:
    """The framework's table: a row per requirement, under a heading row where each of its sections begins."""
    head = "".join(f"<th>{escape(h)}</th>" for h in ("Requirement", "Title", "Assessed", "Controls", *accounts))
    body = []
    above: list[Section] = []  # the sections the rows above are in, outermost first
    for row in table:
        here = framework.sections_of(row.requirement.id)
        for section in headings(above, here):
            body.append(f'<tr class="awsaudit-section"><th colspan="{4 + len(accounts)}">'
                        f"{escape(section.number)} {escape(section.name)}</th></tr>")
        above = here
        controls = "<br>".join(escape(f"{meta.id} {meta.title}") for meta in row.controls) or escape(row.untested)
        cells = "".join(
            f'<td class="awsaudit-verdict-{escape(v.replace(" ", "-"))}">{escape(v or "not run")}</td>'
            if row.controls else "<td>—</td>" for v in row.verdicts.values())
        body.append(f"<tr><td>{escape(row.requirement.id)}</td><td>{escape(row.requirement.title)}</td>"
                    f"<td>{escape(row.requirement.assessment)}</td><td>{controls}</td>{cells}</tr>")
    tested = sum(1 for row in table if row.controls)
    return (f'<h2>{escape(framework.name)}: {escape(framework.title)}</h2>'
            f"<p>Scope: {escape(framework.scope)}. {tested} of {len(table)} requirements are tested by awsaudit "
            "controls; the others are listed as manual or not yet covered, for the auditor to assess.</p>"
            f'<table class="awsaudit-framework"><tr>{head}</tr>{"".join(body)}</table>')


def summary_lines(framework: Framework, table: list[Row]) -> list[str]:
    """The console's view: counts, then each requirement that failed somewhere."""
    tested = [row for row in table if row.controls]
    lines = [f"{framework.name}: {len(tested)} of {len(table)} requirements tested ({framework.scope})"]
    for row in tested:
        bad = {v: [account for account, seen in row.verdicts.items() if seen == v] for v in ("failed", "error")}
        said = "; ".join(f"{v} on {', '.join(accounts)}" for v, accounts in bad.items() if accounts)
        if said:
            lines.append(f"    {row.requirement.id} {row.requirement.title}: {said}")
    return lines
