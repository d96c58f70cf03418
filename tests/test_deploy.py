"""deploy/: each manifest runs the shard and merge commands the README documents, with as many shards as it starts.
(Parsed only: no cluster, registry or AWS is contacted.)"""

from __future__ import annotations

import json
import re
import shlex

import pytest
import yaml

from conftest import REPO

DEPLOY = REPO / "deploy"
PROGRAMS = ("pytest", "python -m awsaudit.merge", "python -m awsaudit.resolve")


def commands(script: str) -> list[str]:
    """The awsaudit commands of a shell script: its parts between &&, ||, ; and line ends that start with one."""
    parts = re.split(r"&&|\|\||;|\n", " ".join(script.split("\n")) if "\\\n" not in script else script)
    return [" ".join(part.split()) for part in parts if part.strip().startswith(PROGRAMS)]


def shape(command: str) -> tuple[str, set[str]]:
    """(program, the options it gives)."""
    program = next(p for p in sorted(PROGRAMS, key=len, reverse=True) if command.startswith(p))
    words = shlex.split(command[len(program):].replace("$", "_"))
    return program, {word.split("=")[0] for word in words if word.startswith("--")}


def documented() -> dict[str, set[str]]:
    """The options the README's "Auditing an organization" gives each program."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Auditing an organization", 1)[1].split("\n## ", 1)[0]
    found: dict[str, set[str]] = {}
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.splitlines():
            for command in commands(line.split(" #")[0]):
                program, options = shape(command)
                found.setdefault(program, set()).update(options)
    return found


def kubernetes() -> list[str]:
    found = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc["kind"] == "Job":
                for container in doc["spec"]["template"]["spec"]["containers"]:
                    found += commands(" ".join(container.get("command", [])[2:] + container.get("args", [])))
    return found


def aws_batch() -> list[str]:
    found = []
    for path in sorted((DEPLOY / "aws-batch").glob("*-job-definition.json")):
        found += commands(json.loads(path.read_text(encoding="utf-8"))["containerProperties"]["command"][2])
    return found


def github_actions() -> list[str]:
    workflow = yaml.safe_load((DEPLOY / "github-actions" / "audit.yml").read_text(encoding="utf-8"))
    return [command for job in workflow["jobs"].values() for step in job["steps"] if "run" in step
            for command in commands(step["run"])]


@pytest.mark.parametrize("where", [kubernetes, aws_batch, github_actions])
def test_each_manifest_runs_the_documented_commands(where) -> None:
    readme = documented()
    assert readme["pytest"] >= {"--accounts-file", "--shard", "--run-id", "--results"}, readme
    found = [shape(command) for command in where()]
    programs = [program for program, _ in found]
    assert programs.count("pytest") == 1 and programs.count("python -m awsaudit.merge") == 1, found
    for program, options in found:
        assert options <= readme[program], (program, options - readme[program])
    shard = dict(found)["pytest"]
    assert shard >= {"--accounts-file", "--shard", "--results"}
    assert dict(found)["python -m awsaudit.merge"] >= {"--html", "--junitxml", "--ocsf"}


def shards_of(found: list[str]) -> int:
    """N of the shard command's --shard I/N."""
    command = next(command for command in found if command.startswith("pytest"))
    return int(re.search(r"--shard=(?:auto|\$\{\{ matrix\.shard \}\})/(\d+)", command)[1])


def test_each_manifest_starts_as_many_shards_as_it_names() -> None:
    job = yaml.safe_load((DEPLOY / "kubernetes" / "shards-job.yaml").read_text(encoding="utf-8"))
    assert job["spec"]["completionMode"] == "Indexed"
    assert job["spec"]["completions"] == shards_of(kubernetes())
    submitted = json.loads((DEPLOY / "aws-batch" / "submit-shards.json").read_text(encoding="utf-8"))
    assert submitted["arrayProperties"]["size"] == shards_of(aws_batch())
    merge = json.loads((DEPLOY / "aws-batch" / "submit-merge.json").read_text(encoding="utf-8"))
    assert merge["dependsOn"] and merge["parameters"]["run"] == merge["dependsOn"][0]["jobId"]
    workflow = yaml.safe_load((DEPLOY / "github-actions" / "audit.yml").read_text(encoding="utf-8"))
    matrix = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    assert matrix == list(range(1, shards_of(github_actions()) + 1))
    assert workflow["jobs"]["merge"]["needs"] == "shard"


def test_the_image_installs_the_project_on_python_3_11_slim() -> None:
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert "pip install --no-cache-dir ." in text
    for needed in ("pytest.ini", "conftest.py", "waivers.toml", "checks/"):
        assert needed in text
