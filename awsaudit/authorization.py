"""Who may do what: users, groups, roles and policies from iam:GetAccountAuthorizationDetails.

One paginated call returns every identity with its attached and inline policies, and every managed policy with its
default version, so permission controls cost a few pages per account instead of calls per user.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable
from urllib.parse import unquote

from awsaudit.errors import SourceError
from awsaudit.findings import Resource
from awsaudit.policy_documents import as_list

# Every filter the call takes: AWS returns nothing for a type that is not asked for.
FILTERS = ["User", "Group", "Role", "LocalManagedPolicy", "AWSManagedPolicy"]


@dataclass(frozen=True)
class Identity:
    """A user, group or role with the policies it holds directly."""

    kind: str  # "user", "group" or "role"
    name: str
    arn: str
    attached: tuple[str, ...]  # managed policy ARNs
    inline: dict[str, Any]  # inline policy name -> document
    groups: tuple[str, ...] = ()  # for users: the groups they belong to

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}"

    @property
    def resource(self) -> Resource:
        """The identity as a judged resource, named by its label ("role admin")."""
        return Resource(self.arn, f"AWS::IAM::{self.kind.capitalize()}", name=self.label)


@dataclass(frozen=True)
class ManagedPolicy:
    arn: str
    name: str
    attachments: int
    document: Any  # the default version's document

    @property
    def aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.arn


@dataclass(frozen=True)
class AuthorizationDetails:
    users: tuple[Identity, ...]
    groups: tuple[Identity, ...]
    roles: tuple[Identity, ...]
    policies: tuple[ManagedPolicy, ...]

    @property
    def identities(self) -> tuple[Identity, ...]:
        return self.users + self.groups + self.roles

    def holders_of_aws_policy(self, name: str) -> list[Identity]:
        """Users, groups and roles with the AWS managed policy `name` attached (arn:<partition>:iam::aws:policy/name;
        a customer policy of the same name is not it)."""
        return [i for i in self.identities
                if any(re.fullmatch(rf"arn:[\w-]+:iam::aws:policy/{re.escape(name)}", arn) for arn in i.attached)]


def _document(raw: Any, where: str) -> Any:
    """A policy document as JSON data; botocore decodes most, but a URL-encoded string may still arrive."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            return json.loads(unquote(raw))
        except ValueError:
            pass
    raise SourceError(f"iam:GetAccountAuthorizationDetails returned an unreadable policy document for {where}")


def _identity(kind: str, entry: dict[str, Any], inline_key: str) -> Identity:
    name = entry[f"{kind.capitalize()}Name"]
    inline = {p["PolicyName"]: _document(p["PolicyDocument"], f"{kind} {name} policy {p['PolicyName']}")
              for p in entry.get(inline_key, [])}
    return Identity(kind, name, entry["Arn"], tuple(p["PolicyArn"] for p in entry.get("AttachedManagedPolicies", [])),
                    inline, tuple(entry.get("GroupList", [])))


def _policy(entry: dict[str, Any]) -> ManagedPolicy:
    default = [v for v in entry.get("PolicyVersionList", []) if v.get("IsDefaultVersion")]
    if len(default) != 1:
        raise SourceError(f"iam:GetAccountAuthorizationDetails returned policy {entry['Arn']} without its default "
                          "version")
    name = entry.get("PolicyName") or entry["Arn"].rsplit("/", 1)[-1]
    return ManagedPolicy(entry["Arn"], name, int(entry.get("AttachmentCount", 0)),
                         _document(default[0]["Document"], f"policy {entry['Arn']}"))


def load(iam: Any) -> AuthorizationDetails:
    # A thousand entries a page, the most AWS returns: a few pages even for ten thousand users.
    pages = iam.get_paginator("get_account_authorization_details").paginate(Filter=FILTERS,
                                                                            PaginationConfig={"PageSize": 1000})
    users, groups, roles, policies = [], [], [], []
    try:
        for page in pages:
            users += [_identity("user", e, "UserPolicyList") for e in page.get("UserDetailList", [])]
            groups += [_identity("group", e, "GroupPolicyList") for e in page.get("GroupDetailList", [])]
            roles += [_identity("role", e, "RolePolicyList") for e in page.get("RoleDetailList", [])]
            policies += [_policy(e) for e in page.get("Policies", [])]
    except KeyError as exc:
        raise SourceError(f"iam:GetAccountAuthorizationDetails answered without {exc.args[0]}") from None
    return AuthorizationDetails(tuple(users), tuple(groups), tuple(roles), tuple(policies))


def full_admin_statements(document: Any) -> list[dict[str, Any]]:
    """The statements that allow every action on every resource (`"*"` on `"*"`), as CIS counts them."""
    statements = document.get("Statement", []) if isinstance(document, dict) else []
    return [s for s in as_list(statements) if isinstance(s, dict) and s.get("Effect") == "Allow"
            and any(a in ("*", "*:*") for a in as_list(s.get("Action", [])))
            and "*" in as_list(s.get("Resource", []))]


def grants_full_admin(documents: Iterable[Any]) -> bool:
    return any(full_admin_statements(d) for d in documents)
