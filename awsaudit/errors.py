"""The errors an audit reports as ERROR, with one line that names the cause instead of a traceback."""

from botocore.exceptions import ClientError


class AuditError(Exception):
    """A control could not be evaluated; the message says why and, where it can, what to grant or fix."""


class SourceError(AuditError):
    """A data source could not be read from AWS (denied, throttled, expired credentials, no answer)."""


class ReportError(AuditError):
    """The IAM credential report was unreadable, malformed, or lacked what a control needs."""


class ReadOnlyViolation(AuditError):
    """An AWS operation outside the read-only allow-list was refused before it was sent."""


def error_code(exc: ClientError) -> str:
    """The code AWS answered with (`NoSuchEntity`, `AccessDenied`), or "" when the answer had none."""
    return exc.response.get("Error", {}).get("Code", "")
