"""Frameworks as an auditor asks for them: `--framework NAME` runs that framework's controls and shows all of its
requirements in order, tested or not; `--min-severity` keeps the serious ones; a wrong name is a usage error."""

from __future__ import annotations

import re
import tomllib
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from awsaudit.catalog import controls_in
from awsaudit.controls import Control
from awsaudit.frameworks import CIS_3, CIS_5, FRAMEWORKS, SEVERITIES, refs, resolve
from awsaudit.selection import Selection
from conftest import REPO, AuditRun, run_audit, twin_text

CONTROLS = controls_in(REPO / "checks")
BY_ID = {meta.id: meta for meta in CONTROLS}
# A requirement's verdict on an account is the worst of its controls' verdicts there.
WORST_FIRST = ("failed", "error", "waived", "passed", "not applicable")


# -- names and references ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["CIS AWS 5.0", "cis_aws_5", "cis-aws-5.0.0", "CIS aws 5"])
def test_a_framework_is_found_by_name_or_marker_in_any_spelling(name: str) -> None:
    assert resolve(name) is FRAMEWORKS[CIS_5]


def test_cis_3_and_cis_5_are_told_apart() -> None:
    assert resolve("cis-aws-3.0.0") is FRAMEWORKS[CIS_3]
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


@pytest.mark.parametrize("framework", [CIS_3, CIS_5])
def test_every_cis_reference_names_a_requirement_of_the_benchmark(framework: str) -> None:
    """A mistyped requirement id would put the control in no row of the framework table."""
    known = {requirement.id for requirement in FRAMEWORKS[framework].requirements}
    mapped = {meta.id: refs(meta.frameworks[framework]) for meta in CONTROLS if framework in meta.frameworks}
    assert mapped, f"no control maps to {framework}"
    assert {cid: ids for cid, ids in mapped.items() if not ids or not set(ids) <= known} == {}


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


# -- a --framework run -------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def cis5(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    tmp = tmp_path_factory.mktemp("cis5")
    return run_audit(tmp, "--offline", "--account", "compliant,noncompliant", "--framework", "CIS AWS 5.0")


def framework_table(run: AuditRun) -> list[list[str]]:
    """The framework table's rows, header first, each as its cells' text."""
    page = run.report.read_text(encoding="utf-8")
    table = re.search(r'<table class="awsaudit-framework">(.*?)</table>', page, re.S)
    assert table, "no framework table in the report"
    return [[unescape(re.sub(r"<br>", "\n", cell)) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", table[1], re.S)]


def declared(twin: str) -> dict[str, str]:
    return tomllib.loads(twin_text(twin))["expect"]


def test_only_controls_mapped_to_the_framework_run(cis5: AuditRun) -> None:
    ran = {props["control_id"] for props in cis5.properties.values()}
    assert ran == {meta.id for meta in CONTROLS if CIS_5 in meta.frameworks}
    assert not ran & {"ROOT-3", "ROOT-4", "ROOT-7", "IAM-15"}
    assert {props["account"] for props in cis5.properties.values()} == {"compliant", "noncompliant"}
    left_out = [meta for meta in CONTROLS if CIS_5 not in meta.frameworks]
    assert f"{2 * len(left_out)} deselected" in cis5.output


def test_the_report_lists_every_requirement_in_order_tested_or_not(cis5: AuditRun) -> None:
    header, *rows = framework_table(cis5)
    assert header == ["Requirement", "Title", "Assessed", "Controls", "compliant", "noncompliant"]
    requirements = FRAMEWORKS[CIS_5].requirements
    assert [row[0] for row in rows] == [f"1.{n}" for n in range(1, 22)] == [r.id for r in requirements]
    for row, requirement in zip(rows, requirements):
        mapped = [meta for meta in CONTROLS if requirement.id in refs(meta.frameworks.get(CIS_5, ""))]
        assert row[1:3] == [requirement.title, requirement.assessment]
        if not mapped:
            untested = "manual: not tested" if requirement.assessment == "manual" else "no awsaudit control yet"
            assert row[3:] == [untested, "—", "—"], row
            continue
        assert row[3].splitlines() == [f"{meta.id} {meta.title}" for meta in mapped]
        expected = [next(v for v in WORST_FIRST if v in {declared(twin)[meta.id] for meta in mapped})
                    for twin in ("compliant", "noncompliant")]
        assert row[4:] == expected, row


def test_manual_requirements_without_a_control_are_marked_as_such(cis5: AuditRun) -> None:
    rows = {row[0]: row for row in framework_table(cis5)[1:]}
    assert rows["1.1"][3] == "manual: not tested"
    assert rows["1.20"][3] == "manual: not tested"
    assert rows["1.17"][3] == "no awsaudit control yet"  # automated in CIS, no awsaudit control for it yet


def test_the_console_says_how_many_requirements_were_tested(cis5: AuditRun) -> None:
    tested = {ref for meta in CONTROLS for ref in refs(meta.frameworks.get(CIS_5, ""))}
    assert len(tested) == 18
    assert f"CIS AWS 5.0: {len(tested)} of 21 requirements tested (Section 1, Identity and Access Management)" in (
        cis5.output)
    assert "    1.3 No access key exists for the root user: failed on noncompliant\n" in cis5.output


def test_a_requirement_whose_control_was_not_selected_is_not_called_untested(tmp_path: Path) -> None:
    """CIS 5.0 1.4 is tested by ROOT-5: when -k leaves ROOT-5 out, the row must still name it (not run), not claim
    that awsaudit has no control for it."""
    run = run_audit(tmp_path, "--offline", "--account", "compliant", "--framework", "CIS AWS 5.0", "-k", "ROOT-1")
    assert run.verdicts == {"test_root_has_no_active_access_keys[compliant]": "passed"}, run.output
    rows = {row[0]: row for row in framework_table(run)[1:]}
    assert rows["1.4"][3:] == [f"ROOT-5 {BY_ID['ROOT-5'].title}", "not run"]


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
    run = run_audit(tmp_path, "--offline", "--account", "compliant", "--min-severity", "critical")
    ran = {props["control_id"]: props["severity"] for props in run.properties.values()}
    critical = {meta.id for meta in CONTROLS if meta.severity == "critical"}
    assert critical and len(critical) < len(CONTROLS)
    assert ran == dict.fromkeys(critical, "critical"), run.output


def test_a_requirement_passes_only_when_all_its_controls_ran() -> None:
    from awsaudit import framework_view
    from awsaudit.controls import Control

    ran, left_out = (Control(cid, cid, "low", {CIS_5: "1.9"}, "", "") for cid in ("A-1", "A-2"))
    nine = next(r for r in framework_view.rows(FRAMEWORKS[CIS_5], [ran, left_out], ["prod", "dev"],
                                               {("A-1", "prod"): ["passed"], ("A-1", "dev"): ["failed"]})
                if r.requirement.id == "1.9")
    assert nine.verdicts == {"prod": "not all run", "dev": "failed"}
