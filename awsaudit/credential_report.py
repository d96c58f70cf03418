"""The IAM credential report: generated, fetched and parsed into typed rows, or rejected with the reason.

One report holds the password, MFA, access key and signing certificate state of the root user and every IAM user,
so it is the bulk source most identity controls read. AWS reuses a report for up to four hours: the
GeneratedTime travels with the rows so every verdict can say how fresh its data was.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, Callable

from botocore.exceptions import ClientError

from awsaudit.errors import ReportError, error_code
from awsaudit.findings import Resource

ROOT_USER = "<root_account>"

# Values AWS writes where a credential does not exist, was never used, or is not tracked for this user.
ABSENT = frozenset({"N/A", "no_information", "not_supported"})


@dataclass(frozen=True)
class Slot:
    """An access key or signing certificate in report slot 1 or 2."""

    kind: str  # "access key" or "certificate"
    number: int
    active: bool
    last_rotated: datetime | None
    last_used: datetime | None = None  # access keys only

    @property
    def label(self) -> str:
        return f"{self.kind} {self.number}"


@dataclass(frozen=True)
class CredentialRow:
    """One user's row; None wherever the report says N/A, no_information or not_supported."""

    user: str
    arn: str
    user_creation_time: datetime | None
    password_enabled: bool | None
    password_last_used: datetime | None
    password_last_changed: datetime | None
    password_next_rotation: datetime | None
    mfa_active: bool | None
    access_key_1_active: bool | None
    access_key_1_last_rotated: datetime | None
    access_key_1_last_used_date: datetime | None
    access_key_1_last_used_region: str | None
    access_key_1_last_used_service: str | None
    access_key_2_active: bool | None
    access_key_2_last_rotated: datetime | None
    access_key_2_last_used_date: datetime | None
    access_key_2_last_used_region: str | None
    access_key_2_last_used_service: str | None
    cert_1_active: bool | None
    cert_1_last_rotated: datetime | None
    cert_2_active: bool | None
    cert_2_last_rotated: datetime | None
    raw: dict[str, str]

    @property
    def is_root(self) -> bool:
        return self.user == ROOT_USER

    @property
    def resource(self) -> Resource:
        """The user as a judged resource: its ARN, named by its user name."""
        return Resource(self.arn, "AWS::IAM::User", name=self.user)

    @property
    def access_keys(self) -> list[Slot]:
        """The user's access keys: active ones, and inactive ones that still exist (they have a rotation date)."""
        return [Slot("access key", n, bool(getattr(self, f"access_key_{n}_active")),
                     getattr(self, f"access_key_{n}_last_rotated"), getattr(self, f"access_key_{n}_last_used_date"))
                for n in (1, 2)
                if getattr(self, f"access_key_{n}_active") or getattr(self, f"access_key_{n}_last_rotated")]

    @property
    def active_access_keys(self) -> list[Slot]:
        return [key for key in self.access_keys if key.active]

    @property
    def active_certificates(self) -> list[Slot]:
        return [Slot("certificate", n, True, getattr(self, f"cert_{n}_last_rotated"))
                for n in (1, 2) if getattr(self, f"cert_{n}_active")]


COLUMNS = tuple(f.name for f in fields(CredentialRow) if f.name != "raw")


@dataclass(frozen=True)
class CredentialReport:
    """A report `parse` accepted: exactly one root row, and one row per user."""

    generated_time: datetime
    rows: tuple[CredentialRow, ...]

    @property
    def users(self) -> tuple[CredentialRow, ...]:
        """The IAM users' rows, without the root user's."""
        return tuple(row for row in self.rows if not row.is_root)

    @property
    def root(self) -> CredentialRow:
        return next(row for row in self.rows if row.is_root)


def _parse_bool(value: str) -> bool | None:
    if value in ABSENT:
        return None
    lowered = value.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    raise ValueError("expected true, false, N/A or not_supported")


def _parse_time(value: str) -> datetime | None:
    if value in ABSENT:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("expected an ISO 8601 timestamp, N/A, no_information or not_supported") from None
    if parsed.tzinfo is None:
        raise ValueError("expected a timestamp with a UTC offset")
    return parsed


def _parse_text(value: str) -> str | None:
    return None if value in ABSENT else value


_PARSERS: dict[str, Callable[[str], Any]] = {
    name: _parse_bool if name.endswith("_active") or name == "password_enabled"
    else _parse_text if name in ("user", "arn") or name.endswith(("_region", "_service"))
    else _parse_time
    for name in COLUMNS
}


