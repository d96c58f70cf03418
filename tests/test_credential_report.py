"""The credential report parser and fetcher: typed rows from the CSV AWS documents, and a ReportError that says
where for anything else, because every identity control trusts what this module hands it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from botocore.exceptions import ClientError

from awsaudit import credential_report
from awsaudit.credential_report import COLUMNS, ROOT_USER, CredentialReport, fetch, parse
from awsaudit.errors import ReportError

GENERATED = datetime(2024, 6, 1, 12, 0, 0, tzinfo=timezone.utc)
ACCOUNT_ID = "123456789012"

ROOT_VALUES: dict[str, str] = {
    "user": ROOT_USER,
    "arn": f"arn:aws:iam::{ACCOUNT_ID}:root",
    "user_creation_time": "2020-01-02T03:04:05+00:00",
    "password_enabled": "not_supported",
    "password_last_used": "2024-05-30T08:00:00+00:00",
    "password_last_changed": "not_supported",
    "password_next_rotation": "not_supported",
    "mfa_active": "TRUE",
    "access_key_1_active": "FALSE",
    "access_key_1_last_rotated": "N/A",
    "access_key_1_last_used_date": "N/A",
    "access_key_1_last_used_region": "N/A",
    "access_key_1_last_used_service": "N/A",
    "access_key_2_active": "false",
    "access_key_2_last_rotated": "N/A",
    "access_key_2_last_used_date": "N/A",
    "access_key_2_last_used_region": "N/A",
    "access_key_2_last_used_service": "N/A",
    "cert_1_active": "false",
    "cert_1_last_rotated": "N/A",
    "cert_2_active": "false",
    "cert_2_last_rotated": "N/A",
}

USER_VALUES: dict[str, str] = {
    "user": "alice",
    "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/alice",
    "user_creation_time": "2023-02-03T04:05:06+00:00",
    "password_enabled": "true",
    "password_last_used": "2024-05-31T09:30:00+02:00",
    "password_last_changed": "2024-01-15T10:00:00+00:00",
    "password_next_rotation": "2024-04-14T10:00:00+00:00",
    "mfa_active": "false",
    "access_key_1_active": "true",
    "access_key_1_last_rotated": "2024-03-01T00:00:00+00:00",
    "access_key_1_last_used_date": "2024-05-31T23:59:59-05:00",
    "access_key_1_last_used_region": "eu-west-1",
    "access_key_1_last_used_service": "s3",
    "access_key_2_active": "false",
    "access_key_2_last_rotated": "N/A",
    "access_key_2_last_used_date": "no_information",
    "access_key_2_last_used_region": "N/A",
    "access_key_2_last_used_service": "N/A",
    "cert_1_active": "TRUE",
    "cert_1_last_rotated": "2022-07-08T09:10:11+00:00",
    "cert_2_active": "N/A",
    "cert_2_last_rotated": "N/A",
}


def csv_line(values: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> str:
    return ",".join(values[column] for column in columns)


def report_bytes(*rows: dict[str, str], columns: tuple[str, ...] = COLUMNS) -> bytes:
    """A report as AWS sends it: header line, one line per row, each ending in a newline."""
    lines = [",".join(columns)] + [csv_line(row, columns) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def with_value(row: dict[str, str], column: str, value: str) -> dict[str, str]:
    return {**row, column: value}


# --- a valid report ---------------------------------------------------------------------------------------------


@pytest.fixture
def parsed() -> CredentialReport:
    return parse(report_bytes(ROOT_VALUES, USER_VALUES), GENERATED)


def test_the_fixture_rows_cover_every_documented_column() -> None:
    """Guards the helpers below: a row lacking a column would make every later test meaningless."""
    assert set(ROOT_VALUES) == set(COLUMNS) == set(USER_VALUES)
    assert len(COLUMNS) == 22


def test_parse_keeps_generated_time_and_row_order(parsed: CredentialReport) -> None:
    """Verdicts say how fresh their data was, so GeneratedTime must travel with the rows unchanged."""
    assert parsed.generated_time == GENERATED
    assert [row.user for row in parsed.rows] == [ROOT_USER, "alice"]


def test_timestamps_become_aware_datetimes_with_their_offset(parsed: CredentialReport) -> None:
    """Age thresholds compare against an aware 'now'; a lost or naive offset would shift every age."""
    alice = parsed.rows[1]
    assert alice.user_creation_time == datetime(2023, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    assert alice.password_last_used == datetime(2024, 5, 31, 9, 30, tzinfo=timezone(timedelta(hours=2)))
    assert alice.password_last_used is not None and alice.password_last_used.utcoffset() == timedelta(hours=2)
    assert alice.access_key_1_last_used_date == datetime(2024, 6, 1, 4, 59, 59, tzinfo=timezone.utc)
    assert alice.access_key_1_last_used_date is not None
    assert alice.access_key_1_last_used_date.utcoffset() == timedelta(hours=-5)
    assert alice.cert_1_last_rotated == datetime(2022, 7, 8, 9, 10, 11, tzinfo=timezone.utc)


def test_booleans_accept_both_cases(parsed: CredentialReport) -> None:
    """AWS writes true/false for users and TRUE/FALSE in places; both must mean the same thing."""
    root, alice = parsed.rows
    assert root.mfa_active is True
    assert root.access_key_1_active is False
    assert root.access_key_2_active is False
    assert alice.password_enabled is True
    assert alice.mfa_active is False
    assert alice.access_key_1_active is True
    assert alice.cert_1_active is True


def test_absent_markers_become_none(parsed: CredentialReport) -> None:
    """N/A, no_information and not_supported all mean 'no value', never a value a control could compare."""
    root, alice = parsed.rows
    assert root.password_enabled is None  # not_supported
    assert root.password_last_changed is None  # not_supported
    assert root.access_key_1_last_rotated is None  # N/A
    assert root.access_key_1_last_used_region is None  # N/A text column
    assert alice.access_key_2_last_used_date is None  # no_information
    assert alice.cert_2_active is None  # N/A boolean column


def test_text_columns_stay_text(parsed: CredentialReport) -> None:
    alice = parsed.rows[1]
    assert alice.arn == f"arn:aws:iam::{ACCOUNT_ID}:user/alice"
    assert alice.access_key_1_last_used_region == "eu-west-1"
    assert alice.access_key_1_last_used_service == "s3"


def test_raw_keeps_the_exact_strings(parsed: CredentialReport) -> None:
    """Evidence quotes the report as AWS wrote it, so raw must not be normalised."""
    root, alice = parsed.rows
    assert root.raw == ROOT_VALUES
    assert alice.raw == USER_VALUES
    assert root.raw["mfa_active"] == "TRUE"
    assert root.raw["password_enabled"] == "not_supported"
    assert alice.raw["access_key_2_last_used_date"] == "no_information"


def test_root_returns_the_root_row(parsed: CredentialReport) -> None:
    root = parsed.root
    assert root.is_root
    assert root.arn == f"arn:aws:iam::{ACCOUNT_ID}:root"
    assert not parsed.rows[1].is_root


def test_crlf_line_endings_and_blank_lines_are_accepted() -> None:
    """A report saved on another system or with a trailing blank line is still the same report."""
    content = report_bytes(ROOT_VALUES, USER_VALUES).replace(b"\n", b"\r\n") + b"\r\n"
    report = parse(content, GENERATED)
    assert [row.user for row in report.rows] == [ROOT_USER, "alice"]


# --- malformed reports ------------------------------------------------------------------------------------------


def test_non_utf8_content_is_rejected_with_the_byte_offset() -> None:
    header = (",".join(COLUMNS) + "\n").encode("utf-8")
    content = header + b"\xff\xfe" + csv_line(ROOT_VALUES).encode("utf-8")
    with pytest.raises(ReportError, match=rf"not UTF-8 text \(byte {len(header)}\)"):
        parse(content, GENERATED)


def test_empty_content_is_rejected() -> None:
    with pytest.raises(ReportError, match="the credential report is empty"):
        parse(b"", GENERATED)


def test_a_missing_column_is_named() -> None:
    columns = tuple(c for c in COLUMNS if c != "mfa_active")
    with pytest.raises(ReportError, match="header is not the documented one: missing mfa_active$"):
        parse(report_bytes(ROOT_VALUES, columns=columns), GENERATED)


def test_an_unknown_extra_column_is_named() -> None:
    columns = COLUMNS + ("password_age",)
    row = {**ROOT_VALUES, "password_age": "3"}
    with pytest.raises(ReportError, match="header is not the documented one: unknown password_age$"):
        parse(report_bytes(row, columns=columns), GENERATED)


def test_columns_out_of_order_are_rejected() -> None:
    """Same names in another order: parsing by position would put values under the wrong column."""
    swapped = list(COLUMNS)
    swapped[7], swapped[8] = swapped[8], swapped[7]  # mfa_active <-> access_key_1_active
    with pytest.raises(ReportError, match="header is not the documented one: columns out of order$"):
        parse(report_bytes(ROOT_VALUES, columns=tuple(swapped)), GENERATED)


def test_a_repeated_column_is_named() -> None:
    columns = COLUMNS + ("mfa_active",)
    row = {**ROOT_VALUES}
    with pytest.raises(ReportError, match="header is not the documented one: repeated mfa_active$"):
        parse(report_bytes(row, columns=columns), GENERATED)


def test_a_truncated_last_row_is_rejected_with_its_line_and_field_count() -> None:
    """A download cut short must not yield a user row with silently missing credentials."""
    full = report_bytes(ROOT_VALUES, USER_VALUES)
    cut = full[: full.index(b",true,", full.index(b"alice"))]  # alice's row ends before password_enabled
    fields_left = cut.decode().splitlines()[-1].count(",") + 1
    assert fields_left == 3
    with pytest.raises(ReportError, match=rf"line 3 has {fields_left} fields, expected {len(COLUMNS)}"):
        parse(cut, GENERATED)


def test_an_unknown_boolean_names_line_user_column_and_value() -> None:
    content = report_bytes(ROOT_VALUES, with_value(USER_VALUES, "mfa_active", "yes"))
    with pytest.raises(ReportError) as caught:
        parse(content, GENERATED)
    message = str(caught.value)
    assert message.startswith("credential report line 3 ('alice'), column mfa_active: 'yes'")
    assert "expected true, false" in message


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2024-05-01T10:00:00", "with a UTC offset"),
        ("2024-05-01", "with a UTC offset"),
        ("yesterday", "expected an ISO 8601 timestamp"),
        ("", "expected an ISO 8601 timestamp"),
    ],
)
def test_a_bad_timestamp_names_line_column_and_why(value: str, reason: str) -> None:
    """A naive time cannot be compared with the audit clock; garbage cannot be judged at all."""
    content = report_bytes(with_value(ROOT_VALUES, "password_last_used", value), USER_VALUES)
    with pytest.raises(ReportError) as caught:
        parse(content, GENERATED)
    message = str(caught.value)
    assert message.startswith(f"credential report line 2 ({ROOT_USER!r}), column password_last_used: {value!r}")
    assert reason in message


def test_a_row_without_an_arn_is_rejected() -> None:
    content = report_bytes(ROOT_VALUES, with_value(USER_VALUES, "arn", "N/A"))
    with pytest.raises(ReportError, match="line 3 has no user name or ARN"):
        parse(content, GENERATED)


def test_a_report_without_a_root_row_is_rejected() -> None:
    """Every control that reads the report errors: one without the root user cannot be the account's whole report."""
    with pytest.raises(ReportError, match=f"has no {ROOT_USER} row, expected exactly one"):
        parse(report_bytes(USER_VALUES), GENERATED)


