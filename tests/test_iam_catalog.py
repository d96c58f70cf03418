"""The IAM catalog's engine: who holds full admin, reading GetAccountAuthorizationDetails, judging many resources in
one verdict, ages against a limit, the twin schema for users and organizations, and what the offline run names."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator, cast
from urllib.parse import quote

import pytest

from awsaudit.ages import too_old
from awsaudit.authorization import FILTERS, AuthorizationDetails, Identity, full_admin_statements, load
from awsaudit.errors import SourceError
from awsaudit.evidence import evidence_of
from awsaudit.findings import Findings, offenders_of
from conftest import AuditRun, details, make_project, run_audit, twin_text

# -- full_admin_statements ---------------------------------------------------------------------------------------------

ADMIN = {"Effect": "Allow", "Action": "*", "Resource": "*"}


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize("statement", [
    ADMIN,
    {**ADMIN, "Action": "*:*"},
    {**ADMIN, "Action": ["s3:GetObject", "*"]},
    {**ADMIN, "Resource": ["arn:aws:s3:::bucket", "*"]},
    {**ADMIN, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}},
], ids=["star", "star-colon-star", "in an action list", "in a resource list", "with a condition"])
def test_every_action_on_every_resource_is_full_admin(statement: dict[str, Any]) -> None:
    assert full_admin_statements(policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, statement)) == [
        statement]


def test_a_single_statement_not_in_a_list_counts() -> None:
    assert full_admin_statements({"Statement": ADMIN}) == [ADMIN]


@pytest.mark.parametrize("statement", [
    {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
    {"Effect": "Allow", "NotAction": "*", "Resource": "*"},
    {**ADMIN, "Effect": "Deny"},
    {**ADMIN, "Resource": "arn:aws:s3:::bucket/*"},
    {**ADMIN, "Action": "s3:*"},
    {"Effect": "Allow", "Resource": "*"},
], ids=["not-action", "not-action star", "deny", "narrower resource", "one service", "no action"])
def test_narrower_statements_are_not_full_admin(statement: dict[str, Any]) -> None:
    assert full_admin_statements(policy(statement)) == []


@pytest.mark.parametrize("document", [None, "*", [ADMIN], {"Statement": ["*"]}])
def test_a_document_of_the_wrong_shape_grants_nothing(document: Any) -> None:
    assert full_admin_statements(document) == []


# -- authorization.load ------------------------------------------------------------------------------------------------

class FakeIAM:
    """An IAM client whose GetAccountAuthorizationDetails paginator yields the given pages."""

    def __init__(self, *pages: dict[str, Any]) -> None:
        self.pages = pages
        self.asked: tuple[str, dict[str, Any]] | None = None

    def get_paginator(self, operation: str) -> FakeIAM:
        self.operation = operation
        return self

    def paginate(self, **kwargs: Any) -> Iterator[dict[str, Any]]:
        self.asked = (self.operation, kwargs)
        return iter(self.pages)


ARN = "arn:aws:iam::111111111111"
DOC = policy(ADMIN)


def managed(name: str, *versions: dict[str, Any], attachments: int = 1) -> dict[str, Any]:
    return {"PolicyName": name, "Arn": f"{ARN}:policy/{name}", "AttachmentCount": attachments,
            "PolicyVersionList": list(versions)}


def test_every_page_and_kind_is_read() -> None:
    iam = FakeIAM(
        {"UserDetailList": [{"UserName": "ci", "Arn": f"{ARN}:user/ci", "GroupList": ["deployers"],
                             "AttachedManagedPolicies": [{"PolicyArn": f"{ARN}:policy/admin"}]}],
         "Policies": [managed("admin", {"Document": DOC, "IsDefaultVersion": True})]},
        {"GroupDetailList": [{"GroupName": "deployers", "Arn": f"{ARN}:group/deployers",
                              "GroupPolicyList": [{"PolicyName": "inline", "PolicyDocument": DOC}]}],
         "RoleDetailList": [{"RoleName": "support", "Arn": f"{ARN}:role/support"}]})
    found = load(iam)
    assert iam.asked == ("get_account_authorization_details", {"Filter": FILTERS,
                                                               "PaginationConfig": {"PageSize": 1000}})
    assert found.users == (Identity("user", "ci", f"{ARN}:user/ci", (f"{ARN}:policy/admin",), {}, ("deployers",)),)
    assert found.groups == (Identity("group", "deployers", f"{ARN}:group/deployers", (), {"inline": DOC}),)
    assert [role.label for role in found.roles] == ["role support"]
    assert [(p.name, p.attachments, p.document) for p in found.policies] == [("admin", 1, DOC)]


def test_url_encoded_policy_documents_are_decoded() -> None:
    encoded = quote(json.dumps(DOC))
    iam = FakeIAM({"UserDetailList": [{"UserName": "ci", "Arn": f"{ARN}:user/ci",
                                       "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": encoded}]}],
                   "Policies": [managed("admin", {"Document": encoded, "IsDefaultVersion": True})]})
    found = load(iam)
    assert found.users[0].inline == {"p": DOC}
    assert found.policies[0].document == DOC


@pytest.mark.parametrize("versions", [
    [{"Document": DOC, "IsDefaultVersion": False}],
    [],
    [{"Document": DOC, "IsDefaultVersion": True}, {"Document": DOC, "IsDefaultVersion": True}],
], ids=["none default", "no versions", "two defaults"])
def test_a_managed_policy_without_one_default_version_is_a_source_error(versions: list[dict[str, Any]]) -> None:
    with pytest.raises(SourceError, match=re.escape(
            f"iam:GetAccountAuthorizationDetails returned policy {ARN}:policy/admin without its default version")):
        load(FakeIAM({"Policies": [managed("admin", *versions)]}))


def test_an_entry_without_its_name_is_a_source_error() -> None:
    with pytest.raises(SourceError, match=r"^iam:GetAccountAuthorizationDetails answered without UserName$"):
        load(FakeIAM({"UserDetailList": []}, {"UserDetailList": [{"Arn": f"{ARN}:user/ci"}]}))


def test_an_unreadable_policy_document_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="unreadable policy document for user ci policy p"):
        load(FakeIAM({"UserDetailList": [{"UserName": "ci", "Arn": f"{ARN}:user/ci",
                                          "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": "%7Bnot json"}]}]}))


def test_holders_of_a_policy_are_found_across_users_groups_and_roles() -> None:
    support = "arn:aws:iam::aws:policy/AWSSupportAccess"
    details_ = AuthorizationDetails(
        (Identity("user", "ann", "u", (support,), {}),), (Identity("group", "ops", "g", (), {}),),
        (Identity("role", "help", "r", (support,), {}),), ())
    assert [i.label for i in details_.holders_of_aws_policy("AWSSupportAccess")] == ["user ann", "role help"]


def test_a_customer_policy_with_an_aws_policy_name_is_not_that_policy() -> None:
    """IAM-10 passes on a role holding AWSSupportAccess; a policy of the account's own that merely has that name
    may grant anything or nothing, and does not show a support role exists."""
    lookalike = Identity("role", "not-support", "r", (f"{ARN}:policy/AWSSupportAccess",), {})
    assert AuthorizationDetails((), (), (lookalike,), ()).holders_of_aws_policy("AWSSupportAccess") == []


# -- Findings.judge ----------------------------------------------------------------------------------------------------

class FakeItem:
    """What Findings and evidence use of a pytest item: its stash."""

    def __init__(self) -> None:
        self.stash = pytest.Stash()


def test_offenders_failing_for_the_same_reason_are_named_together() -> None:
    item = cast(pytest.Item, FakeItem())
    offenders = {"alice": "no MFA device", "carol": "created 120 days ago", "bob": "no MFA device"}
    with pytest.raises(AssertionError) as raised:
        Findings(item).judge("IAM users", ["alice", "bob", "carol", "dave"], offenders)
    assert str(raised.value) == "3 of 4 IAM users fail: no MFA device: alice, bob; carol (created 120 days ago)"
    assert evidence_of(item) == {"IAM users: judged (4)": ["alice", "bob", "carol", "dave"],
                                 "IAM users: failing (3)": offenders}
    assert offenders_of(item) == offenders


def test_a_clean_judgement_passes_and_records_what_was_judged() -> None:
    item = cast(pytest.Item, FakeItem())
    Findings(item).judge("server certificates", iter(["www", "api"]), {})
    assert evidence_of(item) == {"server certificates: judged (2)": ["www", "api"]}
    assert offenders_of(item) == {}


def test_a_control_that_judged_nothing_one_by_one_has_no_offenders() -> None:
    assert offenders_of(cast(pytest.Item, FakeItem())) is None


# -- ages --------------------------------------------------------------------------------------------------------------

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)


def test_a_date_exactly_at_the_limit_is_not_too_old_and_one_second_more_is() -> None:
    dated = {"at": NOW - timedelta(days=90), "over": NOW - timedelta(days=90, seconds=1), "new": NOW,
             "future": NOW + timedelta(days=1)}
    assert too_old(dated, NOW, 90, "created") == {"over": "created 90 days ago"}


def test_an_unknown_date_is_an_offender() -> None:
    assert too_old({"key": None}, NOW, 90, "last used") == {"key": "no date for when it was last used"}


# -- twin schema: users, Access Analyzer regions, organization ---------------------------------------------------------

TWIN = 'account_id = "999999999999"\n[root]\npassword = true\nmfa = "none"\n'
USER = '[[users]]\nname = "ci"\n'


@pytest.mark.parametrize(("twin", "message"), [
    (TWIN + USER + 'access_keys = [{}, {}, {}]\n', "broken.toml: users[0].access_keys: 3 entries; AWS allows two "
                                                   "per user"),
    (TWIN + USER + "access_keys = 3\n", "broken.toml: users[0].access_keys: 3 is not 0, 1 or 2"),
    (TWIN + USER + 'nmae = "x"\n', "broken.toml: users[0].nmae: is not a known key (known: access_keys, "
                                   "certificates, created, groups, mfa, name, password, password_last_used, "
                                   "policies)"),
    (TWIN + USER + 'mfa = "yes"\n', "broken.toml: users[0].mfa: expected bool, got 'yes'"),
    (TWIN + USER + 'access_keys = [{ last_used = "1 day ago", rotated = "2 days ago" }]\n',
     "broken.toml: users[0].access_keys[0].rotated: is not a known key"),
    ('access_analyzer_regions = "everywhere"\n' + TWIN,
     "broken.toml: access_analyzer_regions: 'everywhere' is not \"all\" or a list of region names"),
    ('access_analyzer_regions = ["us-east-1", 2]\n' + TWIN, "broken.toml: access_analyzer_regions: "),
    (TWIN + '[organization]\nroot_access = ["RootCredentialsManagement"]\n',
     "broken.toml: organization.root_access: is not a known key (known: members, root_access_features, suspended)"),
], ids=["three keys listed", "three keys counted", "unknown user key", "mfa not a bool", "unknown key key",
        "regions a word", "regions not names", "unknown organization key"])
def test_a_malformed_twin_is_a_one_line_usage_error(tmp_path: Path, twin: str, message: str) -> None:
    project = make_project(tmp_path, twins={"broken.toml": twin}, checks={})
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.returncode == 4, run.output
    naming = [line for line in run.output.splitlines() if "broken.toml" in line]
    assert len(naming) == 1 and naming[0].startswith("ERROR: offline twin: ") and message in naming[0], run.output
    assert "Traceback" not in run.output


# -- the offline emulation: failures name the offending resources ------------------------------------------------------

@pytest.mark.parametrize(("test_id", "named"), [
    ("test_access_keys_rotated[noncompliant]", "bob access key 1 (created 300 days ago)"),
    ("test_no_expired_server_certificates[noncompliant]", "old-www-example-com (expired "),
    ("test_cloudshell_full_access_attached_to_no_one[noncompliant]", "user bob (AWSCloudShellFullAccess attached)"),
    ("test_no_full_admin_policies_attached[noncompliant]", "policy AdministratorAccess (grants * on *"),
    ("test_users_get_permissions_only_through_groups[noncompliant]", "bob (policy AdministratorAccess attached, "
                                                                     "policy AWSCloudShellFullAccess attached)"),
])
def test_a_failure_names_the_offending_resources(offline_audit: AuditRun, test_id: str, named: str) -> None:
    assert offline_audit.verdicts[test_id] == "failed"
    assert named in offline_audit.messages("failure")[test_id]


def evidence_list(opened: str, label: str) -> list[str]:
    found = re.search(rf"<tr><th>{re.escape(label)}</th><td>(.*?)</td></tr>", opened)
    assert found, f"no evidence {label!r}"
    return found[1].split("<br>")


def test_access_analyzer_evidence_lists_every_enabled_region_judged(offline_audit: AuditRun) -> None:
    opened = details(offline_audit.report)["test_access_analyzer_in_every_region[compliant]"]
    enabled = evidence_list(opened, "access analyzers: regions read")
    assert len(enabled) > 10 and "us-east-1" in enabled and not [r for r in enabled if r.startswith(("cn-", "us-gov-"))]
    assert evidence_list(opened, f"regions: judged ({len(enabled)})") == enabled
    # noncompliant watches us-east-1 only: every other enabled region is named in its failure.
    failed = details(offline_audit.report)["test_access_analyzer_in_every_region[noncompliant]"]
    verdict = re.search(r"<b>Verdict:</b> failed: (\d+) of (\d+) regions fail: no active analyzer: (.*?)</p>",
                        failed)
    assert verdict, failed
    named = verdict[3].split(", ")
    assert named == [region for region in enabled if region != "us-east-1"]
    assert (int(verdict[1]), int(verdict[2])) == (len(named), len(enabled))


def test_centralized_root_access_is_not_applicable_outside_an_organization(offline_audit: AuditRun) -> None:
    assert "[organization]" not in twin_text("virtual-mfa") and "virtual-mfa" not in twin_text("organization-management")
    assert offline_audit.verdicts["test_centralized_root_access_enabled[virtual-mfa]"] == "not applicable"
    opened = details(offline_audit.report)["test_centralized_root_access_enabled[virtual-mfa]"]
    assert "<b>Verdict:</b> not applicable: the account belongs to no AWS Organization" in opened
    assert "none (AWSOrganizationsNotInUseException)" in opened
    # An organization's management account without the feature fails.
    assert offline_audit.verdicts["test_centralized_root_access_enabled[noncompliant]"] == "failed"


