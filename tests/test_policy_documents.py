"""Resource policy documents: parsing AWS's lenient forms into statements, the plain-HTTP Deny CIS asks of buckets,
and Principal "*" narrowed (or not) by a condition."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from awsaudit.errors import SourceError
from awsaudit.policy_documents import (Condition, PolicyError, insecure_transport_gap, narrows, parse, read,
                                       unrestricted_allows, unrestricted_reason)

BUCKET = "arn:aws:s3:::data"
OBJECTS = "arn:aws:s3:::data/*"
DENY_HTTP = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": [BUCKET, OBJECTS],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# -- parsing ----------------------------------------------------------------------------------------------------------

def test_a_single_statement_and_single_values_read_as_lists() -> None:
    one = parse(json.dumps({"Statement": {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"},
                                          "Action": "s3:GetObject", "Resource": OBJECTS,
                                          "Condition": {"StringEquals": {"AWS:SourceAccount": 123}}}}))
    (statement,) = one.statements
    assert statement.principals == (("AWS", "arn:aws:iam::1:root"),)
    assert statement.actions == ("s3:GetObject",) and statement.resources == (OBJECTS,)
    assert statement.conditions == (Condition("StringEquals", "aws:sourceaccount", ("123",)),)


def test_a_url_encoded_document_is_read() -> None:
    from urllib.parse import quote
    assert parse(quote(json.dumps(doc(DENY_HTTP)))).statements[0].denies


@pytest.mark.parametrize("raw", ["not json", "[]", json.dumps({"Statement": [{"Effect": "Maybe"}]}),
                                 json.dumps({"Statement": ["text"]}),
                                 json.dumps({"Statement": [{"Effect": "Allow", "Principal": 7}]}),
                                 json.dumps({"Statement": [{"Effect": "Allow", "Condition": {"Bool": "x"}}]})],
                         ids=["text", "a list", "bad effect", "statement not a map", "bad principal", "bad condition"])
def test_what_is_not_a_policy_is_refused(raw: str) -> None:
    with pytest.raises(PolicyError):
        parse(raw)
    with pytest.raises(SourceError, match="sqs:GetQueueAttributes returned an unreadable policy for arn:q"):
        read(raw, "sqs:GetQueueAttributes", "arn:q")


@pytest.mark.parametrize("operator, expected", [
    ("StringEquals", ("StringEquals", "", False)),
    ("StringLikeIfExists", ("StringLike", "", True)),
    ("ForAnyValue:StringLike", ("StringLike", "ForAnyValue", False)),
    ("ForAllValues:ArnEqualsIfExists", ("ArnEquals", "ForAllValues", True)),
])
def test_an_operator_splits_into_qualifier_base_and_if_exists(operator: str, expected: tuple[str, str, bool]) -> None:
    condition = Condition(operator, "aws:sourcearn", ("arn:x",))
    assert (condition.base, condition.qualifier, condition.if_exists) == expected


# -- S3-1: the Deny of plain HTTP ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("change", [
    {},
    {"Principal": {"AWS": "*"}},
    {"Principal": {"AWS": ["*"]}},
    {"Action": "*"},
    {"Action": ["s3:GetObject", "S3:*"]},
    {"Resource": OBJECTS},
    {"Resource": "arn:aws:s3:::data*"},
    {"Resource": "*"},
    {"Condition": {"Bool": {"aws:SecureTransport": False}}},
    {"Condition": {"Bool": {"aws:SecureTransport": ["false"]}}},
    {"Condition": {"Bool": {"AWS:SECURETRANSPORT": "FALSE"}}},
    {"Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}},
], ids=["as CIS writes it", "AWS star", "AWS star in a list", "every action", "s3 star in a list, any case",
        "objects only", "bucket-name wildcard", "every resource", "JSON false", "one-element list",
        "key and value in any case", "BoolIfExists"])
def test_a_deny_of_every_s3_action_over_http_counts(change: dict[str, Any]) -> None:
    assert insecure_transport_gap(parse(doc({**DENY_HTTP, **change})), "s3", OBJECTS) is None


@pytest.mark.parametrize("change, reason", [
    ({"Action": "s3:GetObject"}, "does not cover"),
    ({"Action": ["s3:GetObject", "s3:PutObject"]}, "does not cover"),
    ({"Resource": BUCKET}, "does not cover"),
    ({"Resource": "arn:aws:s3:::data/public/*"}, "does not cover"),
    ({"Resource": "arn:aws:s3:::other/*"}, "does not cover"),
    ({"Principal": {"AWS": "arn:aws:iam::111122223333:root"}}, "does not cover"),
    ({"Condition": {"Bool": {"aws:SecureTransport": "false"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
     "does not cover"),
    ({"Condition": {"Bool": {"aws:SecureTransport": "true"}}}, "does not cover"),
    ({"Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}}}, "no Deny"),
    ({"Effect": "Allow", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}, "no Deny"),
], ids=["GetObject only", "some actions", "the bucket, not its objects", "a prefix only", "another bucket",
        "one account only", "narrowed by another condition", "SecureTransport true", "TLS version only",
        "an Allow over HTTPS"])
def test_a_deny_that_leaves_plain_http_open_does_not_count(change: dict[str, Any], reason: str) -> None:
    found = insecure_transport_gap(parse(doc({**DENY_HTTP, **change})), "s3", OBJECTS)
    assert found is not None and reason in found


def test_not_principal_and_not_action_do_not_count() -> None:
    not_principal = {k: v for k, v in DENY_HTTP.items() if k != "Principal"} | {"NotPrincipal": {"AWS": "arn:x"}}
    not_action = {k: v for k, v in DENY_HTTP.items() if k != "Action"} | {"NotAction": "s3:GetObject"}
    assert insecure_transport_gap(parse(doc(not_principal)), "s3", OBJECTS)
    assert insecure_transport_gap(parse(doc(not_action)), "s3", OBJECTS)


def test_one_good_statement_among_others_is_enough() -> None:
    allow = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::1:root"}, "Action": "s3:*", "Resource": OBJECTS}
    assert insecure_transport_gap(parse(doc(allow, DENY_HTTP)), "s3", OBJECTS) is None
    assert insecure_transport_gap(parse(doc(allow)), "s3", OBJECTS)


# -- IAM-16: Principal "*" --------------------------------------------------------------------------------------------

OPEN = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:1:q"}


@pytest.mark.parametrize("statement", [
    OPEN,
    {**OPEN, "Principal": {"AWS": "*"}},
    {**OPEN, "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]}},
    {k: v for k, v in OPEN.items() if k != "Principal"} | {"NotPrincipal": {"AWS": "arn:aws:iam::1:root"}},
    {**OPEN, "Condition": {"StringEquals": {"aws:SourceArn": "*"}}},
    {**OPEN, "Condition": {"ArnLike": {"aws:SourceArn": ["arn:aws:sns:us-east-1:1:t", "*"]}}},
    {**OPEN, "Condition": {"StringEqualsIfExists": {"aws:PrincipalAccount": "111122223333"}}},
    {**OPEN, "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "111122223333"}}},
    {**OPEN, "Condition": {"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-1/r-1/*"}}},
    {**OPEN, "Condition": {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}},
    {**OPEN, "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
    {**OPEN, "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}},
], ids=["star", "AWS star", "star in a list", "NotPrincipal", "SourceArn star", "a star among values",
        "IfExists", "negated operator", "ForAllValues", "any address", "TLS only", "a key that names no caller"])
def test_principal_star_without_a_narrowing_condition_is_unrestricted(statement: dict[str, Any]) -> None:
    document = parse(doc(statement))
    assert len(unrestricted_allows(document)) == 1
    assert unrestricted_reason(document)


@pytest.mark.parametrize("statement", [
    {**OPEN, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
    {**OPEN, "Condition": {"StringEquals": {"AWS:SourceOwner": "111122223333"}}},
    {**OPEN, "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:1:*"}}},
    {**OPEN, "Condition": {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}},
    {**OPEN, "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}},
    {**OPEN, "Condition": {"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-1/r-1/ou-1/*"}}},
    {**OPEN, "Condition": {"StringEquals": {"kms:CallerAccount": "1", "kms:ViaService": "s3.eu-west-1.amazonaws.com"}}},
    {**OPEN, "Condition": {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:PrincipalAccount": "1"}}},
    {**OPEN, "Principal": {"AWS": "arn:aws:iam::111122223333:root"}},
    {**OPEN, "Principal": {"Service": "sns.amazonaws.com"}},
    {**OPEN, "Effect": "Deny"},
], ids=["organization", "source owner, any key case", "source ARN pattern", "VPC endpoints", "a network",
        "organization path", "KMS caller", "one narrowing condition among others", "an account", "a service",
        "a Deny"])
def test_a_narrowed_or_named_principal_is_not_unrestricted(statement: dict[str, Any]) -> None:
    assert unrestricted_reason(parse(doc(statement))) is None


# -- properties ---------------------------------------------------------------------------------------------------------

def _recase(text: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c.lower() for c, flip in zip(text, flips + [False] * len(text)))


@given(st.lists(st.booleans(), max_size=20), st.booleans(), st.booleans())
def test_the_http_deny_does_not_depend_on_key_case_or_list_wrapping(flips: list[bool], wrap_value: bool,
                                                                     wrap_statement: bool) -> None:
    value: Any = ["false"] if wrap_value else "false"
    statement = {**DENY_HTTP, "Condition": {"Bool": {_recase("aws:SecureTransport", flips): value}}}
    raw = doc(statement) if wrap_statement else {"Statement": statement}
    assert insecure_transport_gap(parse(raw), "s3", OBJECTS) is None


KEYS = st.sampled_from(["aws:PrincipalAccount", "aws:PrincipalOrgID", "aws:SourceArn", "aws:SourceAccount",
                        "aws:SourceVpce", "aws:SourceOwner", "kms:CallerAccount"])
VALUES = st.text(alphabet="abcdefghij0123456789-:/", min_size=1, max_size=20)


@given(KEYS, st.lists(VALUES, min_size=1, max_size=3), st.sampled_from(["StringEquals", "StringLike", "ArnLike"]),
       st.booleans())
def test_a_narrowing_condition_narrows_unless_a_value_is_a_wildcard(key: str, values: list[str], operator: str,
                                                                    add_wildcard: bool) -> None:
    given_values = values + ["*"] if add_wildcard else values
    document = parse(doc({**OPEN, "Condition": {operator: {key: given_values}}}))
    assert bool(unrestricted_allows(document)) == add_wildcard
    assert narrows(document.statements[0].conditions[0]) != add_wildcard


@given(KEYS, VALUES)
def test_if_exists_never_narrows(key: str, value: str) -> None:
    assert not narrows(Condition("StringEqualsIfExists", key.lower(), (value,)))
