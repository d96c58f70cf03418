"""Helpers that run the audit the way a user does: `pytest` in the project root, in a subprocess."""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property
from html import unescape
from pathlib import Path

import pytest
from hypothesis import settings

from awsaudit.aws import MODULES
from awsaudit.frameworks import marker_lines

REPO = Path(__file__).resolve().parent.parent

# The property tests draw the same examples on every run: CI's verdict on a commit never depends on the draw.
settings.register_profile("suite", derandomize=True)
settings.load_profile("suite")


def pytest_configure(config: pytest.Config) -> None:
    """Tests import controls (the catalog): their markers must be known under --strict-markers here too; and the
    engine's sources are declared, as in a run."""
    for line in marker_lines():
        config.addinivalue_line("markers", line)
    for name in MODULES:
        importlib.import_module(name)


# The audits run once for the whole session (shared_run), by the fixture that names them.
SHARED_AUDITS = ("offline_audit", "main_twins_audit")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups off the items
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """For xdist's --dist loadgroup (pytest.ini): a module's tests run on one worker, so an audit its module-scoped
    fixture runs is run once; and the tests that read a shared audit run on one worker too, so no worker sits idle
    waiting for another to finish it."""
    for item in items:
        shared = next((name for name in SHARED_AUDITS if name in getattr(item, "fixturenames", ())), None)
        item.add_marker(pytest.mark.xdist_group(shared or item.nodeid.split("::")[0]))


@dataclass
class AuditRun:
    """A finished audit; its JUnit file is read once, when first asked."""

    returncode: int
    output: str
    report: Path
    junit: Path

    @cached_property
    def verdicts(self) -> dict[str, str]:
        """Test id (`test_root_has_mfa[compliant]`) -> passed, failed, error, waived or not applicable: awsaudit's
        `verdict` property, or what JUnit says where a test has none."""
        verdicts = {}
        for case in ET.parse(self.junit).iter("testcase"):
            kinds = {child.tag for child in case}
            said = {p.get("name"): p.get("value") for p in case.iter("property")}.get("verdict")
            verdicts[case.get("name")] = said or ("error" if "error" in kinds else "failed" if "failure" in kinds
                                                  else "not applicable" if "skipped" in kinds else "passed")
        return verdicts

    @cached_property
    def properties(self) -> dict[str, dict[str, str]]:
        """Test id -> its JUnit properties."""
        return {case.get("name"): {p.get("name"): p.get("value") for p in case.iter("property")}
                for case in ET.parse(self.junit).iter("testcase")}

    def messages(self, tag: str) -> dict[str, str]:
        """Test id -> the message of its `failure`, `error` or `skipped` element."""
        return {case.get("name"): child.get("message", "") + (child.text or "")
                for case in ET.parse(self.junit).iter("testcase") for child in case if child.tag == tag}


def report_data(report: Path) -> dict:
    """The JSON pytest-html renders the page from (the browser inserts its cells and extras as HTML)."""
    blob = re.search(r'data-jsonblob="([^"]*)"', report.read_text(encoding="utf-8"))
    assert blob, "no data blob in the report"
    return json.loads(unescape(blob[1]))


def details(report: Path) -> dict[str, str]:
    """Test id -> the evidence, rationale and remediation its row opens to."""
    return {test_id.split("::")[-1]: "".join(e["content"] for e in results[-1]["extras"] if e["format_type"] == "html")
            for test_id, results in report_data(report)["tests"].items()}


def run_audit(tmp_path: Path, *args: str, env: dict[str, str] | None = None, cwd: Path = REPO) -> AuditRun:
    """`pytest ARGS` in the project root, its HTML and JUnit reports written under tmp_path."""
    report, junit = tmp_path / "report.html", tmp_path / "junit.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--html={report}",
               f"--junitxml={junit}", *args]
    # No AWS_* setting of the caller reaches the audit, and it may contact no address but 127.0.0.1: no instance
    # metadata service, no proxy.
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("AWS_")}
    isolated = {**clean, "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "127.0.0.1,localhost",
                "no_proxy": "127.0.0.1,localhost"}
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**isolated, **(env or {})})
    return AuditRun(done.returncode, done.stdout + done.stderr, report, junit)


# The controls the engine's own tests run: the root controls, whatever other controls a user has added to checks/.
def check_files(pattern: str = "*.py") -> dict[str, str]:
    """The project's control files matching `pattern` (a glob in checks/), as make_project takes them: name -> text."""
    return {path.name: path.read_text(encoding="utf-8") for path in sorted((REPO / "checks").glob(pattern))}


