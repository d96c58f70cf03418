"""Picking controls by exact id (`--control`) and by marker (`-m`): every name is checked against the controls of
checks/ before collection, so a mistyped one is a usage error naming the close ones, never an empty run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from awsaudit import catalog
from awsaudit.selection import Selection, marker_names
from conftest import REPO, ROOT_CHECKS, run_audit

CONTROLS = catalog.read(REPO / "checks")


class Options:
    """The options Selection reads, as pytest's config gives them."""

    def __init__(self, **given: Any) -> None:
        self.given = {"control": [], **given}

    def getoption(self, name: str) -> Any:
        return self.given.get(name)


def selection(known: catalog.Catalog = CONTROLS, markexpr: str = "", **given: Any) -> Selection:
    """The selection the options make, checked against the controls `known`, as the plugin does."""
    chosen = Selection.of(Options(**given))  # type: ignore[arg-type]
    chosen.check(known, markexpr)
    return chosen


@pytest.mark.parametrize(("expression", "names"), [
    ("critical", ["critical"]),
    ("cis_aws_5 and not critical", ["cis_aws_5", "critical"]),
    ("not (hipaa or pci_dss)and(low)", ["hipaa", "pci_dss", "low"]),
    # pytest 8.3's keyword arguments: neither their keys nor their values are marker names.
    ("control(id='IAM-1', level=2) or high(x=\"a) b\")", ["control", "high"]),
    ("", []),
])
def test_marker_names_are_the_names_an_expression_tests(expression: str, names: list[str]) -> None:
    assert marker_names(expression) == names


@pytest.mark.parametrize(("expression", "message"), [
    ("critcal", "-m 'critcal': no control has the marker 'critcal'; did you mean critical?"),
    ("cis_aws_5 and not Critical", "no control has the marker 'Critical'; did you mean critical?"),
    ("xyz", "no control has the marker 'xyz'; known: apra, cis_aws_3, cis_aws_5, cis_aws_6, cis_aws_7, control, critical, high"),
])
def test_a_marker_no_control_has_is_a_usage_error(expression: str, message: str) -> None:
    with pytest.raises(pytest.UsageError) as raised:
        selection(markexpr=expression)
    assert message in str(raised.value)


def test_control_ids_match_exactly_in_any_case_each_once() -> None:
    assert selection(control=["iam-1,ROOT-5", " IAM-1 "]).controls == ("IAM-1", "ROOT-5")


@pytest.mark.parametrize(("given", "message"), [
    (["IAM-99"], "--control IAM-99: no control has this id; did you mean IAM-9?"),
    (["IAM-1,nope"], "--control NOPE: no control has this id; known: CLOUDTRAIL-1, CLOUDTRAIL-2"),
    ([","], "--control was given no id; give control ids such as IAM-1"),
])
def test_an_unknown_control_id_is_a_usage_error(given: list[str], message: str) -> None:
    with pytest.raises(pytest.UsageError) as raised:
        selection(control=given)
    assert str(raised.value).startswith(message)


def test_names_are_not_refused_while_a_control_file_cannot_be_read(tmp_path: Path) -> None:
    """The names may be defined in the file that failed to import; collection reports it and the run stops."""
    (tmp_path / "test_root.py").write_text(ROOT_CHECKS["test_root.py"], encoding="utf-8")
    (tmp_path / "test_broken.py").write_text("import no_such_module\n", encoding="utf-8")
    known = catalog.read(tmp_path)
    assert known.ids == ["ROOT-1", "ROOT-2", "ROOT-3", "ROOT-4", "ROOT-5", "ROOT-6"]
    assert known.unreadable == ("test_broken.py",)
    assert selection(known, control=["NEW-1"], markexpr="new_marker").controls == ("NEW-1",)


def test_control_runs_exactly_the_controls_named(tmp_path: Path) -> None:
    """`-k IAM-1` would also run IAM-10 to IAM-15: pytest matches substrings."""
    run = run_audit(tmp_path, "--offline", "--account", "root-used-by-key", "--control", "iam-1", "--control", "ROOT-6")
    assert run.verdicts == {"test_password_policy_minimum_length[root-used-by-key]": "failed",
                            "test_root_mfa_is_hardware[root-used-by-key]": "passed"}, run.output
