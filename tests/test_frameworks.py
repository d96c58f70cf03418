"""Frameworks as an auditor asks for them: `--framework NAME` runs that framework's controls and shows all of its
requirements in order, tested or not; `--min-severity` keeps the serious ones; a wrong name is a usage error.

Every expectation about a framework comes from its data (frameworks.toml), the controls of checks/ and the twins'
declared verdicts: no test here knows how many requirements or sections a framework has."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from html import unescape
from dataclasses import replace
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any, cast

import pytest

from awsaudit import framework_view, frameworks
from awsaudit.catalog import controls_in
from awsaudit.controls import Control
from awsaudit.frameworks import CIS_3, CIS_5, CIS_6, CIS_7, FRAMEWORKS, SEVERITIES, Framework, refs, resolve
from awsaudit.selection import Selection
from conftest import REPO, ROOT_CHECKS, AuditRun, lone, make_project, run_audit, shared_run, twin_text

CONTROLS = controls_in(REPO / "checks")
BY_ID = {meta.id: meta for meta in CONTROLS}
# A requirement's verdict on an account is the worst of its controls' verdicts there.
WORST_FIRST = ("failed", "error", "waived", "passed", "not applicable")
# The frameworks that list their requirements themselves (the CIS benchmarks), as opposed to those shown as the
# requirements their controls name.
LISTED = [name for name, framework in FRAMEWORKS.items() if framework.requirements]
CIS = [name for name in FRAMEWORKS if name.startswith("CIS ")]


def number(requirement_id: str) -> tuple[int, ...]:
    """"2.1.4" -> (2, 1, 4): the benchmark's order."""
    return tuple(int(part) for part in requirement_id.split("."))


def mapped_to(framework: str, requirement_id: str, controls: list[Control] = CONTROLS) -> list[Control]:
    return [meta for meta in controls if requirement_id in refs(meta.frameworks.get(framework, ""))]


def untested(requirement: frameworks.Requirement) -> str:
    """What the view says of a requirement no control tests: what to check by hand (its commands in backticks read as
    code, without the backticks), or that nothing covers it."""
    return f"manual: {requirement.by_hand.replace('`', '')}" if requirement.by_hand else "not covered"


def controls_cell(framework: str, requirement: frameworks.Requirement, mapped: list[Control]) -> list[str]:
    """The Controls cell's lines: each control, then the note where the framework calls the requirement manual."""
    if not mapped:
        return [untested(requirement)]
    note = [f"automated by awsaudit, Manual in {FRAMEWORKS[framework].publisher}"] * (requirement.assessment == "manual")
    return [f"{meta.id} {meta.title}" for meta in mapped] + note


def uncovered(framework: Framework, controls: list[Control]) -> list[str]:
    """The requirements with neither a control of `controls` nor anything said to check by hand."""
    return [r.id for r in framework.requirements if not r.by_hand and not mapped_to(framework.name, r.id, controls)]


# -- names and references ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["CIS AWS 5.0", "cis_aws_5", "cis-aws-5.0.0", "CIS aws 5"])
def test_a_framework_is_found_by_name_or_marker_in_any_spelling(name: str) -> None:
    assert resolve(name) is FRAMEWORKS[CIS_5]


@pytest.mark.parametrize("name", CIS)
def test_each_cis_version_is_told_apart(name: str) -> None:
    framework = FRAMEWORKS[name]
    version = name.rsplit(" ", 1)[1]
    for spelling in (name, framework.marker, f"cis-aws-{version}.0", f"CIS AWS {version.split('.')[0]}"):
        assert resolve(spelling) is framework, spelling
    assert resolve("PCI DSS 4.0").marker == "pci_dss"


@pytest.mark.parametrize("name", ["CIS AWS 50", "CIS AWS 500", "cis_aws_50"])
def test_a_version_is_not_read_into_a_number_it_is_not(name: str) -> None:
    with pytest.raises(ValueError):
        resolve(name)


def test_an_unknown_framework_lists_the_known_ones() -> None:
    with pytest.raises(ValueError) as raised:
        resolve("CIS AWS 4.0")
    message = str(raised.value)
    assert message.startswith("unknown framework 'CIS AWS 4.0'; known: ")
    assert all(f'"{name}"' in message for name in FRAMEWORKS)


EXPORTED = ("CIS_3", "CIS_5", "CIS_6", "CIS_7", "SECURITY_HUB", "PCI_DSS", "NIST", "HIPAA", "APRA", "MAS")