ROOT_CHECKS = check_files("test_root.py")


def make_project(root: Path, twins: dict[str, str] | None = None, checks: dict[str, str] | None = None) -> Path:
    """A copy of the project's conftest.py and pytest.ini under `root`, with the given twins (None: the project's
    own) and control files (None: the root controls), each given as name -> text."""
    project = root / "project"
    checks = ROOT_CHECKS if checks is None else checks
    for folder, files in (("fixtures", twins), ("checks", checks)):
        if files is None:
            shutil.copytree(REPO / folder, project / folder)
            continue
        (project / folder).mkdir(parents=True)
        for name, text in files.items():
            (project / folder / name).write_text(text, encoding="utf-8")
    for name in ("conftest.py", "pytest.ini", "waivers.toml"):
        shutil.copy(REPO / name, project / name)
    return project


def lone(account_id: str = "100000000001") -> str:
    """A twin that costs next to nothing to serve (one region, no seeded resources), in account `account_id`: for
    tests of the engine and its outputs, where the project's main twins (17 regions, every service) would only add
    seconds. The root controls pass on it; alice has a password and no MFA."""
    return f"""account_id = "{account_id}"
enabled_regions = ["us-east-1"]

[root]
password = true
password_last_used = "120 days ago"
mfa = "hardware"

[[users]]
name = "alice"
password = true
mfa = false
"""


LONE = {"lone.toml": lone()}


def twin_text(name: str) -> str:
    return (REPO / "fixtures" / f"{name}.toml").read_text(encoding="utf-8")


def without_resources(name: str) -> str:
    """A project twin with its account, root user, IAM users and organization but none of its seeded regional
    resources, in one region: the root and IAM controls judge it as they judge the twin, for a fraction of the cost."""
    text = twin_text(name)
    kept = re.sub(r"(?ms)^\[\[seed\]\].*?(?=^\[expect\]|\Z)", "", text)
    assert kept != text, f"{name} has no seeded resources to leave out"
    return 'enabled_regions = ["us-east-1"]\n' + kept


def shared_run(factory: pytest.TempPathFactory, name: str, *args: str,
               files: dict[str, str] | None = None) -> AuditRun:
    """`pytest ARGS` in the project root, run once for the whole test session: under xdist the first worker to need it
    runs it and the others wait and read what it wrote. `files` are written to its folder first (a waivers file);
    `{folder}` in an argument is that folder, one per attempt (one that failed leaves its files behind)."""
    base = factory.getbasetemp()
    # Under xdist each worker's folder is in the session's; without it, the session's folder is the base itself.
    shared = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / name
    shared.mkdir(exist_ok=True)
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = shared / "run.json"
        if not done.exists():
            folder = Path(tempfile.mkdtemp(dir=shared))
            for file, text in (files or {}).items():
                (folder / file).write_text(text, encoding="utf-8")
            run = run_audit(folder, *(arg.replace("{folder}", str(folder)) for arg in args))
            done.write_text(json.dumps({"returncode": run.returncode, "output": run.output, "report": str(run.report),
                                        "junit": str(run.junit)}), encoding="utf-8")
        kept = json.loads(done.read_text(encoding="utf-8"))
    return AuditRun(kept["returncode"], kept["output"], Path(kept["report"]), Path(kept["junit"]))


@pytest.fixture(scope="session")
def offline_audit(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """The README's main job, `pytest --offline`, run once for every test that reads its results."""
    return shared_run(tmp_path_factory, "offline-audit", "--offline")


MAIN_TWINS_WAIVER = """[[waiver]]
control = "IAM-8"
account = "noncompliant"
justification = "CI user until the OIDC role replaces it"
expires = 2099-12-31
"""


@pytest.fixture(scope="session")
def main_twins_audit(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """The two main twins (every control passes on one and fails on the other, over global and regional resources;
    one in an organization) audited once on two xdist workers, with a waiver, writing every file output: results.jsonl,
    findings.ocsf.jsonl and findings.asff.jsonl beside the report. The tests of those outputs share it."""
    return shared_run(tmp_path_factory, "main-twins-audit", "--offline", "--account", "compliant,noncompliant",
                      "--results={folder}/results.jsonl", "--ocsf={folder}/findings.ocsf.jsonl",
                      "--asff={folder}/findings.asff.jsonl", "-o", "waivers={folder}/waivers.toml", "-n", "2",
                      files={"waivers.toml": MAIN_TWINS_WAIVER})
