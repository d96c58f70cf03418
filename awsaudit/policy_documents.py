"""Resource policy documents (bucket, queue, topic, key, function, secret and event bus policies), read once into
typed statements that controls judge.

AWS is lenient in what a document may hold: `Statement` may be one statement or a list, `Principal` "*" or a map of
kinds to one value or a list, `Action` and `Resource` a string or a list, a condition's value one value, a list, a
string or a JSON boolean. Condition keys are case-insensitive, operators are not. `parse` brings all of that to one
form; the judgements below work on that form only.
"""

from __future__ import annotations

import fnmatch
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from awsaudit.errors import SourceError
from awsaudit.findings import Resource


class PolicyError(ValueError):
    """A document that is not a policy AWS would hold: the message says what is wrong."""


def as_list(value: Any) -> list[Any]:
    """A value AWS allows as one item or a list of them, as a list (None: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


@dataclass(frozen=True)
class Condition:
    """One key of a condition block: `{"StringEquals": {"aws:SourceAccount": "111122223333"}}`."""

    operator: str  # as written: "ForAnyValue:StringLikeIfExists"
    key: str  # lower case: condition keys are case-insensitive
    values: tuple[str, ...]  # as strings: a JSON true is "true"

    @property
    def if_exists(self) -> bool:
        """Whether the condition holds when the request lacks the key."""
        return self.operator.endswith("IfExists")

    @property
    def base(self) -> str:
        """The operator without a set qualifier and IfExists: "StringLike"."""
        return self.operator.rpartition(":")[2].removesuffix("IfExists")

    @property
    def qualifier(self) -> str:
        """"ForAnyValue", "ForAllValues" or "" (a single-valued key)."""
        return self.operator.rpartition(":")[0]


@dataclass(frozen=True)
class Statement:
    effect: str  # "Allow" or "Deny"
    principals: tuple[tuple[str, str], ...]  # (kind, value): ("*", "*"), ("AWS", "arn:..."), ("Service", "...")
    not_principal: bool  # the principals are NotPrincipal's: everyone else
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...]
    not_resource: bool
    conditions: tuple[Condition, ...]
    sid: str = ""

    @property
    def allows(self) -> bool:
        return self.effect == "Allow"

    @property
    def denies(self) -> bool:
        return self.effect == "Deny"

    @property
    def everyone(self) -> bool:
        """Whether it applies to every principal, anonymous ones included: Principal "*" or {"AWS": "*"} (alone or
        in a list), or a NotPrincipal (everyone but those named)."""
        if self.not_principal:
            return True
        return any(kind in ("*", "AWS") and value == "*" for kind, value in self.principals)

    def covers_action(self, action: str) -> bool:
        """Whether the statement's actions include `action` ("s3:GetObject"); action names are case-insensitive."""
        matched = any(_matches(pattern, action) for pattern in self.actions)
        return matched != self.not_action

    def covers_all_actions_of(self, service: str) -> bool:
        """Whether it names every action of `service` ("s3"): "*" or "s3:*"."""
        return not self.not_action and any(a == "*" or a.lower() == f"{service.lower()}:*" for a in self.actions)

    def covers_resource(self, arn: str) -> bool:
        """Whether its resources include `arn`, which may itself hold wildcards: "arn:aws:s3:::bucket/*" is covered
        by "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket*" and "*", not by "arn:aws:s3:::bucket/public/*"."""
        if self.not_resource:
            return not any(fnmatch.fnmatchcase(arn, pattern) or fnmatch.fnmatchcase(pattern, arn)
                           for pattern in self.resources)
        return any(fnmatch.fnmatchcase(arn, pattern) for pattern in self.resources)

    def conditions_on(self, key: str) -> list[Condition]:
        return [c for c in self.conditions if c.key == key.lower()]


@dataclass(frozen=True)
class Document:
    statements: tuple[Statement, ...]


@dataclass(frozen=True)
class ResourcePolicy:
    """A resource and its policy document."""

    resource: Resource
    document: Document


def _matches(pattern: str, value: str) -> bool:
    return fnmatch.fnmatchcase(value.lower(), pattern.lower())


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _principals(value: Any) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if value == "*":
        return (("*", "*"),)
    if not isinstance(value, dict):
        raise PolicyError(f"a principal must be \"*\" or a map of principal kinds, not {value!r}")
    return tuple((str(kind), _text(item)) for kind, items in value.items() for item in as_list(items))


def _conditions(block: Any) -> tuple[Condition, ...]:
    if block is None:
        return ()
    if not isinstance(block, dict) or not all(isinstance(keys, dict) for keys in block.values()):
        raise PolicyError(f"a condition block must map operators to maps of keys, not {block!r}")
    return tuple(Condition(str(operator), str(key).lower(), tuple(_text(v) for v in as_list(values)))
                 for operator, keys in block.items() for key, values in keys.items())


def _statement(raw: Any) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError(f"a statement must be a map, not {raw!r}")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"a statement's Effect must be Allow or Deny, not {effect!r}")
    return Statement(
        effect=effect,
        principals=_principals(raw.get("NotPrincipal", raw.get("Principal"))),
        not_principal="NotPrincipal" in raw,
        actions=tuple(str(a) for a in as_list(raw.get("NotAction", raw.get("Action")))),
        not_action="NotAction" in raw,
        resources=tuple(str(r) for r in as_list(raw.get("NotResource", raw.get("Resource")))),
        not_resource="NotResource" in raw,
        conditions=_conditions(raw.get("Condition")),
        sid=str(raw.get("Sid", "")))