def test_a_report_with_two_root_rows_is_rejected() -> None:
    """Which of two root rows is true cannot be known, so neither is picked, and no user row is trusted either."""
    second = with_value(ROOT_VALUES, "mfa_active", "false")
    with pytest.raises(ReportError, match=f"has 2 {ROOT_USER} rows \\(lines 2 and 4\\), expected exactly one"):
        parse(report_bytes(ROOT_VALUES, USER_VALUES, second), GENERATED)


@pytest.mark.parametrize("again", ["alice", "ALICE"])
def test_a_user_on_two_rows_is_rejected_naming_user_and_lines(again: str) -> None:
    """A stale row must not hide behind a fresh one of the same name (IAM user names ignore case)."""
    stale = with_value(with_value(USER_VALUES, "user", again), "access_key_1_last_rotated", "2019-01-01T00:00:00+00:00")
    with pytest.raises(ReportError) as caught:
        parse(report_bytes(ROOT_VALUES, USER_VALUES, stale), GENERATED)
    assert str(caught.value) == ("the credential report names user 'alice' on lines 3 and 4: which row is current "
                                 "cannot be known")


# --- fetch ------------------------------------------------------------------------------------------------------


def client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": f"{code} from the fake"}}, operation)


class FakeIam:
    """Answers GenerateCredentialReport from a script (the last entry repeats) and serves one fixed report."""

    def __init__(self, script: list[str | ClientError], content: bytes, generated: datetime) -> None:
        self.script = script
        self.content = content
        self.generated = generated
        self.generate_calls = 0
        self.get_calls = 0

    def generate_credential_report(self) -> dict[str, Any]:
        step = self.script[min(self.generate_calls, len(self.script) - 1)]
        self.generate_calls += 1
        if isinstance(step, ClientError):
            raise step
        return {"State": step, "Description": "fake"}

    def get_credential_report(self) -> dict[str, Any]:
        self.get_calls += 1
        return {"Content": self.content, "GeneratedTime": self.generated, "ReportFormat": "text/csv"}


