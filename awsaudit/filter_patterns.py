"""CloudWatch Logs filter patterns, parsed and evaluated: what a metric filter MATCHES, not how it is written.

A metric filter's pattern is judged by the events it matches: `{ ($.eventName = CreateRoute) || ... }` and the same
clauses reordered, re-spaced, re-quoted or re-parenthesised are one filter; `{ $.eventName = CreateRoute* }` is a
different one. AWS answers the question itself (logs:TestMetricFilter); this module answers it offline, for the
twins and for tests, with the rules the CloudWatch Logs User Guide documents ("Filter pattern syntax for metric
filters, subscription filters, filter log events"; "Using filter patterns to match terms in JSON log events").

Kinds of pattern:
- the empty pattern (or only blanks): matches every event (documented: the API allows length 0; CDK's allEvents()).
- JSON: `{ EXPRESSION }` over JSON events, EXPRESSION being comparisons joined by `&&` and `||` with parentheses,
  precedence `()` > `&&` > `||` (documented).
- terms: `ERROR "Failed to process" ?WARN -DEBUG` (all plain terms present, at least one `?` term when any is given,
  no `-` term present; substring and case-sensitive: documented, "ERROR" matches "ERRORCODE").
- space-delimited `[a, b=x, ...]` and regular expressions `%...%` are valid for AWS but not evaluated here:
  UnsupportedPattern says so (they never describe CloudTrail's JSON records).

What AWS documents, and what this module infers (marked "inferred" in the code):
- documented: selectors `$.a.b`, `$.a[0]`, `$.a[0][1]` (names of letters, digits, `-`, `_`); `=`/`!=` on strings,
  quoted or bare; `=`, `!=`, `<`, `<=`, `>`, `>=` on numbers (optional sign, decimals, exponent); `*` matching any
  text at the start or end of a string (`*Event`, `Event*`; `Ev*ent` "will only match the actual string Ev*ent"),
  `= *` matching any value; `IS NULL`, `NOT EXISTS`, `IS TRUE`, `IS FALSE`; a selector that reaches an array or an
  object matches neither `=` nor `!=`; case-sensitive matching.
- observed by users with AWS's own pattern tester (DataBiosphere/azul#5884): `$.field != "x"` does NOT match an
  event without the field. So a comparison, `!=` included, is false unless the selector reaches a string or a number.
- inferred: the same for `null` and booleans (not "value nodes"); a number compared with a bare numeric literal is
  compared as a number (`1.0 = 1`), and a string that reads as a number is compared numerically too; `<`/`>` on a
  non-numeric value is false; a wildcard string compared with a number compares with its JSON text; `\\` in a quoted
  string escapes the next character; keywords are upper case; bare strings may hold letters, digits and
  `_ - . : / + *` (CIS writes `iam.amazonaws.com` bare; AWS documents `@`, `$`, `\\` as needing quotes); a message
  that is not a JSON object matches no JSON pattern.

A pattern that does not parse raises FilterPatternError naming the position (AWS answers InvalidParameterException).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Union

__all__ = ["FilterPatternError", "UnsupportedPattern", "Pattern", "parse", "matches", "test_metric_filter"]


class FilterPatternError(ValueError):
    """The pattern does not parse: `position` is the 0-based offset in the pattern where parsing stopped."""

    def __init__(self, message: str, pattern: str, position: int) -> None:
        super().__init__(f"invalid filter pattern at position {position}: {message} (in {pattern!r})")
        self.pattern = pattern
        self.position = position
        self.reason = message


class UnsupportedPattern(FilterPatternError):
    """A valid kind of pattern this evaluator does not evaluate (space-delimited, regular expression)."""


# --- the syntax tree ---------------------------------------------------------------------------------------------

Step = Union[str, int]  # a property name, or an array index


@dataclass(frozen=True)
class Selector:
    steps: tuple[Step, ...]

    def __str__(self) -> str:
        return "$" + "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.steps)


@dataclass(frozen=True)
class Comparison:
    selector: Selector
    operator: str  # = != < <= > >=
    value: str  # the literal's text, unquoted
    quoted: bool
    number: float | None  # the literal as a number, when bare and numeric


@dataclass(frozen=True)
class Test:
    selector: Selector
    test: str  # "IS NULL", "NOT EXISTS", "IS TRUE", "IS FALSE"


@dataclass(frozen=True)
class And:
    parts: tuple[Expression, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Expression, ...]


Expression = Union[Comparison, Test, And, Or]


@dataclass(frozen=True)
class Terms:
    required: tuple[str, ...]
    any_of: tuple[str, ...]
    excluded: tuple[str, ...]


@dataclass(frozen=True)
class Pattern:
    """A parsed filter pattern: `matches(message)` says whether an event's message matches it."""

    text: str
    json: Expression | None = None  # a JSON pattern
    terms: Terms | None = None  # a term pattern; neither: the empty pattern

    def matches(self, message: str) -> bool:
        if self.json is not None:
            event = _load(message)
            return event is not _NOT_JSON and _evaluate(self.json, event)
        if self.terms is not None:
            t = self.terms
            return (all(term in message for term in t.required)
                    and (not t.any_of or any(term in message for term in t.any_of))
                    and not any(term in message for term in t.excluded))
        return True


