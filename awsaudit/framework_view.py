"""The report as an auditor of one framework reads it: the framework's requirements in order, each with the controls
that test it and their verdict on every account; where no control tests one, what to check by hand, or "not covered"
where the data does not say: no requirement is left out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from awsaudit.controls import Control, natural
from awsaudit.frameworks import Framework, Requirement, Section
from awsaudit.verdicts import worst


NOT_COVERED = "not covered"


@dataclass(frozen=True)
class Row:
    requirement: Requirement
    controls: list[Control]
    verdicts: dict[str, str]  # account -> the requirement's verdict there ("" when it has no verdict)
    publisher: str = "CIS"  # who assesses the requirement ("CIS"), as the note on a manual one names it

    @property
    def coverage(self) -> str:
        """How awsaudit covers the requirement: "controls" (a control tests it, whatever the hand text says), "by hand"
        (the data says what to check), or "not covered"."""
        if self.controls:
            return "controls"
        return "by hand" if self.requirement.by_hand else NOT_COVERED

    @property
    def untested(self) -> str:
        """What the view says in place of controls: "manual: <what to check by hand>", "not covered", or "" where a
        control tests the requirement."""
        return {"controls": "", "by hand": f"manual: {self.requirement.by_hand}"}.get(self.coverage, NOT_COVERED)

    @property
    def note(self) -> str:
        """Said of a requirement the framework calls manual that an awsaudit control judges anyway."""
        if self.controls and self.requirement.assessment == "manual":
            return f"automated by awsaudit, Manual in {self.publisher}"
        return ""


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
        out.append(Row(requirement, mapped, found, framework.publisher))
    return out


def headings(above: list[Section], here: list[Section]) -> list[Section]:
    """The section headings a requirement in the sections `here` needs below one in the sections `above`: those it
    enters, and its own section again where it follows a subsection it is not in (5.2 after 5.1.2: "5 Networking")."""
    same = 0
    while same < min(len(above), len(here)) and above[same] == here[same]:
        same += 1
    return here[same:] or (here[-1:] if len(here) < len(above) else [])


def counts(table: list[Row]) -> dict[str, int]:
    """How many requirements each way of coverage has, and how many tested ones the framework calls manual."""
    found = {"controls": 0, "by hand": 0, NOT_COVERED: 0, "noted": 0}
    for row in table:
        found[row.coverage] += 1
        found["noted"] += bool(row.note)
    return found


def coverage_sentence(table: list[Row], publisher: str) -> str:
    """"52 tested by awsaudit controls (6 of them Manual in CIS), 16 to check by hand, 2 not covered"."""
    found = counts(table)
    noted = f" ({found['noted']} of them Manual in {publisher})" if found["noted"] else ""
    return (f"{found['controls']} tested by awsaudit controls{noted}, {found['by hand']} to check by hand, "
            f"{found[NOT_COVERED]} {NOT_COVERED}")


def commands(text: str) -> str:
    """Text as HTML, with each `command` in backticks shown as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", escape(text))


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
        if row.controls:
            said = "<br>".join(escape(f"{meta.id} {meta.title}") for meta in row.controls)
            if row.note:
                said += f'<br><em class="awsaudit-note">{escape(row.note)}</em>'
        else:
            said = f'<span class="awsaudit-{row.coverage.replace(" ", "-")}">{commands(row.untested)}</span>'
        cells = "".join(
            f'<td class="awsaudit-verdict-{escape(v.replace(" ", "-"))}">{escape(v or "not run")}</td>'
            if row.controls else "<td>—</td>" for v in row.verdicts.values())
        body.append(f"<tr><td>{escape(row.requirement.id)}</td><td>{escape(row.requirement.title)}</td>"
                    f"<td>{escape(row.requirement.assessment)}</td><td>{said}</td>{cells}</tr>")
    return (f'<h2 id="awsaudit-framework">{escape(framework.name)}: {escape(framework.title)}</h2>'
            f"<p>Scope: {escape(framework.scope)}. Of its {len(table)} requirements, "
            f"{escape(coverage_sentence(table, framework.publisher))}. Each requirement to check by hand says what to "
            "check; one not covered has neither an awsaudit control nor that text, and is left to the auditor.</p>"
            f'<table class="awsaudit-framework"><tr>{head}</tr>{"".join(body)}</table>')


def summary_lines(framework: Framework, table: list[Row], where: str = "") -> list[str]:
    """The console's view, brief: the counts, each requirement that failed or could not be judged (error) somewhere,
    the ids of those not covered, and where the full list is (`where`: the HTML report's path, "" if none)."""
    lines = [f"{framework.name}: {len(table)} requirements ({framework.scope})",
             coverage_sentence(table, framework.publisher)]
    bad_rows = []
    for row in table:
        bad = {v: [account for account, seen in row.verdicts.items() if seen == v] for v in ("failed", "error")}
        said = "; ".join(f"{v} on {', '.join(accounts)}" for v, accounts in bad.items() if accounts)
        if row.controls and said:
            bad_rows.append(f"    {row.requirement.id} {row.requirement.title}: {said}")
    if bad_rows:
        lines += [f"Failed or could not be judged (error) on some account: {len(bad_rows)}", *bad_rows]
    missing = [row.requirement.id for row in table if row.coverage == NOT_COVERED]
    if missing:
        lines.append(f"Not covered (no control, and nothing said to check by hand): {', '.join(missing)}")
    if where:
        lines.append(f"Every requirement in order, with its controls and verdicts or what to check by hand: the "
                     f"framework section of {where} and of its summary page")
    return lines
