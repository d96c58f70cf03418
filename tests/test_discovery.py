"""`--account org:<profile>`: an organization's ACTIVE accounts become the audited accounts, each by assuming a role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from awsaudit import discovery
from awsaudit.accounts import Identity
from awsaudit.errors import SourceError
from conftest import LONE, ROOT_CHECKS, AuditRun, check_files, make_project, run_audit, twin_text


class Source:
    """The profile that lists the organization: its identity and the accounts AWS returned."""

    profile = "mgmt"

    def __init__(self, listed: list[dict[str, str]] | Exception, arn: str = "arn:aws:iam::999999999999:user/a") -> None:
        self.identity = Identity("999999999999", arn, None)
        self._listed = listed

    def fetch(self, service: str, source: str, loader: Any) -> Any:
        if isinstance(self._listed, Exception):
            raise self._listed
        return self._listed


def opened(name: str, profile: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "profile": profile, **more}


def account(id: str, name: str) -> dict[str, str]:
    return {"Id": id, "Name": name, "State": "ACTIVE"}


def test_members_are_named_readably_and_reached_through_the_role() -> None:
    found, _ = discovery.members(Source([account("222222222222", "Payments Prod"), account("999999999999", "Mgmt")]),
                              "AuditRole", opened)
    assert found == [
        {"name": "Payments-Prod", "profile": "mgmt", "expected_id": "222222222222",
         "role_arn": "arn:aws:iam::222222222222:role/AuditRole"},
        # The profile's own account is audited through the profile, not through a role into itself.
        {"name": "Mgmt", "profile": "mgmt", "expected_id": "999999999999", "role_arn": None},
    ]


def test_names_that_would_read_the_same_fall_back_to_account_ids() -> None:
    found, _ = discovery.members(Source([account("111111111111", "dev"), account("222222222222", "dev"),
                                      account("333333333333", "***")]), "R", opened)
    assert [a["name"] for a in found] == ["111111111111", "222222222222", "333333333333"]


def test_the_role_is_in_the_callers_partition() -> None:
    found, _ = discovery.members(Source([account("222222222222", "x")], "arn:aws-us-gov:iam::999999999999:user/a"),
                              "R", opened)
    assert found[0]["role_arn"] == "arn:aws-us-gov:iam::222222222222:role/R"


def test_accounts_in_another_state_are_left_out_with_why() -> None:
    """AWS lists closed accounts too; they cannot be audited, and the report must say they were not."""
    listed = [account("222222222222", "Payments"),
              {"Id": "444444444444", "Name": "Old Sandbox", "State": "SUSPENDED", "Status": "SUSPENDED"},
              {"Id": "333333333333", "Name": "closing", "Status": "PENDING_CLOSURE"}]  # only the deprecated field
    found, left_out = discovery.members(Source(listed), "R", opened)
    assert [a["name"] for a in found] == ["Payments"]
    assert left_out == ["closing (333333333333): PENDING_CLOSURE in the organization",
                        "Old Sandbox (444444444444): SUSPENDED in the organization"]


def test_a_listing_that_fails_is_a_usage_error_naming_the_cause() -> None:
    denied = SourceError("mgmt: accounts of the organization: organizations:ListAccounts was denied (AccessDenied)")
    with pytest.raises(pytest.UsageError, match=r"^--account org:mgmt: mgmt: accounts of the organization: "
                                                r"organizations:ListAccounts was denied"):
        discovery.members(Source(denied), "R", opened)


def test_an_organization_with_no_active_account_is_a_usage_error() -> None:
    with pytest.raises(pytest.UsageError, match="lists no ACTIVE account"):
        discovery.members(Source([]), "R", opened)


SHOW_LEFT_OUT = """

def pytest_report_header(config):
    from awsaudit.audit import AUDIT

    return [f"left out: {entry}" for entry in config.stash[AUDIT].left_out]
