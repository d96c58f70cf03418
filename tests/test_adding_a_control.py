"""The README's worked example, run as written: a new control is one file plus twin data, no engine edits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from conftest import REPO, run_audit


def readme_examples() -> dict[str, str]:
    """The code blocks the README marks with `<!-- example: PATH ... -->`, by path."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"<!-- example: (\S+)[^>]*-->\n```\w+\n(.*?)```", text, flags=re.S)
    return dict(blocks)


def test_the_readme_example_control_passes_and_fails_on_its_twins(tmp_path: Path) -> None:
    examples = readme_examples()
    project = tmp_path / "project"
    (project / "checks").mkdir(parents=True)
    for name in ("conftest.py", "pytest.ini"):
        shutil.copy(REPO / name, project / name)
    shutil.copytree(REPO / "fixtures", project / "fixtures")
    (project / "checks" / "test_password_policy.py").write_text(examples["checks/test_password_policy.py"])
    compliant = project / "fixtures" / "compliant.toml"
    compliant.write_text(compliant.read_text() + 'IAM-1 = "passed"\n\n' + examples["fixtures/compliant.toml"])
    noncompliant = project / "fixtures" / "noncompliant.toml"
    noncompliant.write_text(noncompliant.read_text() + 'IAM-1 = "failed"\n')

    run = run_audit(tmp_path, "--offline", "--account", "compliant,noncompliant", cwd=project)

    assert run.verdicts == {
        "test_password_policy_requires_14_characters[compliant]": "passed",
        "test_password_policy_requires_14_characters[noncompliant]": "failed",
    }, run.output
    assert "minimum password length is not set" in run.messages("failure")[
        "test_password_policy_requires_14_characters[noncompliant]"]