def parse(content: bytes, generated_time: datetime) -> CredentialReport:
    """Parse the CSV AWS returns; any deviation from the documented format raises ReportError saying where."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ReportError(f"the credential report is not UTF-8 text (byte {exc.start})") from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ReportError(f"the credential report is not valid CSV: {exc}") from None
    if not lines:
        raise ReportError("the credential report is empty")
    header = tuple(lines[0])
    if header != COLUMNS:
        missing = [c for c in COLUMNS if c not in header]
        extra = [c for c in header if c not in COLUMNS]
        repeated = sorted({c for c in header if header.count(c) > 1})
        detail = "; ".join(
            part for part in (
                f"missing {', '.join(missing)}" if missing else "",
                f"unknown {', '.join(extra)}" if extra else "",
                f"repeated {', '.join(repeated)}" if repeated else "",
            ) if part
        ) or "columns out of order"
        raise ReportError(f"the credential report header is not the documented one: {detail}")
    rows: list[tuple[int, CredentialRow]] = []
    for number, values in enumerate(lines[1:], start=2):
        if not values:
            continue
        if len(values) != len(COLUMNS):
            raise ReportError(
                f"credential report line {number} has {len(values)} fields, expected {len(COLUMNS)}"
            )
        raw = dict(zip(COLUMNS, values))
        typed = {}
        for column, value in raw.items():
            try:
                typed[column] = _PARSERS[column](value)
            except ValueError as exc:
                raise ReportError(
                    f"credential report line {number} ({raw['user']!r}), column {column}: {value!r} — {exc}"
                ) from None
        if not typed["user"] or not typed["arn"]:
            raise ReportError(f"credential report line {number} has no user name or ARN")
        rows.append((number, CredentialRow(**typed, raw=raw)))
    _one_row_each(rows)
    return CredentialReport(generated_time=generated_time, rows=tuple(row for _, row in rows))


def _one_row_each(rows: list[tuple[int, CredentialRow]]) -> None:
    """A report that shows the root user other than once, or a user twice, cannot be trusted by any control: which
    row is current cannot be known, and a stale row could hide behind a fresh one of the same name."""
    lines: dict[str, list[int]] = {}
    for number, row in rows:
        lines.setdefault(row.user.lower(), []).append(number)  # IAM user names are unique whatever their case
    roots = lines.get(ROOT_USER, [])
    if len(roots) != 1:
        found = f"{len(roots)} {ROOT_USER} rows (lines {_listed(roots)})" if roots else f"no {ROOT_USER} row"
        raise ReportError(f"the credential report has {found}, expected exactly one")
    for name, numbers in lines.items():
        if len(numbers) > 1:
            user = next(row.user for number, row in rows if number == numbers[0])
            raise ReportError(f"the credential report names user {user!r} on lines {_listed(numbers)}: which row is "
                              "current cannot be known")


def _listed(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}" if len(numbers) > 1 else str(numbers[0])


# Waits between GenerateCredentialReport polls: short first, since most reports are ready within seconds.
POLL_DELAYS = (0.5, 1.0, 2.0, 4.0)
# AWS answers this while another generation for the account is under way; the report is coming, keep polling.
_STILL_GENERATING = {"ReportGenerationLimitExceeded", "ReportGenerationLimitExceededException"}
# GetCredentialReport answers these when there is no current report to give: generate one again, once.
_REGENERATE = {"ReportNotPresent", "ReportExpired", "ReportInProgress"}


def _generate(iam: Any, deadline: float, timeout: float, sleep: Callable[[float], None],
              clock: Callable[[], float]) -> None:
    """Ask AWS for a report and poll until it is COMPLETE, or raise ReportError at the deadline."""
    attempt = 0
    while True:
        try:
            state = iam.generate_credential_report()["State"]
        except ClientError as exc:
            if error_code(exc) not in _STILL_GENERATING:
                raise
            state = "INPROGRESS"
        if state == "COMPLETE":
            return
        remaining = deadline - clock()
        if remaining <= 0:
            raise ReportError(
                f"the credential report was still {state} after {timeout:g} s "
                "(raise credential_report_timeout to wait longer)"
            )
        sleep(min(POLL_DELAYS[min(attempt, len(POLL_DELAYS) - 1)], remaining))
        attempt += 1


def fetch(
    iam: Any,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> CredentialReport:
    """Generate a report (at most `timeout` seconds), download and parse it.

    A report that is gone (not present, expired) between generation and download is generated again, once.
    """
    deadline = clock() + timeout
    regenerated = False
    while True:
        _generate(iam, deadline, timeout, sleep, clock)
        try:
            answer = iam.get_credential_report()
        except ClientError as exc:
            if error_code(exc) not in _REGENERATE:
                raise
            if regenerated:
                raise ReportError(
                    f"the credential report was {error_code(exc)} again after it was regenerated") from None
            regenerated = True
            continue
        except ValueError as exc:  # botocore could not decode the base64 Content
            raise ReportError(f"the credential report content is not valid base64: {exc}") from None
        missing = [key for key in ("Content", "GeneratedTime") if key not in answer]
        if missing:
            raise ReportError(f"iam:GetCredentialReport answered without {', '.join(missing)}")
        return parse(answer["Content"], answer["GeneratedTime"])
