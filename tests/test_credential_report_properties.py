"""Property tests of the credential report parser: it either parses or says what is wrong, never anything else."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from awsaudit.credential_report import ABSENT, COLUMNS, ROOT_USER, CredentialReport, parse
from awsaudit.errors import ReportError

GENERATED = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
BOOLEAN = {c for c in COLUMNS if c.endswith("_active") or c == "password_enabled"}
TEXT = {"user", "arn"} | {c for c in COLUMNS if c.endswith(("_region", "_service"))}

times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1),
                     timezones=st.just(timezone.utc)).map(lambda t: t.replace(microsecond=0).isoformat())
absent = st.sampled_from(sorted(ABSENT))
# Any text a CSV field can hold, quotes, commas and line breaks included; none of AWS's special values.
names = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00\r"), min_size=1).filter(
    lambda t: t not in ABSENT)


def value_of(column: str) -> st.SearchStrategy[str]:
    if column in ("user", "arn"):
        return names
    if column in TEXT:
        return names | absent
    if column in BOOLEAN:
        return st.sampled_from(["true", "false", "TRUE", "FALSE"]) | absent
    return times | absent


rows = st.fixed_dictionaries({column: value_of(column) for column in COLUMNS})


def render(raw_rows: list[dict[str, str]], header: tuple[str, ...] = COLUMNS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row[c] for c in header] for row in raw_rows)
    return out.getvalue().encode("utf-8")


def expected(column: str, value: str) -> object:
    if value in ABSENT and column not in ("user", "arn"):
        return None
    if column in BOOLEAN:
        return value.lower() == "true"
    if column in TEXT:
        return value
    return datetime.fromisoformat(value)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_any_bytes_parse_or_raise_the_parsers_own_error(content: bytes) -> None:
    try:
        report = parse(content, GENERATED)
    except ReportError as exc:
        assert str(exc)
    else:
        assert isinstance(report, CredentialReport)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(names | absent | times, max_size=25), max_size=4), st.booleans())
def test_any_table_under_the_documented_header_parses_or_says_where(cells: list[list[str]], header: bool) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(COLUMNS)
    writer.writerows(cells)
    try:
        parse(out.getvalue().encode("utf-8"), GENERATED)
    except ReportError as exc:
        assert "credential report" in str(exc)


# Users whose names often meet again, in another case too: IAM user names are unique whatever their case.
users = st.fixed_dictionaries({**{column: value_of(column) for column in COLUMNS},
                               "user": st.sampled_from(["alice", "Alice", "bob"]) | names})


def with_root(raw: dict[str, str]) -> dict[str, str]:
    return {**raw, "user": ROOT_USER}


@settings(max_examples=200, deadline=None)
@given(rows, st.lists(users.filter(lambda raw: raw["user"].lower() != ROOT_USER), max_size=4,
                      unique_by=lambda raw: raw["user"].lower()))
def test_a_report_rendered_from_rows_parses_back_to_the_same_rows(root: dict[str, str],
                                                                 people: list[dict[str, str]]) -> None:
    raw_rows = [with_root(root), *people]
    report = parse(render(raw_rows), GENERATED)
    assert [row.raw for row in report.rows] == raw_rows
    for row, raw in zip(report.rows, raw_rows):
        assert {c: getattr(row, c) for c in COLUMNS} == {c: expected(c, raw[c]) for c in COLUMNS}
    assert report.root.raw == raw_rows[0]
    assert [row.raw for row in report.users] == people


@settings(max_examples=300, deadline=None)
@given(st.lists(users, max_size=4), st.lists(rows.map(with_root), max_size=3), st.data())
def test_only_a_report_with_one_root_row_and_one_row_per_user_is_accepted(
        people: list[dict[str, str]], roots: list[dict[str, str]], data: st.DataObject) -> None:
    """The root controls and every user control read one report: either all may trust it, or none."""
    raw_rows = data.draw(st.permutations([*people, *roots]))
    names = [raw["user"].lower() for raw in raw_rows]
    trusted = names.count(ROOT_USER) == 1 and len(set(names)) == len(names)
    try:
        report = parse(render(raw_rows), GENERATED)
    except ReportError as exc:
        assert not trusted, exc
        assert "<root_account>" in str(exc) or "names user" in str(exc)
    else:
        assert trusted
        assert report.root.user == ROOT_USER
