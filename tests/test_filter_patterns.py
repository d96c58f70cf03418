"""CloudWatch Logs filter patterns: each construct against the CloudWatch Logs User Guide's own examples, and
properties of the documented rules (||, &&, precedence, spacing, quoting, wildcards) over generated patterns."""

from __future__ import annotations

import fnmatch
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from awsaudit.filter_patterns import FilterPatternError, UnsupportedPattern, matches, parse, test_metric_filter

# The User Guide's example event for JSON selectors.
GUIDE = json.dumps({
    "eventType": "UpdateTrail", "sourceIPAddress": "111.111.111.111", "arrayKey": ["value", "another value"],
    "objectList": [{"name": "a", "id": 1}, {"name": "b", "id": 2}], "SomeObject": None, "ThisFlag": True})
# Its example for compound conditions.
COMPOUND = json.dumps({
    "user": {"id": 1, "email": "John.Stiles@example.com"},
    "users": [{"id": 2, "email": "John.Doe@example.com"}, {"id": 3, "email": "Jane.Doe@example.com"}],
    "actions": ["GET", "PUT", "DELETE"], "coordinates": [[0, 1, 2], [4, 5, 6], [7, 8, 9]]})


@pytest.mark.parametrize(("pattern", "event", "expected"), [
    # documented examples
    ('{ $.eventType = "UpdateTrail" }', GUIDE, True),
    ("{ $.sourceIPAddress != 123.123.* }", GUIDE, True),
    ("{ $.sourceIPAddress != 111.111.* }", GUIDE, False),
    ('{ $.arrayKey[0] = "value" }', GUIDE, True),
    ("{ $.objectList[1].id = 2 }", GUIDE, True),
    ("{ $.SomeObject IS NULL }", GUIDE, True),
    ("{ $.SomeOtherObject NOT EXISTS }", GUIDE, True),
    ("{ $.ThisFlag IS TRUE }", GUIDE, True),
    ("{ $.ThisFlag IS FALSE }", GUIDE, False),
    ('{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', COMPOUND, True),
    ('{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', COMPOUND, False),
    ('{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }',
     COMPOUND, True),
    ('{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
     COMPOUND, False),
    ("{ $.coordinates[2][0] = 7 }", COMPOUND, True),
    # a selector on an array or an object matches neither = nor != (documented)
    ("{ $.users = 1 }", json.dumps({"users": [1, 2, 3]}), False),
    ("{ $.users != 1 }", json.dumps({"users": [1, 2, 3]}), False),
    ("{ $.user != 1 }", COMPOUND, False),
    # an index past the end, or on what is no array: false (documented)
    ('{ $.arrayKey[5] = "value" }', GUIDE, False),
    ('{ $.eventType[0] = "UpdateTrail" }', GUIDE, False),
    ("{ $.arrayKey[5] NOT EXISTS }", GUIDE, True),
    # a missing field: neither = nor != (the azul#5884 observation); NOT EXISTS is the way to ask for absence
    ('{ $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }', json.dumps({"userIdentity": {"type": "Root"}}),
     False),
    ('{ $.userIdentity.invokedBy != "cloudfront.amazonaws.com" }',
     json.dumps({"userIdentity": {"invokedBy": "config.amazonaws.com"}}), True),
    ("{ $.missing = * }", GUIDE, False),
    # null is not a value: IS NULL only (inferred)
    ('{ $.SomeObject != "x" }', GUIDE, False),
    ("{ $.SomeObject NOT EXISTS }", GUIDE, False),
    # numbers (documented operators and literal forms)
    ("{ $.latency >= 500 }", json.dumps({"latency": 500}), True),
    ("{ $.latency > +1000 }", json.dumps({"latency": 1000}), False),
    ("{ $.n < 10e3 }", json.dumps({"n": 9999.5}), True),
    ("{ $.n < 10e-3 }", json.dumps({"n": 0.01}), False),
    ("{ $.avg <= 55.5 }", json.dumps({"avg": 55.5}), True),
    ("{ $.errorCode = 400 }", json.dumps({"errorCode": 400}), True),
    ("{ $.errorCode != 500 }", json.dumps({"errorCode": 400}), True),
    ("{ $.n = 1 }", json.dumps({"n": 1.0}), True),
    ("{ $.n = 1 }", json.dumps({"n": "1"}), True),  # inferred: a numeric string reads as a number
    ("{ $.n > 1 }", json.dumps({"n": "high"}), False),
    ("{ $.latency = * }", json.dumps({"latency": 12}), True),  # the guide's metric-value example
    # strings: quoted and bare alike, case-sensitive
    ("{ $.eventName = CreateRoute }", json.dumps({"eventName": "CreateRoute"}), True),
    ('{ $.eventName = "CreateRoute" }', json.dumps({"eventName": "CreateRoute"}), True),
    ("{ $.eventName = createroute }", json.dumps({"eventName": "CreateRoute"}), False),
    ("{ $.eventName = CreateRoute }", json.dumps({"eventName": "CreateRouteTable"}), False),
    ("{ $.eventSource = iam.amazonaws.com }", json.dumps({"eventSource": "iam.amazonaws.com"}), True),
    ('{ $.msg = "say \\"hi\\"" }', json.dumps({"msg": 'say "hi"'}), True),
    # wildcards: at the start, at the end, alone; inside a term a literal (documented)
    ("{ $.e = *Event }", json.dumps({"e": "PutEvent"}), True),
    ("{ $.e = Event* }", json.dumps({"e": "EventName"}), True),
    ("{ $.e = *Event }", json.dumps({"e": "EventName"}), False),
    ('{ $.e = "*vent*" }', json.dumps({"e": "EventName"}), True),
    ("{ $.e = Ev*ent }", json.dumps({"e": "Event"}), False),
    ("{ $.e = Ev*ent }", json.dumps({"e": "Ev*ent"}), True),
    ("{ $.e = * }", json.dumps({"e": ""}), True),
    # booleans are no strings (inferred)
    ('{ $.ThisFlag = "true" }', GUIDE, False),
    # JSON patterns never match what is no JSON object (inferred)
    ("{ $.a NOT EXISTS }", "plain text", False),
    ("{ $.a NOT EXISTS }", "[1, 2]", False),
    # terms (documented examples)
    ("ERROR", "[ERROR] A fatal exception has occurred", True),
    ("ERROR", "Exiting with ERRORCODE: -1", True),
    ('"ERROR" - "Exiting"', "Exiting with ERRORCODE: -1", False),
    ('"ERROR" - "Exiting"', "[ERROR] A fatal exception has occurred", True),
    ("ERROR Exception", "[ERROR] Caught IllegalArgumentException", True),
    ("ERROR Exception", "[ERROR] Caught it", False),
    ('"Failed to process the request"', "[WARN] Failed to process the request", True),
    ("?ERROR ?WARN", "WARN message", True),
    ("?ERROR ?WARN", "INFO message", False),
    ("ERROR -WARN", "ERROR WARN message", False),
    ("ERROR -WARN", "ERROR message", True),
    ("error", "ERROR message", False),
    # the empty pattern
    ("", "anything at all", True),
    ("   ", GUIDE, True),
])
def test_each_construct(pattern: str, event: str, expected: bool) -> None:
    assert matches(pattern, event) is expected


