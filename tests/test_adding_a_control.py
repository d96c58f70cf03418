"""The README's worked example, run as written: a new regional control is one file plus twin data, no engine edits."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from awsaudit import offline, twins
from conftest import REPO, check_files, make_project, run_audit, twin_text, without_resources
from emulated import isolated_moto_server


def readme_examples() -> dict[str, str]:
    """The code blocks the README marks with `<!-- example: PATH (WHERE) -->`, by `PATH (WHERE)`."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- example: ([^>]*?) -->\n```\w+\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def with_example_control(project: Path) -> Path:
    (project / "checks" / "test_guardduty_enabled.py").write_text(
        readme_examples()["checks/test_guardduty_enabled.py"], encoding="utf-8")
    return project


def with_example(project: Path) -> Path:
    """The README's example applied to a copy of the project exactly as the README says, and nothing else."""
    examples = readme_examples()
    with_example_control(project)
    for twin, verdict_block in (("compliant", "fixtures/compliant.toml (end of [expect])"),
                                ("noncompliant", "fixtures/noncompliant.toml (end of [expect])")):
        path = project / "fixtures" / f"{twin}.toml"
        text = path.read_text(encoding="utf-8")
        if twin == "compliant":
            text = text.replace("\n[expect]\n", f"\n{examples['fixtures/compliant.toml (above [expect])']}\n[expect]\n")
        path.write_text(text + examples[verdict_block], encoding="utf-8")
    return project


def declared(project: Path, twin: str) -> dict[str, str]:
    return tomllib.loads((project / "fixtures" / f"{twin}.toml").read_text(encoding="utf-8"))["expect"]


MAIN_TWINS = ("compliant", "noncompliant")


def test_the_readme_example_gives_its_verdicts_on_a_copy_of_the_project(tmp_path: Path) -> None:
    """Every check of the project and its two main twins, plus the example: the twins still declare every verdict they
    declared, GUARDDUTY-1's besides, and give GUARDDUTY-1's. (The other controls' verdicts on the main twins are what
    the offline audit's tests check; GUARDDUTY-1's seed touches no state they read.)"""
    checks = check_files()
    twins = {f"{twin}.toml": twin_text(twin) for twin in MAIN_TWINS}
    project = with_example(make_project(tmp_path, twins=twins, checks=checks))
    before = {twin: tomllib.loads(twin_text(twin))["expect"] for twin in MAIN_TWINS}
    assert {twin: declared(project, twin) for twin in MAIN_TWINS} == {
        "compliant": {**before["compliant"], "GUARDDUTY-1": "passed"},
        "noncompliant": {**before["noncompliant"], "GUARDDUTY-1": "failed"}}

    run = run_audit(tmp_path, "--offline", "--account", "compliant,noncompliant", "--control", "GUARDDUTY-1",
                    cwd=project)

    got: dict[str, dict[str, str]] = {}
    for test_id, verdict in run.verdicts.items():
        props = run.properties[test_id]
        got.setdefault(props["account"], {})[props["control_id"]] = verdict
    assert got == {twin: {"GUARDDUTY-1": declared(project, twin)["GUARDDUTY-1"]} for twin in MAIN_TWINS}, run.output
    assert got["compliant"]["GUARDDUTY-1"] == "passed" and got["noncompliant"]["GUARDDUTY-1"] == "failed"
    assert "17 of 17 regions fail: no enabled detector: " in run.messages("failure")[
        "test_guardduty_enabled[noncompliant]"]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A moto server on 127.0.0.1 for this module, no AWS_* variable of the caller in the way; nothing else is
    contacted."""
    with isolated_moto_server() as (url, _):
        yield url


ALL_BUT_ONE = [region for region in twins.REGIONS if region != "eu-north-1"]


def test_over_a_moto_server_one_region_without_guardduty_fails_naming_it(server: str, tmp_path: Path) -> None:
    project = with_example_control(make_project(tmp_path, twins={}, checks={}))
    twin_file = tmp_path / "one-region-off.toml"
    twin_file.write_text(f'account_id = "313131313131"\n[root]\npassword = true\nmfa = "hardware"\n'
                         f'[[seed]]\ncall = "guardduty.create_detector"\nparams = {{ Enable = true }}\n'
                         f'regions = {ALL_BUT_ONE!r}\n'
                         .replace("'", '"'), encoding="utf-8")
    twin = twins.load(twin_file, datetime.now(timezone.utc))
    with offline.emulate([twin], endpoint_url=server):
        config = offline.write_config([twin], tmp_path / "config", endpoint_url=server)
        run = run_audit(tmp_path, "--account", "one-region-off", "--control", "GUARDDUTY-1", cwd=project, env={
            "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
            "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    assert run.verdicts == {"test_guardduty_enabled[one-region-off]": "failed"}, run.output
    assert run.messages("failure")["test_guardduty_enabled[one-region-off]"].startswith(
        "1 of 17 regions fail: eu-north-1 (no enabled detector)"), run.output


def test_the_readme_waiver_waives_what_it_says(tmp_path: Path) -> None:
    """The README's waiver, as written, turns IAM-8's failure on the noncompliant twin into a waived result. (The twin's
    IAM users are what IAM-8 and IAM-6 judge; its seeded resources are left out.)"""
    project = make_project(tmp_path, twins={"noncompliant.toml": without_resources("noncompliant")},
                           checks=check_files("test_iam_*.py"))
    (project / "waivers.toml").write_text(readme_examples()["waivers.toml"], encoding="utf-8")

    run = run_audit(tmp_path, "--offline", "--account", "noncompliant", "-k", "IAM-8 or IAM-6", cwd=project)

    assert run.verdicts == {"test_users_get_permissions_only_through_groups[noncompliant]": "waived",
                            "test_at_most_one_active_access_key[noncompliant]": "failed"}, run.output
    assert "Break-glass administrator" in run.properties[
        "test_users_get_permissions_only_through_groups[noncompliant]"]["waiver"]
