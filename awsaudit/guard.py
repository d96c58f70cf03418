"""The read-only guard: every AWS call made during an audit is checked before it is signed and sent.

An audit must never change the account it audits, whatever a control (or a bug in one) asks for. The guard is a
botocore `before-parameter-build` handler. It is registered on each account's session before any client exists, so
it also sees the calls botocore's own credential providers make (sts:AssumeRole for role_arn profiles), and, for the
length of the audit, on every other botocore session too, so a control that builds its own boto3 client is held to
it.
"""

from __future__ import annotations

import contextlib
import re
from typing import Any, Iterator

import boto3
import botocore.handlers
import botocore.session

from awsaudit.errors import ReadOnlyViolation

READ_PREFIXES = ("Get", "List", "Describe")

# How botocore turns role_arn, web identity and IAM Identity Center profiles into credentials: allowed to botocore's
# own clients, refused to the clients the engine hands controls.
CREDENTIAL_CALLS = frozenset(
    {"sts:AssumeRole", "sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML", "sso-oidc:CreateToken"})

# Calls that do not start with a read verb, yet change nothing an audit cares about.
ALLOWED = CREDENTIAL_CALLS | frozenset(
    {
        # Builds the credential report AWS keeps for four hours; it changes no identity or permission.
        "iam:GenerateCredentialReport",
        # Evaluates a filter pattern against the log event messages sent with it and answers which match: it reads
        # no log group and writes nothing (the CIS Monitoring controls ask AWS how it reads a metric filter).
        "logs:TestMetricFilter",
    }
)

# Get* reads whose names say they hand out secrets or credentials are refused, except these, which return none.
_SECRET_BEARING = re.compile(r"Secret|Password|Token|Credentials|AccessDetails|InstanceAccess|ApiKey")
SAFE_DESPITE_NAME = frozenset(
    {
        "iam:GetCredentialReport",  # credential state and dates, no credential
        "iam:GetAccountPasswordPolicy",  # the policy, not a password
        "sso:GetRoleCredentials",  # how botocore signs in with an IAM Identity Center profile
    }
)
# Reads refused by name: object contents, and calls that create state though they start with a read verb.
DENIED = frozenset(
    {
        "s3:GetObject",
        "cognito-identity:GetId",
        "glue:GetConnection",
        "glue:GetConnections",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
    }
)


def action_name(service: str, operation: str) -> str:
    """The call as `service:Operation`, botocore's service name and the API's operation name."""
    return f"{service}:{operation}"


def is_allowed(service: str, operation: str) -> bool:
    """True for the calls an audit may send: reads that reveal no secret, and the few named in ALLOWED."""
    action = action_name(service, operation)
    if action in ALLOWED or action in SAFE_DESPITE_NAME:
        return True
    if action in DENIED or not operation.startswith(READ_PREFIXES):
        return False
    return not (operation.startswith("Get") and _SECRET_BEARING.search(operation))


def _refuse_writes(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if not is_allowed(service, model.name):
        raise ReadOnlyViolation(
            f"{action_name(service, model.name)} refused before it was sent: awsaudit only reads "
            "(Get*, List* and Describe* calls that reveal no secret, and " + ", ".join(sorted(ALLOWED)) + ")"
        )


# Fired for every call, and for presigned URLs too (generate_presigned_url never sends, so never reaches before-call).
_EVENT = "before-parameter-build"


def guard(session: botocore.session.Session) -> botocore.session.Session:
    """Register the guard on a botocore session; call it before the session makes its first client."""
    session.register(_EVENT, _refuse_writes, unique_id="awsaudit-read-only-guard")
    return session


def _refuse_credentials(model: Any, **_: Any) -> None:
    raise ReadOnlyViolation(
        f"{action_name(model.service_model.service_name, model.name)} refused: credentials are botocore's to fetch, "
        "never a control's to hold"
    )


def refuse_credential_calls(client: Any) -> None:
    """On a client the engine hands out, refuse the credential calls the guard allows botocore's own clients."""
    for action in CREDENTIAL_CALLS:
        service, operation = action.split(":")
        client.meta.events.register(f"{_EVENT}.{service}.{operation}", _refuse_credentials)


@contextlib.contextmanager
def everywhere() -> Iterator[None]:
    """Guard every botocore session created while the context is open (botocore copies BUILTIN_HANDLERS in).

    boto3's default session is dropped on entry, so `boto3.client(...)` builds a new, guarded one.
    """
    entry = (_EVENT, _refuse_writes)
    botocore.handlers.BUILTIN_HANDLERS.append(entry)
    default, boto3.DEFAULT_SESSION = boto3.DEFAULT_SESSION, None
    try:
        yield
    finally:
        botocore.handlers.BUILTIN_HANDLERS.remove(entry)
        boto3.DEFAULT_SESSION = default