"""


# ROOT-5 and ROOT-7 (centralized root access, which a member is judged on from its organization).
ORG_CHECKS = {**ROOT_CHECKS, **check_files("test_root_centralized_access.py")}


def organization(root: Path) -> Path:
    """A project of the organization-management twin and its members only, the member compliant swapped for the lone
    twin: listing an organization serves every twin of the project (each is reached through a role), and the main
    twins would only add seconds. Its conftest.py also prints the accounts the run left out."""
    managing = twin_text("organization-management")
    assert 'members = ["compliant", "no-root-password"]' in managing
    project = make_project(root, twins={
        "organization-management.toml": managing.replace('["compliant", ', '["lone", '),
        "no-root-password.toml": twin_text("no-root-password"), **LONE}, checks=ORG_CHECKS)
    with (project / "conftest.py").open("a", encoding="utf-8") as conftest:
        conftest.write(SHOW_LEFT_OUT)
    return project


@pytest.fixture(scope="module")
def org_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return organization(tmp_path_factory.mktemp("org"))


@pytest.fixture(scope="module")
def org_run(tmp_path_factory: pytest.TempPathFactory, org_project: Path) -> AuditRun:
    return run_audit(tmp_path_factory.mktemp("org-run"), "--offline", "--account", "org:organization-management",
                     "-k", "ROOT-7 or ROOT-5", cwd=org_project)


def test_org_expands_to_the_active_member_twins_and_the_management_account(org_run: AuditRun) -> None:
    ids = {props["account"]: props["account_id"] for props in org_run.properties.values()}
    # The management account under its twin's name (AWS lists it by its name; moto calls it "master"); the
    # suspended member is listed but not audited.
    assert ids == {"lone": "100000000001", "no-root-password": "777777777777",
                   "organization-management": "999999999999"}, org_run.output


def test_members_are_judged_as_members(org_run: AuditRun) -> None:
    verdicts = org_run.verdicts
    assert verdicts["test_centralized_root_access_enabled[organization-management]"] == "passed"
    assert verdicts["test_centralized_root_access_enabled[lone]"] == "not applicable"
    skipped = org_run.messages("skipped")["test_centralized_root_access_enabled[lone]"]
    assert "a member account: centralized root access is enabled from the management account 999999999999" in skipped


def test_an_unknown_org_profile_is_a_usage_error(tmp_path: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--account", "org:nosuch")
    assert run.returncode == 4
    assert "--account org:nosuch: no such twin; available: " in run.output
    assert "Traceback" not in run.output


def test_each_account_is_audited_once_and_names_stay_apart() -> None:
    from awsaudit.accounts import Account
    from awsaudit.audit import _once_each

    chosen = [Account("mgmt", "mgmt"), Account("master", "mgmt", expected_id="999999999999"),
              Account("Audit", "org-a", expected_id="111111111111", role_arn="arn:aws:iam::111111111111:role/R"),
              Account("Audit", "org-b", expected_id="222222222222", role_arn="arn:aws:iam::222222222222:role/R")]
    assert [a.name for a in _once_each(chosen)] == ["mgmt", "Audit", "222222222222"]


def test_a_management_twin_alone_is_served_with_its_members(tmp_path: Path, org_project: Path) -> None:
    run = run_audit(tmp_path, "--offline", "--account", "organization-management", "-k", "ROOT-7", cwd=org_project)
    assert run.returncode == 0, run.output
    assert run.verdicts == {"test_centralized_root_access_enabled[organization-management]": "passed"}


def test_a_suspended_member_is_left_out_of_the_audit_with_why(org_run: AuditRun) -> None:
    """The organization-management twin's organization lists closed-sandbox as SUSPENDED: the run records it."""
    assert org_run.returncode == 0, org_run.output
    assert [line for line in org_run.output.splitlines() if line.startswith("left out:")] == [
        "left out: closed-sandbox (990000000003): SUSPENDED in the organization"], org_run.output
