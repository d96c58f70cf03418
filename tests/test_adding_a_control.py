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
    }, checks={"test_password_policy.py": examples["checks/test_password_policy.py"]})

    run = run_audit(tmp_path, "--offline", "--account", "compliant,noncompliant", cwd=project)

    assert run.verdicts == {
        "test_password_policy_requires_14_characters[compliant]": "passed",
        "test_password_policy_requires_14_characters[noncompliant]": "failed",
    }, run.output
    assert "minimum password length is not set" in run.messages("failure")[
        "test_password_policy_requires_14_characters[noncompliant]"]
