"""Regional sources: read in every region enabled for the account, offered for the service and kept by the `regions`
setting; a region that fails is an ERROR naming it, never a region silently left out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit.accounts import Account, Identity
from awsaudit.errors import SourceError
from awsaudit.sources import SOURCES, Source
from conftest import check_files, details, make_project, run_audit

ENABLED = ["ap-south-1", "eu-west-1", "eu-west-3", "us-east-1"]


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> Account:
    """An account whose enabled regions are ENABLED, in the commercial partition; it reaches no AWS."""
    audited = Account("prod", None)
    monkeypatch.setattr(Account, "identity", property(lambda self: Identity("111111111111",
                                                                            "arn:aws:iam::111111111111:user/a", None)))
    real_read = audited.read
    monkeypatch.setattr(audited, "read", lambda source: ENABLED if source.name == "enabled_regions"
                        else real_read(source))
    return audited


def test_regions_are_the_enabled_ones_the_service_is_offered_in(account: Account) -> None:
    assert account.regions("accessanalyzer") == ENABLED


def test_the_regions_setting_keeps_only_the_regions_its_globs_match(account: Account) -> None:
    account.region_globs = ("eu-*", "us-east-1")
    assert account.regions("accessanalyzer") == ["eu-west-1", "eu-west-3", "us-east-1"]


def test_no_region_left_to_read_is_an_error_not_a_pass(account: Account) -> None:
    account.region_globs = ("me-*",)
    with pytest.raises(SourceError, match="prod: no region to read accessanalyzer in: enabled ap-south-1, eu-west-1, "
                                          "eu-west-3, us-east-1; .* the regions setting keeps me-\\*"):
        account.regions("accessanalyzer")


def test_a_region_that_fails_fails_the_read_naming_each_region(account: Account,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def loader(client: Any) -> str:
        region = client.meta.region_name
        calls.append(region)
        if region in ("eu-west-1", "us-east-1"):
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "ListAnalyzers")
        return f"read in {region}"

    probe = Source("probe", "probe source", "accessanalyzer", True, ("access-analyzer:ListAnalyzers",), loader, (),
                   None, "here")
    monkeypatch.setitem(SOURCES, "probe", probe)
    for _ in range(2):  # the second read answers from what the first remembered
        with pytest.raises(SourceError) as caught:
            account.read(probe)
        assert str(caught.value) == (
            "prod: probe source: could not be read in 2 of 4 regions: "
            "eu-west-1: access-analyzer:ListAnalyzers was denied (AccessDeniedException): grant "
            "access-analyzer:ListAnalyzers to the identity that runs the audit; "
            "us-east-1: access-analyzer:ListAnalyzers was denied (AccessDeniedException): grant "
            "access-analyzer:ListAnalyzers to the identity that runs the audit")
    assert sorted(calls) == ENABLED  # each region read once


# Analyzers only in the regions `regions=eu-* us-west-2` keeps: IAM-12 passes only if the two others go unread.
REGIONAL = {"regional.toml": """account_id = "100000000002"
enabled_regions = ["us-east-1", "us-west-2", "eu-west-1", "eu-west-3", "eu-north-1", "ap-south-1"]
access_analyzer_regions = ["us-west-2", "eu-west-1", "eu-west-3", "eu-north-1"]

[root]
password = true
mfa = "hardware"
"""}


def test_an_audit_reads_only_the_regions_the_setting_keeps(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins=REGIONAL, checks=check_files("test_iam_access_analyzer.py"))
    run = run_audit(tmp_path, "--offline", "--control", "IAM-12", "-o", "regions=eu-* us-west-2", cwd=project)
    assert run.verdicts == {"test_access_analyzer_in_every_region[regional]": "passed"}, run.output
    opened = details(run.report)["test_access_analyzer_in_every_region[regional]"]
    assert ("<tr><th>access analyzers: regions read</th><td>eu-north-1<br>eu-west-1<br>eu-west-3<br>us-west-2</td></tr>"
            in opened)


CIRCLE = '''
from awsaudit import control, source


@source("iam", actions=["iam:GetAccountSummary"])
def first(iam, second):
    """Takes the second."""
    return second


@source("iam", actions=["iam:GetAccountSummary"])
def second(iam, first):
    """Takes the first."""
    return first


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_reads_the_circle(first):
    """Reads sources that build on each other

    They would wait for each other for ever.
    """
'''


@pytest.mark.parametrize(("text", "message"), [
    (CIRCLE, "sources build on each other in a circle: first -> second -> first"),
    (CIRCLE.replace("def second(iam, first):", "def second(iam, nosuch):"),
     "source second (.*) takes 'nosuch', which is no declared source \\(nor settings or identity\\)"),
])
def test_sources_that_cannot_be_read_are_a_usage_error(tmp_path: Path, text: str, message: str) -> None:
    project = make_project(tmp_path, checks={"test_circle.py": text})
    run = run_audit(tmp_path, "--offline", "--account", "compliant", cwd=project)
    assert run.returncode == 4, run.output
    assert re.search(f"ERROR: .*{message}", run.output), run.output