@pytest.mark.parametrize(("pattern", "position"), [
    ("{ $.a = }", 8),
    ('{ $.a = "x }', 8),
    ("{ $.a < abc }", 8),
    ('{ $.a > "5" }', 8),
    ("{ $.a == 1 }", 7),
    ("{ ($.a = 1 }", 11),
    ("{ $.a = 1 ) }", 10),
    ("{ a = 1 }", 2),
    ("{ $ = 1 }", 3),
    ("{ $.a. = 1 }", 6),
    ("{ $[0] = 1 }", 3),
    ("{ $.a = 1", 9),
    ("{ }", 2),
    ("{ $.a = 1 && }", 13),
    ("{ $.a = 1 $.b = 2 }", 10),
    ("{ $.a IS }", 6),
    ("{ $.a = x@y }", 9),
    ("foo:bar", 3),
    ("ERROR -", 7),
])
def test_an_unparseable_pattern_is_refused_with_its_position(pattern: str, position: int) -> None:
    with pytest.raises(FilterPatternError) as caught:
        parse(pattern)
    assert caught.value.position == position, str(caught.value)
    assert f"position {position}" in str(caught.value) and repr(pattern) in str(caught.value)


@pytest.mark.parametrize("pattern", ["[ip, user, status_code=4*]", "%AUTHORIZED%"])
def test_space_delimited_and_regex_patterns_are_said_to_be_unsupported(pattern: str) -> None:
    with pytest.raises(UnsupportedPattern):
        parse(pattern)


def test_test_metric_filter_answers_in_aws_shape() -> None:
    answer = test_metric_filter("{ $.a = 1 }", ['{"a": 1}', '{"a": 2}', "not json", '{"a": 1, "b": 2}'])
    assert answer == {"matches": [{"eventNumber": 1, "eventMessage": '{"a": 1}', "extractedValues": {}},
                                  {"eventNumber": 4, "eventMessage": '{"a": 1, "b": 2}', "extractedValues": {}}]}


# --- properties --------------------------------------------------------------------------------------------------

FIELDS = ("eventName", "errorCode", "n")
NAMES = ("CreateRoute", "CreateRouteTable", "DeleteRoute", "AccessDenied", "Client.UnauthorizedOperation")
events = st.fixed_dictionaries({}, optional={
    "eventName": st.sampled_from(NAMES), "errorCode": st.sampled_from(NAMES + ("",)),
    "n": st.one_of(st.integers(-5, 5), st.sampled_from(["3", "x", None, True]))})


