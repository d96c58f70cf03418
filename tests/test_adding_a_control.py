"""The README's worked example, run as written: a new control is one file plus twin data, no engine edits."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import REPO, make_project, run_audit, twin_text


def readme_examples() -> dict[str, str]:
    """The code blocks the README marks with `<!-- example: PATH ... -->`, by path."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- example: (\S+)[^>]*-->\n```\w+\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def test_the_readme_example_control_passes_and_fails_on_its_twins(tmp_path: Path) -> None:
    examples = readme_examples()
    project = make_project(tmp_path, twins={
        "compliant.toml": twin_text("compliant") + 'IAM-1 = "passed"\n\n' + examples["fixtures/compliant.toml"],
        "noncompliant.toml": twin_text("noncompliant") + 'IAM-1 = "failed"\n',
    }, checks={"test_password_policy.py": examples["checks/test_password_policy.py"]})

    run = run_audit(tmp_path, "--offline", "--account", "compliant,noncompliant", cwd=project)

    assert run.verdicts == {
        "test_password_policy_requires_14_characters[compliant]": "passed",
        "test_password_policy_requires_14_characters[noncompliant]": "failed",
    }, run.output
    assert "minimum password length is not set" in run.messages("failure")[
        "test_password_policy_requires_14_characters[noncompliant]"]