def parse(raw: Any) -> Document:
    """A policy document (JSON text, URL-encoded JSON text, or JSON data) as statements; PolicyError if it is not
    one."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            try:
                raw = json.loads(unquote(raw))
            except ValueError:
                raise PolicyError("the document is not JSON") from None
    if not isinstance(raw, dict):
        raise PolicyError(f"a policy document must be a map, not {type(raw).__name__}")
    return Document(tuple(_statement(s) for s in as_list(raw.get("Statement"))))


# -- Requests over plain HTTP (CIS S3: deny HTTP requests) ---------------------------------------------------------

SECURE_TRANSPORT = "aws:securetransport"


def denies_insecure_transport(statement: Statement, service: str, arn: str) -> bool:
    """Whether `statement` denies every principal every action of `service` on `arn` whenever a request comes over
    plain HTTP: a Deny to "*" of "*" or "service:*" covering `arn`, whose only condition is Bool (or BoolIfExists)
    aws:SecureTransport false. Another condition beside it would narrow the Deny to some HTTP requests only."""
    if not (statement.denies and statement.everyone and not statement.not_principal
            and statement.covers_all_actions_of(service) and statement.covers_resource(arn)):
        return False
    if len(statement.conditions) != 1:
        return False
    condition = statement.conditions[0]
    return (condition.key == SECURE_TRANSPORT and condition.base == "Bool" and not condition.qualifier
            and any(value.lower() == "false" for value in condition.values))


# -- Principal "*" (CIS 2.21) ----------------------------------------------------------------------------------------

# Condition keys that tie a statement to known callers: an account, an organization or its paths, a source resource,
# network or VPC endpoint, or named principals. Each value is one caller or a set of them, as long as it is not a bare
# wildcard.
NARROWING_KEYS = frozenset(key.lower() for key in (
    "aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "aws:PrincipalArn", "aws:userid",
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceOwner", "aws:SourceOrgID", "aws:SourceOrgPaths",
    "aws:SourceVpc", "aws:SourceVpce", "aws:SourceIp", "aws:VpcSourceIp",
    "kms:CallerAccount", "kms:ViaService",
    "lambda:FunctionArn", "sns:Endpoint"))
# The operators whose match pins the key to the values given; negated ones (StringNotEquals, NotIpAddress) let every
# other caller in.
NARROWING_OPERATORS = frozenset(("StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike",
                                 "IpAddress"))
# Values that match every caller.
OPEN_VALUES = frozenset(("0.0.0.0/0", "::/0"))


def wildcard(value: str) -> bool:
    """A condition value that matches anything: only "*" and "?" characters, or an any-address network."""
    return (value != "" and set(value) <= {"*", "?"}) or value in OPEN_VALUES


def narrows(condition: Condition) -> bool:
    """Whether a condition restricts who may use an Allow: a narrowing key, with an operator that matches only the
    values given, none of which is a wildcard. IfExists and ForAllValues hold for a request that lacks the key (an
    anonymous one lacks aws:PrincipalAccount), so they do not narrow."""
    return (condition.key in NARROWING_KEYS and condition.base in NARROWING_OPERATORS
            and not condition.if_exists and condition.qualifier in ("", "ForAnyValue")
            and bool(condition.values) and not any(wildcard(value) for value in condition.values))


def unrestricted_allows(document: Document) -> list[Statement]:
    """The Allow statements open to every principal that no condition narrows."""
    return [s for s in document.statements if s.allows and s.everyone and not any(narrows(c) for c in s.conditions)]


def describe(statement: Statement) -> str:
    """How a failure names a statement: its Sid, or its actions."""
    verb = "allowing" if statement.allows else "denying"
    return f"statement {statement.sid}" if statement.sid else f"statement {verb} {', '.join(statement.actions)}"


def unrestricted_reason(document: Document) -> str | None:
    """Why a policy fails CIS 2.21 (None: it does not)."""
    found = unrestricted_allows(document)
    if not found:
        return None
    return "Principal \"*\" not narrowed by a condition: " + "; ".join(describe(s) for s in found)


def read(raw: Any, action: str, resource: str) -> Document:
    """`raw` as AWS returned it to `action`, parsed; one that is not a policy makes the source that read it fail,
    naming the resource (SourceError)."""
    try:
        return parse(raw)
    except PolicyError as exc:
        raise SourceError(f"{action} returned an unreadable policy for {resource}: {exc}") from None


def insecure_transport_gap(document: Document, service: str, arn: str) -> str | None:
    """Why a policy does not deny plain-HTTP requests to `arn` (None: it does), for a failure message."""
    if any(denies_insecure_transport(s, service, arn) for s in document.statements):
        return None
    partial = [s for s in document.statements if s.denies and s.conditions_on(SECURE_TRANSPORT)]
    if partial:
        return (f"its Deny when aws:SecureTransport is false does not cover every principal, every {service} action "
                f"and {arn} without further conditions (" + "; ".join(describe(s) for s in partial) + ")")
    return "no Deny of requests made without TLS (aws:SecureTransport false)"