# --- parsing -----------------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z0-9_-]+")
_BARE = re.compile(r"[A-Za-z0-9_\-.:/+*]+")  # inferred: see the module docstring
_TESTS = (("IS", "NULL"), ("NOT", "EXISTS"), ("IS", "TRUE"), ("IS", "FALSE"))
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">")


class _Parser:
    def __init__(self, text: str, start: int, end: int) -> None:
        self.text, self.at, self.end = text, start, end

    def fail(self, message: str, at: int | None = None) -> FilterPatternError:
        return FilterPatternError(message, self.text, self.at if at is None else at)

    def blank(self) -> None:
        while self.at < self.end and self.text[self.at].isspace():
            self.at += 1

    def peek(self, token: str) -> bool:
        self.blank()
        return self.text.startswith(token, self.at) and self.at + len(token) <= self.end

    def take(self, token: str) -> bool:
        if self.peek(token):
            self.at += len(token)
            return True
        return False

    def what(self) -> str:
        return repr(self.text[self.at]) if self.at < self.end else "the end of the expression"

    def expression(self) -> Expression:
        parts = [self.conjunction()]
        while self.take("||"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def conjunction(self) -> Expression:
        parts = [self.unary()]
        while self.take("&&"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def unary(self) -> Expression:
        if self.take("("):
            inner = self.expression()
            if not self.take(")"):
                raise self.fail(f"expected ')' or an operator, found {self.what()}")
            return inner
        return self.condition()

    def selector(self) -> Selector:
        self.blank()
        if not self.take("$"):
            raise self.fail(f"expected a selector ($.field) or '(', found {self.what()}")
        steps: list[Step] = []
        while self.at < self.end and self.text[self.at] in ".[":
            if self.text[self.at] == ".":
                found = _NAME.match(self.text, self.at + 1, self.end)
                if not found:
                    raise self.fail("expected a property name after '.'", self.at + 1)
                steps.append(found.group())
                self.at = found.end()
            else:
                found = re.compile(r"\[(\d+)\]").match(self.text, self.at, self.end)
                if not found or not steps:
                    raise self.fail("expected an array index [NUMBER] after a property", self.at)
                steps.append(int(found.group(1)))
                self.at = found.end()
        if not steps:
            raise self.fail("expected '.' and a property name after '$'")
        return Selector(tuple(steps))

    def condition(self) -> Expression:
        selector = self.selector()
        self.blank()
        for first, second in _TESTS:
            here = self.at
            if self.word(first):
                if self.word(second):
                    return Test(selector, f"{first} {second}")
                self.at = here
        for operator in _OPERATORS:
            if self.take(operator):
                return self.literal(selector, operator)
        raise self.fail(f"expected an operator (= != < <= > >=), IS NULL, NOT EXISTS, IS TRUE or IS FALSE after "
                        f"{selector}, found {self.what()}")

    def word(self, word: str) -> bool:
        self.blank()
        following = self.at + len(word)
        if (self.text.startswith(word, self.at) and following <= self.end
                and (following == self.end or not self.text[following].isalnum())):
            self.at = following
            return True
        return False

    def literal(self, selector: Selector, operator: str) -> Comparison:
        self.blank()
        start = self.at
        if self.at < self.end and self.text[self.at] == '"':
            value, self.at = self.quoted(self.at)
            if operator not in ("=", "!="):
                raise self.fail(f"{operator} compares numbers: a quoted string cannot follow it", start)
            return Comparison(selector, operator, value, True, None)
        found = _BARE.match(self.text, self.at, self.end)
        if not found:
            raise self.fail(f"expected a value after {operator}, found {self.what()} (quote values holding other "
                            "characters than letters, digits and _-.:/+*)")
        self.at = found.end()
        text = found.group()
        number = float(text) if _NUMBER.fullmatch(text) else None
        if number is not None and not math.isfinite(number):
            number = None
        if operator not in ("=", "!=") and number is None:
            raise self.fail(f"{operator} compares numbers: {text!r} is not a number", start)
        return Comparison(selector, operator, text, False, number)

    def quoted(self, start: int) -> tuple[str, int]:
        out, at = [], start + 1
        while at < self.end:
            char = self.text[at]
            if char == "\\" and at + 1 < self.end:
                out.append(self.text[at + 1])
                at += 2
            elif char == '"':
                return "".join(out), at + 1
            else:
                out.append(char)
                at += 1
        raise self.fail("unterminated quoted string", start)


def parse(text: str) -> Pattern:
    """Parse a filter pattern; FilterPatternError (with the position) when AWS would refuse it."""
    stripped = text.strip()
    if not stripped:
        return Pattern(text)
    start = len(text) - len(text.lstrip())
    if stripped[0] == "{":
        end = len(text.rstrip())
        if stripped[-1] != "}":
            raise FilterPatternError("a JSON pattern ends with '}'", text, end)
        parser = _Parser(text, start + 1, end - 1)
        parser.blank()
        if parser.at == parser.end:
            raise FilterPatternError("empty JSON expression", text, parser.at)
        expression = parser.expression()
        parser.blank()
        if parser.at != parser.end:
            raise parser.fail(f"expected '&&', '||' or '}}', found {parser.what()}")
        return Pattern(text, json=expression)
    if stripped[0] == "[":
        raise UnsupportedPattern("space-delimited patterns ([field, ...]) are not evaluated offline", text, start)
    if stripped[0] == "%":
        raise UnsupportedPattern("regular-expression patterns (%...%) are not evaluated offline", text, start)
    return Pattern(text, terms=_terms(text, start))


def _terms(text: str, at: int) -> Terms:
    groups: dict[str, list[str]] = {"": [], "?": [], "-": []}
    end = len(text)
    while True:
        while at < end and text[at].isspace():
            at += 1
        if at >= end:
            break
        kind = ""
        if text[at] in "?-":
            kind = text[at]
            at += 1
            while at < end and text[at].isspace():  # documented: "ERROR" - "Exiting"
                at += 1
            if at >= end:
                raise FilterPatternError(f"expected a term after {kind!r}", text, at)
        if text[at] == '"':
            term, at = _Parser(text, at, end).quoted(at)
        else:
            found = re.compile(r"[A-Za-z0-9_]+").match(text, at)
            if not found:
                raise FilterPatternError(f"terms holding {text[at]!r} must be quoted", text, at)
            term, at = found.group(), found.end()
            if at < end and not text[at].isspace():
                raise FilterPatternError(f"terms holding {text[at]!r} must be quoted", text, at)
        groups[kind].append(term)
    return Terms(tuple(groups[""]), tuple(groups["?"]), tuple(groups["-"]))


# --- evaluation --------------------------------------------------------------------------------------------------

_NOT_JSON = object()
_MISSING = object()


def _load(message: str) -> Any:
    try:
        event = json.loads(message)
    except ValueError:
        return _NOT_JSON
    return event if isinstance(event, dict) else _NOT_JSON  # inferred


def _resolve(event: Any, selector: Selector) -> Any:
    node = event
    for step in selector.steps:
        if isinstance(step, int):
            if not isinstance(node, list) or step >= len(node):
                return _MISSING
            node = node[step]
        else:
            if not isinstance(node, dict) or step not in node:
                return _MISSING
            node = node[step]
    return node


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value)
    return None


def _string_equal(pattern: str, value: str) -> bool:
    if pattern == "*":
        return True
    # documented: '*' matches any text at, before or after the term; inside a term it is a literal character
    head, tail = pattern.startswith("*"), pattern.endswith("*") and len(pattern) > 1
    core = pattern[1 if head else 0:len(pattern) - (1 if tail else 0)]
    if head and tail:
        return core in value
    if head:
        return value.endswith(core)
    if tail:
        return value.startswith(core)
    return value == core


def _compare(comparison: Comparison, value: Any) -> bool:
    if value is _MISSING or value is None or isinstance(value, (bool, list, dict)):
        return False  # not a value node: neither = nor != matches (documented for arrays/objects; see docstring)
    operator = comparison.operator
    if comparison.number is not None:
        number = _as_number(value)
        if number is None:  # a numeric literal against text that is no number
            if operator in ("=", "!="):
                equal = isinstance(value, str) and value == comparison.value
                return equal if operator == "=" else not equal
            return False
        return {"=": number == comparison.number, "!=": number != comparison.number,
                "<": number < comparison.number, "<=": number <= comparison.number,
                ">": number > comparison.number, ">=": number >= comparison.number}[operator]
    text = value if isinstance(value, str) else json.dumps(value)
    equal = _string_equal(comparison.value, text)
    return equal if operator == "=" else not equal


def _evaluate(expression: Expression, event: Any) -> bool:
    if isinstance(expression, Or):
        return any(_evaluate(part, event) for part in expression.parts)
    if isinstance(expression, And):
        return all(_evaluate(part, event) for part in expression.parts)
    value = _resolve(event, expression.selector)
    if isinstance(expression, Test):
        return {"IS NULL": value is None, "NOT EXISTS": value is _MISSING,
                "IS TRUE": value is True, "IS FALSE": value is False}[expression.test]
    return _compare(expression, value)


def matches(pattern: str | Pattern, message: str) -> bool:
    """Whether an event's message matches the pattern (parsed first when given as text)."""
    return (parse(pattern) if isinstance(pattern, str) else pattern).matches(message)


def test_metric_filter(pattern: str, messages: Iterable[str]) -> dict[str, Any]:
    """logs:TestMetricFilter's answer: the events that match, numbered from 1 in the order given (the numbering is
    inferred; AWS documents only "the event number"), with no extracted values (AWS extracts values only for
    space-delimited patterns)."""
    parsed = parse(pattern)
    return {"matches": [{"eventNumber": number, "eventMessage": message, "extractedValues": {}}
                        for number, message in enumerate(messages, 1) if parsed.matches(message)]}


test_metric_filter.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, whatever its name
