"""The README's worked example, run as written: a new control is one file plus twin data, no engine edits."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, make_project, run_audit


def readme_examples() -> dict[str, str]:
    """The code blocks the README marks with `<!-- example: PATH ... -->`, by path."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- example: (\S+)[^>]*-->\n```\w+\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def test_the_readme_example_control_passes_and_fails_on_its_twins(tmp_path: Path) -> None:
    examples = readme_examples()
    root = '[root]\npassword = true\nmfa = "hardware"\n'
    project = make_project(tmp_path, twins={
        "compliant.toml": f'account_id = "111111111111"\n{root}\n{examples["fixtures/compliant.toml"]}',
        "noncompliant.toml": f'account_id = "222222222222"\n{root}',
    }, checks={"test_ebs_encryption.py": examples["checks/test_ebs_encryption.py"]})

    run = run_audit(tmp_path, "--offline", "--account", "compliant,noncompliant", cwd=project)

    assert run.verdicts == {
        "test_ebs_encryption_by_default[compliant]": "passed",
        "test_ebs_encryption_by_default[noncompliant]": "failed",
    }, run.output
    assert "new volumes are created unencrypted" in run.messages("failure")[
        "test_ebs_encryption_by_default[noncompliant]"]


def test_the_readme_waiver_waives_what_it_says(tmp_path: Path) -> None:
    """The README's waiver, as written, turns IAM-8's failure on the noncompliant twin into a waived result."""
    checks = {path.name: path.read_text(encoding="utf-8") for path in (REPO / "checks").glob("test_iam_*.py")}
    project = make_project(tmp_path, checks=checks)
    (project / "waivers.toml").write_text(readme_examples()["waivers.toml"], encoding="utf-8")

    run = run_audit(tmp_path, "--offline", "--account", "noncompliant", "-k", "IAM-8 or IAM-6", cwd=project)

    assert run.verdicts == {"test_users_get_permissions_only_through_groups[noncompliant]": "waived",
                            "test_at_most_one_active_access_key[noncompliant]": "failed"}, run.output
    assert "Break-glass administrator" in run.properties[
        "test_users_get_permissions_only_through_groups[noncompliant]"]["waiver"]