def test_every_framework_has_an_exported_name_for_controls() -> None:
    assert sorted(getattr(frameworks, name) for name in EXPORTED) == sorted(FRAMEWORKS)
    assert [FRAMEWORKS[getattr(frameworks, name)].marker for name in ("CIS_3", "CIS_5", "CIS_6", "CIS_7")] == [
        "cis_aws_3", "cis_aws_5", "cis_aws_6", "cis_aws_7"]


def load_frameworks_from(folder: Path, toml: str) -> ModuleType:
    """awsaudit/frameworks.py loaded afresh beside `toml` as its frameworks.toml."""
    shutil.copy(REPO / "awsaudit" / "frameworks.py", folder / "frameworks.py")
    (folder / "frameworks.toml").write_text(toml, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("frameworks_copy", folder / "frameworks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    return module


def test_the_exported_names_do_not_depend_on_the_order_of_the_frameworks(tmp_path: Path) -> None:
    """A framework added anywhere in frameworks.toml, or the tables reordered, shifts no name a control uses."""
    text = (REPO / "awsaudit" / "frameworks.toml").read_text(encoding="utf-8")
    header, *tables = text.split("[[framework]]")
    added = '\nname = "Added"\nmarker = "added"\ntitle = "A framework added first"\nscope = "none"\n\n'
    reordered = load_frameworks_from(tmp_path, header + "[[framework]]".join(["", added, *reversed(tables)]))
    assert list(reordered.FRAMEWORKS) != list(FRAMEWORKS)
    assert {name: getattr(reordered, name) for name in EXPORTED} == {
        name: getattr(frameworks, name) for name in EXPORTED}


def test_a_missing_framework_fails_loudly_not_with_a_shifted_name(tmp_path: Path) -> None:
    text = (REPO / "awsaudit" / "frameworks.toml").read_text(encoding="utf-8")
    header, *tables = text.split("[[framework]]")
    with pytest.raises(LookupError, match="no framework 'CIS AWS 6.0'"):
        load_frameworks_from(tmp_path, header + "[[framework]]".join(
            ["", *(t for t in tables if 'name = "CIS AWS 6.0"' not in t)]))


@pytest.mark.parametrize("framework", LISTED)
def test_every_reference_names_a_requirement_of_the_framework(framework: str) -> None:
    """A mistyped requirement id would put the control in no row of the framework table."""
    known = {requirement.id for requirement in FRAMEWORKS[framework].requirements}
    mapped = {meta.id: refs(meta.frameworks[framework]) for meta in CONTROLS if framework in meta.frameworks}
    assert {cid: ids for cid, ids in mapped.items() if not ids or not set(ids) <= known} == {}


def test_the_readme_names_every_framework_and_its_marker() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Frameworks and severity"):]
    section = section[:section.index("\n## ", 1)]
    assert [name for name, f in FRAMEWORKS.items() if f"`{name}`" not in section or f"`{f.marker}`" not in section] == []


# -- the requirement lists as data -------------------------------------------------------------------------------------

def test_the_cis_benchmarks_list_their_requirements() -> None:
    assert CIS and set(CIS) <= set(LISTED)
    assert {CIS_3, CIS_5, CIS_6, CIS_7} <= set(CIS)


@pytest.mark.parametrize("framework", LISTED)
def test_ids_are_unique_and_in_benchmark_order(framework: str) -> None:
    ids = [requirement.id for requirement in FRAMEWORKS[framework].requirements]
    assert all(re.fullmatch(r"\d+(\.\d+)+", rid) for rid in ids), ids
    assert [number(rid) for rid in ids] == sorted({number(rid) for rid in ids})  # sorted, and none twice


@pytest.mark.parametrize("framework", LISTED)
def test_every_requirement_has_a_known_assessment_and_a_short_title_of_its_own(framework: str) -> None:
    requirements = FRAMEWORKS[framework].requirements
    assert {r.id: r.assessment for r in requirements if r.assessment not in ("automated", "manual")} == {}
    # Titles are awsaudit's own brief wording, one line each; the benchmark's own titles begin "Ensure".
    assert [r.id for r in requirements if not r.title or len(r.title) > 100 or r.title.startswith("Ensure")] == []
    assert len({r.title for r in requirements}) == len(requirements), "two requirements share a title"


@pytest.mark.parametrize("framework", LISTED)
def test_every_requirement_is_in_a_named_section_and_every_section_has_requirements(framework: str) -> None:
    """"2.1.4" sits in section 2 and subsection 2.1, both named; a named section holds at least one requirement."""
    data = FRAMEWORKS[framework]
    numbers = [section.number for section in data.sections]
    assert numbers == sorted(set(numbers), key=number), "sections twice or out of order"
    assert all(section.name for section in data.sections)
    unplaced = {r.id: [s.number for s in data.sections_of(r.id)] for r in data.requirements
                if [s.number for s in data.sections_of(r.id)] != [r.id.rsplit(".", n)[0] for n in
                                                                 range(r.id.count("."), 0, -1)]}
    assert unplaced == {}
    assert [s.number for s in data.sections if not any(s.holds(r.id) for r in data.requirements)] == []


def shifted(number: str) -> str:
    """A CIS v5.0.0 requirement or section number as v6.0.0 numbers it: one section up, the rest alike."""
    section, *rest = number.split(".")
    return ".".join([str(int(section) + 1), *rest])


def test_cis_6_is_cis_5_one_section_up() -> None:
    five, six = FRAMEWORKS[CIS_5], FRAMEWORKS[CIS_6]
    assert [(shifted(r.id), r.assessment, r.title) for r in five.requirements] == [
        (r.id, r.assessment, r.title) for r in six.requirements]
    assert [(shifted(s.number), s.name) for s in five.sections] == [
        (s.number, s.name) for s in six.sections]


def test_cis_7_keeps_the_order_and_assessment_of_what_it_carries_over_from_cis_6() -> None:
    """The same item keeps its title across versions, so the items v7 carries over are those titled alike."""
    six = {r.title: r for r in FRAMEWORKS[CIS_6].requirements}
    seven = {r.title: r for r in FRAMEWORKS[CIS_7].requirements}
    both = [title for title in six if title in seven]
    assert both and both == [title for title in seven if title in six]
    assert {t: (six[t].assessment, seven[t].assessment) for t in both if six[t].assessment != seven[t].assessment} == {}
    # Outside IAM (section 2 in both), the items carried over keep their numbers.
    assert {t: (six[t].id, seven[t].id) for t in both if not six[t].id.startswith("2.") and six[t].id != seven[t].id} == {}


@pytest.mark.parametrize("later", [CIS_6, CIS_7])
def test_controls_follow_cis_5_into_the_later_versions(later: str) -> None:
    """A control of CIS 5.0 requirements maps, in a later version, to the items they became there (same title), and
    to nothing where that version dropped them. (A control of no CIS 5.0 requirement may map to a later one freely.)"""
    five = {r.id: r.title for r in FRAMEWORKS[CIS_5].requirements}
    by_title = {r.title: r.id for r in FRAMEWORKS[later].requirements}
    wrong = {}
    for meta in CONTROLS:
        if CIS_5 in meta.frameworks:
            expected = [by_title[five[rid]] for rid in refs(meta.frameworks[CIS_5]) if five[rid] in by_title]
            if refs(meta.frameworks.get(later, "")) != expected or (later in meta.frameworks) != bool(expected):
                wrong[meta.id] = (meta.frameworks.get(later), expected)
    assert wrong == {}


# -- what to check by hand --------------------------------------------------------------------------------------------

# The CIS benchmarks whose every requirement awsaudit covers, by a control or by what to check by hand.
COMPLETE = [CIS_5, CIS_6, CIS_7]


@pytest.mark.parametrize("framework", LISTED)
def test_hand_texts_name_requirements_of_their_framework(framework: str) -> None:
    """A hand text under a mistyped id would show nowhere."""
    data = FRAMEWORKS[framework]
    assert set(data.by_hand_ids) - {r.id for r in data.requirements} == set()


@pytest.mark.parametrize("framework", LISTED)
def test_hand_texts_are_instructions_of_one_line(framework: str) -> None:
    """Each says what to do (it begins with a capital, not with the benchmark's "Ensure") on one line, and names where
    to look: a console page (">") or a CLI command in backticks."""
    texts = {r.id: r.by_hand for r in FRAMEWORKS[framework].requirements if r.by_hand}
    assert {rid: text for rid, text in texts.items()
            if not text[0].isupper() or text.startswith("Ensure") or "\n" in text or len(text) > 500
            or not (" > " in text or re.search(r"`aws [a-z0-9-]+ [a-z-]+", text))} == {}


@pytest.mark.parametrize("framework", COMPLETE)
def test_every_requirement_has_a_control_or_what_to_check_by_hand(framework: str) -> None:
    """Nothing silently missing: a requirement no control of checks/ tests says what to check by hand."""
    assert uncovered(FRAMEWORKS[framework], CONTROLS) == []


@pytest.mark.parametrize("framework", COMPLETE)
def test_a_requirement_with_neither_a_control_nor_a_hand_text_is_named(framework: str) -> None:
    """The check above can fail: without one hand text, exactly its requirement is uncovered."""
    data = FRAMEWORKS[framework]
    dropped = next(r for r in data.requirements if r.by_hand and not mapped_to(framework, r.id))
    trimmed = Framework(data.name, data.marker, data.title, data.scope,
                        tuple(replace(r, by_hand="") if r == dropped else r for r in data.requirements))
    assert uncovered(trimmed, CONTROLS) == [dropped.id]


def test_cis_6_says_what_cis_5_says_to_check_by_hand_one_section_up() -> None:
    five, six = FRAMEWORKS[CIS_5], FRAMEWORKS[CIS_6]
    assert [(shifted(r.id), r.by_hand) for r in five.requirements] == [(r.id, r.by_hand) for r in six.requirements]


def test_cis_7_says_the_same_as_cis_6_of_what_it_carries_over() -> None:
    six = {r.title: r.by_hand for r in FRAMEWORKS[CIS_6].requirements}
    assert {r.id: (six[r.title], r.by_hand) for r in FRAMEWORKS[CIS_7].requirements
            if r.title in six and six[r.title] != r.by_hand} == {}


def view_row(assessment: str, by_hand: str, controls: list[Control]) -> framework_view.Row:
    data = FRAMEWORKS[CIS_7]
    requirement = replace(data.requirements[0], assessment=assessment, by_hand=by_hand)
    mapped = [replace(meta, frameworks={CIS_7: requirement.id}) for meta in controls]
    lone = Framework(data.name, data.marker, data.title, data.scope, (requirement,), data.sections)
    (row,) = framework_view.rows(lone, mapped, ["prod"], {(meta.id, "prod"): ["passed"] for meta in mapped})
    return row


CONTROL = Control("X-1", "A control", "low", {}, "", "")


@pytest.mark.parametrize(("assessment", "by_hand", "controls", "coverage", "said", "note"), [
    ("automated", "", [CONTROL], "controls", "", ""),
    ("manual", "", [CONTROL], "controls", "", "automated by awsaudit, Manual in CIS"),
    ("manual", "Open the page", [CONTROL], "controls", "", "automated by awsaudit, Manual in CIS"),  # supersedes
    ("manual", "Open the page", [], "by hand", "manual: Open the page", ""),
    ("automated", "Open the page", [], "by hand", "manual: Open the page", ""),
    ("manual", "", [], "not covered", "not covered", ""),
    ("automated", "", [], "not covered", "not covered", ""),
])
def test_a_row_says_how_awsaudit_covers_its_requirement(assessment: str, by_hand: str, controls: list[Control],
                                                        coverage: str, said: str, note: str) -> None:
    row = view_row(assessment, by_hand, controls)
    assert (row.coverage, row.untested, row.note) == (coverage, said, note)
    html = framework_view.to_html(FRAMEWORKS[CIS_7], [row], ["prod"])
    cells = [cells for kind, cells in table_of(html) if kind == "row"][1]
    assert cells[3] == "\n".join([f"{c.id} {c.title}" for c in controls] + [note] * bool(note) or [said])
    assert cells[4] == ("passed" if controls else "—")


def test_commands_in_a_hand_text_show_as_code_and_the_rest_is_escaped() -> None:
    row = view_row("manual", "Run `aws iam list-users` and look for <b> & co", [])
    html = framework_view.to_html(FRAMEWORKS[CIS_7], [row], ["prod"])
    assert "manual: Run <code>aws iam list-users</code> and look for &lt;b&gt; &amp; co" in html


# -- selection without a run -------------------------------------------------------------------------------------------

def item_of(meta: Control | None) -> pytest.Item:
    """Just enough of a pytest item for Selection: its `control` marker."""
    marker = SimpleNamespace(args=(meta,)) if meta else None
    return cast(pytest.Item, SimpleNamespace(get_closest_marker=lambda name: marker if name == "control" else None))


def config_of(**options: Any) -> pytest.Config:
    return cast(pytest.Config, SimpleNamespace(getoption=lambda name: options.get(name)))


@pytest.mark.parametrize("minimum", SEVERITIES)
def test_min_severity_keeps_that_severity_and_higher(minimum: str) -> None:
    selection = Selection.of(config_of(framework=None, min_severity=minimum.upper()))
    kept = {meta.severity for meta in CONTROLS if selection.keeps(item_of(meta))}
    assert kept == set(SEVERITIES[:SEVERITIES.index(minimum) + 1]) & {meta.severity for meta in CONTROLS}


def test_a_test_that_is_not_a_control_is_always_kept() -> None:
    assert Selection.of(config_of(framework="CIS AWS 5.0", min_severity="critical")).keeps(item_of(None))


# -- the framework view, without a run ---------------------------------------------------------------------------------

def table_of(html: str) -> list[tuple[str, list[str]]]:
    """The framework table's rows in order, each ("section", [heading]) or ("row", cells); the header row first."""
    table = re.search(r'<table class="awsaudit-framework">(.*?)</table>', html, re.S)
    assert table, "no framework table"
    return [("section" if attrs else "row",
             [unescape(re.sub(r"<[^>]+>", "", re.sub(r"<br>", "\n", cell)))
              for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)])
            for attrs, row in re.findall(r'<tr( class="awsaudit-section")?>(.*?)</tr>', table[1], re.S)]


def assert_sections_head_their_requirements(framework: Framework, table: list[tuple[str, list[str]]]) -> None:
    """Every section's heading, in order, and every requirement under the headings of exactly its sections (a section
    goes on after its subsection under its own heading again)."""
    headings = [cells[0] for kind, cells in table if kind == "section"]
    assert list(dict.fromkeys(headings)) == [f"{s.number} {s.name}" for s in framework.sections]
    open_sections: list[str] = []
    for kind, cells in table[1:]:
        if kind == "section":
            heading = cells[0].split(" ", 1)[0]
            open_sections = [s for s in open_sections if heading.startswith(s + ".")] + [heading]
        else:
            assert open_sections == [s.number for s in framework.sections_of(cells[0])], cells


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_the_view_lists_every_requirement_of_the_framework_under_its_section(framework: str) -> None:
    data = FRAMEWORKS[framework]
    accounts = ["prod", "dev"]
    mapped_controls = [meta for meta in CONTROLS if framework in meta.frameworks]  # as a --framework run passes them
    verdicts = {(meta.id, "prod"): ["passed"] for meta in mapped_controls}
    table = table_of(framework_view.to_html(data, framework_view.rows(data, mapped_controls, accounts, verdicts),
                                            accounts))
    header, *rows = [cells for kind, cells in table if kind == "row"]
    assert header == ["Requirement", "Title", "Assessed", "Controls", *accounts]
    # A framework without its own list shows the requirements its controls name ("" for a control that names the
    # framework only).
    named = {ref for meta in mapped_controls for ref in meta.requirements_in(framework) or [""]}
    expected = [r.id for r in data.requirements] or sorted(named, key=framework_view.natural)
    assert [row[0] for row in rows] == expected
    for row in rows:
        mapped = [meta for meta in mapped_controls if row[0] in (meta.requirements_in(framework) or [""])]
        requirement = next((r for r in data.requirements if r.id == row[0]), frameworks.Requirement(row[0], "", ""))
        assert row[3].splitlines() == controls_cell(framework, requirement, mapped), row
        assert row[4:] == (["passed", "not run"] if mapped else ["—", "—"]), row
    assert_sections_head_their_requirements(data, table)


def test_a_requirement_passes_only_when_all_its_controls_ran() -> None:
    first = FRAMEWORKS[CIS_5].requirements[0].id
    ran, left_out = (Control(cid, cid, "low", {CIS_5: first}, "", "") for cid in ("A-1", "A-2"))
    row = next(r for r in framework_view.rows(FRAMEWORKS[CIS_5], [ran, left_out], ["prod", "dev"],
                                              {("A-1", "prod"): ["passed"], ("A-1", "dev"): ["failed"]})
               if r.requirement.id == first)
    assert row.verdicts == {"prod": "not all run", "dev": "failed"}


# -- a --framework run -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def framework_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, AuditRun]:
    """The whole benchmark's view over the two main twins, CIS 5.0's and CIS 7.0's, each run once for the session:
    under xdist the first worker to need them runs both side by side, and the others wait and read what it wrote."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = {framework: pool.submit(shared_run, tmp_path_factory, f"framework-{FRAMEWORKS[framework].marker}",
                                          "--offline", "--account", "compliant,noncompliant", "--framework", framework)
                   for framework in (CIS_5, CIS_7)}
        return {framework: run.result() for framework, run in started.items()}


@pytest.fixture(scope="session")
def cis5(framework_runs: dict[str, AuditRun]) -> AuditRun:
    return framework_runs[CIS_5]


@pytest.fixture(scope="session")
def cis7(framework_runs: dict[str, AuditRun]) -> AuditRun:
    return framework_runs[CIS_7]


def framework_table(run: AuditRun) -> list[list[str]]:
    """The framework table's requirement rows, header first, each as its cells' text."""
    return [cells for kind, cells in table_of(run.report.read_text(encoding="utf-8")) if kind == "row"]


def declared(twin: str) -> dict[str, str]:
    return tomllib.loads(twin_text(twin))["expect"]


def expected_verdict(framework: str, requirement_id: str, twin: str) -> str:
    """The requirement's verdict on a twin: the worst its controls' declared verdicts there."""
    seen = {declared(twin)[meta.id] for meta in mapped_to(framework, requirement_id)}
    return next(v for v in WORST_FIRST if v in seen)


def test_only_controls_mapped_to_the_framework_run(cis5: AuditRun) -> None:
    ran = {props["control_id"] for props in cis5.properties.values()}
    assert ran == {meta.id for meta in CONTROLS if CIS_5 in meta.frameworks}
    assert not ran & {"ROOT-3", "ROOT-4", "ROOT-7", "IAM-15"}
    assert {props["account"] for props in cis5.properties.values()} == {"compliant", "noncompliant"}
    left_out = [meta for meta in CONTROLS if CIS_5 not in meta.frameworks]
    assert f"{len(left_out)} deselected" in cis5.output  # a control left out is left out once, not per account


def test_the_report_lists_every_requirement_in_order_tested_or_not(cis5: AuditRun) -> None:
    header, *rows = framework_table(cis5)
    assert header == ["Requirement", "Title", "Assessed", "Controls", "compliant", "noncompliant"]
    requirements = FRAMEWORKS[CIS_5].requirements
    assert [row[0] for row in rows] == [r.id for r in requirements]
    for row, requirement in zip(rows, requirements):
        mapped = mapped_to(CIS_5, requirement.id)
        assert row[1:3] == [requirement.title, requirement.assessment]
        assert row[3].splitlines() == controls_cell(CIS_5, requirement, mapped), row
        if not mapped:
            assert row[4:] == ["—", "—"], row
            continue
        assert row[4:] == [expected_verdict(CIS_5, requirement.id, twin) for twin in ("compliant", "noncompliant")], row
    assert_sections_head_their_requirements(FRAMEWORKS[CIS_5], table_of(cis5.report.read_text(encoding="utf-8")))


def test_requirements_without_a_control_say_what_to_check_by_hand_or_that_nothing_covers_them(cis5: AuditRun) -> None:
    """"manual: <what to check by hand>" where the data says it; "not covered" where it does not."""
    rows = {row[0]: row for row in framework_table(cis5)[1:]}
    left = [r for r in FRAMEWORKS[CIS_5].requirements if not mapped_to(CIS_5, r.id)]
    assert left, "every requirement has a control: nothing left to show as untested"
    assert {r.id: rows[r.id][3] for r in left} == {r.id: untested(r) for r in left}


@pytest.mark.parametrize(("framework", "fixture"), [(CIS_5, "cis5"), (CIS_7, "cis7")])
def test_the_console_counts_the_requirements_lists_those_that_failed_and_says_where_the_full_list_is(
        framework: str, fixture: str, request: pytest.FixtureRequest) -> None:
    """The console's framework section, as printed: its heading, the counts (tested, of them Manual in CIS, to check
    by hand, not covered), each requirement that failed or errored with the accounts, the ids not covered, and the
    report that lists them all. Nothing else: passes and hand texts stay in the report."""
    run: AuditRun = request.getfixturevalue(fixture)
    data = FRAMEWORKS[framework]
    section = run.output[run.output.index(f"awsaudit: {framework} requirements"):].splitlines()[1:]
    # The section ends where pytest's counts begin, or at the run's last awsaudit line, which says what to open first.
    section = section[:next(i for i, line in enumerate(section) if line.startswith(("====", "Open first: ")))]
    tested = [r for r in data.requirements if mapped_to(framework, r.id)]
    noted = [r for r in tested if r.assessment == "manual"]
    by_hand = [r for r in data.requirements if r not in tested and r.by_hand]
    missing = [r.id for r in data.requirements if r not in tested and not r.by_hand]
    assert noted and by_hand, "the run shows neither a manual requirement automated nor one to check by hand"
    bad = []
    for requirement in tested:
        verdicts = {twin: expected_verdict(framework, requirement.id, twin) for twin in ("compliant", "noncompliant")}
        said = "; ".join(f"{v} on {', '.join(t for t, seen in verdicts.items() if seen == v)}"
                         for v in ("failed", "error") if v in verdicts.values())
        if said:
            bad.append(f"    {requirement.id} {requirement.title}: {said}")
    expected = [f"{framework}: {len(data.requirements)} requirements ({data.scope})",
                f"{len(tested)} tested by awsaudit controls ({len(noted)} of them Manual in CIS), {len(by_hand)} to "
                f"check by hand, {len(missing)} not covered"]
    expected += [f"Failed or could not be judged (error) on some account: {len(bad)}", *bad] if bad else []
    expected += [f"Not covered (no control, and nothing said to check by hand): {', '.join(missing)}"] if missing else []
    expected.append("Every requirement in order, with its controls and verdicts or what to check by hand: the "
                    f"framework section of {run.report} and of its summary page")
    assert section == expected
    assert bad, "the noncompliant twin failed no requirement: the listing is not shown"


def test_a_requirement_whose_control_was_not_selected_is_not_called_untested(tmp_path: Path) -> None:
    """ROOT-5 tests a CIS 5.0 requirement: when -k leaves ROOT-5 out, the row must still name it (not run), not claim
    that awsaudit has no control for it. (The whole catalog, on an edge twin of three regions: cheap to seed.)"""
    run = run_audit(tmp_path, "--offline", "--account", "virtual-mfa", "--framework", "CIS AWS 5.0", "-k", "ROOT-1")
    assert run.verdicts == {"test_root_has_no_active_access_keys[virtual-mfa]": "passed"}, run.output
    rows = {row[0]: row for row in framework_table(run)[1:]}
    (requirement,) = BY_ID["ROOT-5"].requirements_in(CIS_5) or []
    assert rows[requirement][3:] == [f"ROOT-5 {BY_ID['ROOT-5'].title}", "not run"]


# Appended to a copy of a page: the framework table as the browser drew it (each cell's text as a reader sees it) and
# whether it takes room on the page.
PROBE = """<script>
window.addEventListener('load', () => setTimeout(() => {
  const table = document.querySelector('table.awsaudit-framework');
  const seen = table ? {
    shown: table.getBoundingClientRect().height > 0 && getComputedStyle(table).display !== 'none',
    rows: [...table.rows].map(row => [row.classList.contains('awsaudit-section') ? 'section' : 'row',
                                      [...row.cells].map(cell => cell.innerText.trim())]),
    heading: document.getElementById('awsaudit-framework').innerText} : {shown: false};
  document.body.dataset.probe = JSON.stringify(seen);
}, 0));
</script>"""


def drawn_framework(page: Path, tmp_path: Path) -> dict[str, Any]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if browser is None:
        pytest.skip("headless Chromium is not installed (apt-get install chromium)")
    probed = tmp_path / f"probed-{page.name}"
    probed.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120)
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, f"the probe did not run: {done.stderr[-2000:]}"
    return cast(dict[str, Any], json.loads(unescape(found[1])))


@pytest.mark.parametrize("page", ["report", "summary page"])
def test_the_browser_draws_every_cis_7_requirement_with_its_controls_or_what_to_check_by_hand(
        cis7: AuditRun, page: str, tmp_path: Path) -> None:
    """The HTML report's framework section and the summary page's, opened in headless Chromium: every requirement in
    order under its section headings; its controls (with "automated by awsaudit, Manual in CIS" where CIS calls it
    manual) and their verdicts, or "manual: <what to check by hand>", or "not covered"."""
    path = cis7.report if page == "report" else cis7.report.with_name(f"{cis7.report.stem}-summary.html")
    seen = drawn_framework(path, tmp_path)
    assert seen["shown"], f"no framework table drawn on the {page}"
    data = FRAMEWORKS[CIS_7]
    assert seen["heading"] == f"{CIS_7}: {data.title}"
    table = [(kind, cells) for kind, cells in seen["rows"]]
    header, *rows = [cells for kind, cells in table if kind == "row"]
    assert header == ["Requirement", "Title", "Assessed", "Controls", "compliant", "noncompliant"]
    assert [row[0] for row in rows] == [r.id for r in data.requirements]
    for row, requirement in zip(rows, data.requirements):
        mapped = mapped_to(CIS_7, requirement.id)
        assert row[1:3] == [requirement.title, requirement.assessment], row
        assert row[3].splitlines() == controls_cell(CIS_7, requirement, mapped), row
        assert row[4:] == ([expected_verdict(CIS_7, requirement.id, t) for t in ("compliant", "noncompliant")]
                           if mapped else ["—", "—"]), row
    kinds = {row[3].splitlines()[-1].split(":")[0] for row in rows}
    assert {"automated by awsaudit, Manual in CIS", "manual"} <= kinds, "a kind of row never drawn"
    assert any(row[3].startswith("manual: ") for row in rows)
    assert_sections_head_their_requirements(data, table)


NEW_CONTROL = '''
from awsaudit import control
from awsaudit.frameworks import CIS_5


@control("NEW-1", severity="medium", frameworks={{CIS_5: "{requirement}"}}, remediation="none")
def test_new_requirement(account):
    """A control for a requirement no control tested before

    It fails on the account named failing only.
    """
    assert account.name != "failing", "the failing account fails it"
'''

# Two accounts that cost next to nothing to serve, the new control passing on one and failing on the other.
PASSING_AND_FAILING = {"passing.toml": lone("100000000001"), "failing.toml": lone("100000000002")}


def test_a_new_control_for_any_requirement_shows_in_the_view_without_an_engine_edit(tmp_path: Path) -> None:
    """A control file, in a copy of the project, for a requirement no control of checks/ tests but whose hand text
    says what to check (the last such): `--framework` runs it and the view shows it against that requirement instead
    of the hand text, with no change to frameworks.toml."""
    data = FRAMEWORKS[CIS_5]
    requirement = next(r for r in reversed(data.requirements) if not mapped_to(CIS_5, r.id) and r.by_hand)
    checks = {**ROOT_CHECKS, "test_new.py": NEW_CONTROL.format(requirement=requirement.id)}
    project = make_project(tmp_path, twins=PASSING_AND_FAILING, checks=checks)
    run = run_audit(tmp_path, "--offline", "--account", "passing,failing", "--framework", "CIS AWS 5.0",
                    cwd=project)
    assert run.returncode == 1, run.output
    assert {name: v for name, v in run.verdicts.items() if name.startswith("test_new_requirement")} == {
        "test_new_requirement[passing]": "passed", "test_new_requirement[failing]": "failed"}
    rows = {row[0]: row for row in framework_table(run)[1:]}
    new = Control("NEW-1", "A control for a requirement no control tested before", "medium", {}, "", "")
    assert rows[requirement.id] == [requirement.id, requirement.title, requirement.assessment,
                                    "\n".join(controls_cell(CIS_5, requirement, [new])), "passed", "failed"]
    assert [row[0] for row in framework_table(run)[1:]] == [r.id for r in data.requirements]
    assert f"    {requirement.id} {requirement.title}: failed on failing\n" in run.output
    tested = {r.id for r in data.requirements if mapped_to(CIS_5, r.id, controls_in(project / "checks"))}
    assert requirement.id in tested
    assert f"\n{len(tested)} tested by awsaudit controls (" in run.output


# -- usage errors and severity -----------------------------------------------------------------------------------------

def test_an_empty_framework_is_a_usage_error_not_every_control(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--framework", " ")
    assert run.returncode == 4, run.output
    assert "--framework was given no name; known: " in run.output


def test_an_unknown_framework_is_a_usage_error(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--framework", "nope")
    assert run.returncode == 4
    known = ", ".join(f'"{name}"' for name in FRAMEWORKS)
    assert f"ERROR: --framework: unknown framework 'nope'; known: {known}" in run.output
    assert "Traceback" not in run.output


def test_an_unknown_severity_is_a_usage_error(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--min-severity", "urgent")
    assert run.returncode == 4
    assert "ERROR: --min-severity 'urgent' is not one of critical, high, medium, low" in run.output
    assert "Traceback" not in run.output


def test_min_severity_critical_runs_only_critical_controls(tmp_path: Path) -> None:
    """Over the whole catalog, on an edge twin of three regions (cheap to seed)."""
    run = run_audit(tmp_path, "--offline", "--account", "virtual-mfa", "--min-severity", "critical")
    ran = {props["control_id"]: props["severity"] for props in run.properties.values()}
    critical = {meta.id for meta in CONTROLS if meta.severity == "critical"}
    assert critical and len(critical) < len(CONTROLS)
    assert ran == dict.fromkeys(critical, "critical"), run.output