@st.composite
def comparisons(draw: Any) -> str:
    field = draw(st.sampled_from(FIELDS))
    kind = draw(st.sampled_from(["string", "number", "test"]))
    if kind == "test":
        return f"$.{field} {draw(st.sampled_from(['IS NULL', 'NOT EXISTS', 'IS TRUE', 'IS FALSE']))}"
    if kind == "number":
        return f"$.{field} {draw(st.sampled_from(['=', '!=', '<', '<=', '>', '>=']))} {draw(st.integers(-5, 5))}"
    value = draw(st.sampled_from(NAMES + ("*", "Create*", "*Route", "*Denied*")))
    quoted = f'"{value}"' if draw(st.booleans()) or "." in value else value
    return f"$.{field} {draw(st.sampled_from(['=', '!=']))} {quoted}"


def expressions() -> st.SearchStrategy[tuple[str, Any]]:
    """(text, tree) pairs: the tree says how the text must be read, by the documented precedence."""
    leaf = comparisons().map(lambda text: (text, text))
    return st.recursive(leaf, lambda inner: st.one_of(
        st.tuples(inner, inner).map(lambda pair: (f"({pair[0][0]}) && ({pair[1][0]})", ("&&", pair[0][1], pair[1][1]))),
        st.tuples(inner, inner).map(lambda pair: (f"({pair[0][0]}) || ({pair[1][0]})", ("||", pair[0][1], pair[1][1])))),
        max_leaves=6)


def reference(tree: Any, event: str) -> bool:
    """Read a tree by evaluating its leaves alone: what || and && must mean."""
    if isinstance(tree, str):
        return matches("{ " + tree + " }", event)
    operator, left, right = tree
    if operator == "&&":
        return reference(left, event) and reference(right, event)
    return reference(left, event) or reference(right, event)


@settings(max_examples=300, deadline=None)
@given(expressions(), events)
def test_or_and_and_mean_what_they_say(expression: tuple[str, Any], event: dict[str, Any]) -> None:
    text, tree = expression
    assert matches("{ " + text + " }", json.dumps(event)) is reference(tree, json.dumps(event))


@settings(max_examples=200, deadline=None)
@given(comparisons(), comparisons(), comparisons(), events)
def test_and_binds_tighter_than_or(a: str, b: str, c: str, event: dict[str, Any]) -> None:
    message = json.dumps(event)
    bare = matches("{ " + f"{a} || {b} && {c}" + " }", message)
    assert bare is matches("{ " + f"{a} || ({b} && {c})" + " }", message)
    assert matches("{ " + f"{a} && {b} || {c}" + " }", message) is matches("{ " + f"({a} && {b}) || {c}" + " }",
                                                                            message)
    assert bare is (reference(a, message) or (reference(b, message) and reference(c, message)))


@settings(max_examples=200, deadline=None)
@given(expressions(), events, st.sampled_from(["", " ", "  ", "\n"]))
def test_spacing_and_extra_parentheses_change_nothing(expression: tuple[str, Any], event: dict[str, Any],
                                                      space: str) -> None:
    text, _ = expression
    message = json.dumps(event)
    respaced = text.replace(" && ", f"{space}&&{space}").replace(" || ", f"{space}||{space}")
    expected = matches("{ " + text + " }", message)
    assert matches("{" + space + respaced + space + "}", message) is expected
    assert matches("{ ((" + text + ")) }", message) is expected


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(FIELDS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,11}", fullmatch=True), events,
       st.sampled_from(["=", "!="]))
def test_quoting_an_alphanumeric_value_changes_nothing(field: str, value: str, event: dict[str, Any],
                                                       operator: str) -> None:
    """A bare word that is no number means its quoted text (a bare `00` is the number 0, "00" is text)."""
    message = json.dumps(event)
    assert matches(f"{{ $.{field} {operator} {value} }}", message) is matches(
        f'{{ $.{field} {operator} "{value}" }}', message)


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[A-Za-z0-9]{0,6}", fullmatch=True), st.sampled_from(["{}*", "*{}", "*{}*", "{}"]),
       st.from_regex(r"[A-Za-z0-9]{0,10}", fullmatch=True))
def test_a_leading_or_trailing_wildcard_is_fnmatch_star(core: str, shape: str, value: str) -> None:
    pattern = shape.format(core)
    if pattern == "**":
        pattern = "*"
    expected = fnmatch.fnmatchcase(value, pattern)
    assert matches(f'{{ $.v = "{pattern}" }}', json.dumps({"v": value})) is expected
    assert matches(f'{{ $.v != "{pattern}" }}', json.dumps({"v": value})) is (not expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z0-9_]{1,6}", fullmatch=True), min_size=1, max_size=4),
       st.text(alphabet="ABCDEFGHabc_0123 ", max_size=30))
def test_terms_all_must_appear_and_any_of_one(terms: list[str], message: str) -> None:
    assert matches(" ".join(terms), message) is all(term in message for term in terms)
    assert matches(" ".join("?" + term for term in terms), message) is any(term in message for term in terms)
    assert matches(" ".join("-" + term for term in terms), message) is not any(term in message for term in terms)