class FakeTime:
    """A monotonic clock that only moves when fetch sleeps, so waits are counted, never spent."""

    def __init__(self, start: float = 5000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def content() -> bytes:
    return report_bytes(ROOT_VALUES, USER_VALUES)


def test_fetch_polls_until_complete_then_downloads_once(content: bytes) -> None:
    iam = FakeIam(["STARTED", "INPROGRESS", "COMPLETE"], content, GENERATED)
    time = FakeTime()
    report = fetch(iam, timeout=60, sleep=time.sleep, clock=time.clock)
    assert iam.generate_calls == 3
    assert time.sleeps == [0.5, 1.0]
    assert iam.get_calls == 1
    assert report.generated_time == GENERATED
    assert report.root.mfa_active is True
    assert [row.user for row in report.rows] == [ROOT_USER, "alice"]


def test_fetch_does_not_sleep_when_the_report_is_ready(content: bytes) -> None:
    iam = FakeIam(["COMPLETE"], content, GENERATED)
    time = FakeTime()
    fetch(iam, timeout=60, sleep=time.sleep, clock=time.clock)
    assert (iam.generate_calls, iam.get_calls, time.sleeps) == (1, 1, [])


def test_fetch_backs_off_and_caps_the_delay(content: bytes) -> None:
    """Short waits first (most reports are quick), then a steady cap rather than ever longer sleeps."""
    iam = FakeIam(["INPROGRESS"] * 6 + ["COMPLETE"], content, GENERATED)
    time = FakeTime()
    fetch(iam, timeout=600, sleep=time.sleep, clock=time.clock)
    assert iam.generate_calls == 7
    assert time.sleeps == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    assert time.sleeps[:4] == list(credential_report.POLL_DELAYS)


def test_fetch_gives_up_at_the_timeout_and_names_the_setting(content: bytes) -> None:
    iam = FakeIam(["INPROGRESS"], content, GENERATED)
    time = FakeTime()
    with pytest.raises(ReportError) as caught:
        fetch(iam, timeout=10, sleep=time.sleep, clock=time.clock)
    message = str(caught.value)
    assert "still INPROGRESS after 10 s" in message
    assert "credential_report_timeout" in message
    # 0.5 + 1 + 2 + 4 = 7.5 s waited; it waits out the 2.5 s left, polls a last time, then gives up.
    assert time.sleeps == [0.5, 1.0, 2.0, 4.0, 2.5]
    assert iam.generate_calls == 6
    assert sum(time.sleeps) == 10
    assert iam.get_calls == 0


def test_fetch_treats_generation_limit_exceeded_as_still_generating(content: bytes) -> None:
    """AWS answers this while another generation for the account runs: the report is coming, keep polling."""
    busy = client_error("ReportGenerationLimitExceeded", "GenerateCredentialReport")
    iam = FakeIam([busy, busy, "COMPLETE"], content, GENERATED)
    time = FakeTime()
    report = fetch(iam, timeout=60, sleep=time.sleep, clock=time.clock)
    assert iam.generate_calls == 3
    assert time.sleeps == [0.5, 1.0]
    assert report.generated_time == GENERATED


def test_fetch_reports_generation_limit_as_inprogress_on_timeout(content: bytes) -> None:
    busy = client_error("ReportGenerationLimitExceeded", "GenerateCredentialReport")
    iam = FakeIam([busy], content, GENERATED)
    time = FakeTime()
    with pytest.raises(ReportError, match="still INPROGRESS after 2 s .*credential_report_timeout"):
        fetch(iam, timeout=2, sleep=time.sleep, clock=time.clock)
    assert iam.get_calls == 0


def test_fetch_lets_any_other_client_error_propagate(content: bytes) -> None:
    """A denial is not 'still generating': retrying it until the timeout would hide the real cause."""
    denied = client_error("AccessDenied", "GenerateCredentialReport")
    iam = FakeIam([denied, "COMPLETE"], content, GENERATED)
    time = FakeTime()
    with pytest.raises(ClientError) as caught:
        fetch(iam, timeout=60, sleep=time.sleep, clock=time.clock)
    assert caught.value is denied
    assert iam.generate_calls == 1
    assert iam.get_calls == 0
    assert time.sleeps == []


def test_fetch_passes_parse_errors_on() -> None:
    """A downloaded report is parsed with the same checks as any other; fetch must not swallow them."""
    iam = FakeIam(["COMPLETE"], b"", GENERATED)
    time = FakeTime()
    with pytest.raises(ReportError, match="empty"):
        fetch(iam, timeout=60, sleep=time.sleep, clock=time.clock)


def test_a_field_too_large_for_csv_is_a_report_error() -> None:
    huge = report_bytes(with_value(ROOT_VALUES, "arn", "x" * 200_000))
    with pytest.raises(ReportError, match="the credential report is not valid CSV: field larger than field limit"):
        parse(huge, GENERATED)
