"""The read-only guard: every AWS call the suite makes is checked before it is signed and sent.

An audit must never change the account it audits, whatever a control (or a bug in one) asks for. The guard is a
botocore `before-call` handler registered on each session before any client exists, so it also sees the calls that
botocore's own credential providers make (sts:AssumeRole for role_arn profiles).
"""

from __future__ import annotations

from typing import Any

import botocore.session

from awsaudit.errors import ReadOnlyViolation

READ_PREFIXES = ("Get", "List", "Describe")

# Reads that do not start with a read verb, yet change nothing an audit cares about.
ALLOWED = frozenset(
    {
        # Builds the credential report AWS keeps for four hours; it changes no identity or permission.
        "iam:GenerateCredentialReport",
        # How botocore turns role_arn and web identity profiles into credentials.
        "sts:AssumeRole",
        "sts:AssumeRoleWithWebIdentity",
        "sts:AssumeRoleWithSAML",
    }
)

# Reads by name that hand out secrets or new credentials: an audit needs none of them, and none may reach a report.
DENIED = frozenset(
    {
        "secretsmanager:GetSecretValue",
        "secretsmanager:BatchGetSecretValue",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
        "sts:GetSessionToken",
        "sts:GetFederationToken",
        "ecr:GetAuthorizationToken",
        "ecr-public:GetAuthorizationToken",
        "codeartifact:GetAuthorizationToken",
        "redshift:GetClusterCredentials",
        "redshift:GetClusterCredentialsWithIAM",
        "redshift-serverless:GetCredentials",
        "cognito-identity:GetCredentialsForIdentity",
    }
)


def action_name(service: str, operation: str) -> str:
    """The IAM action a boto3 operation needs, as a policy names it (`iam:GetCredentialReport`)."""
    return f"{service}:{operation}"


def is_allowed(service: str, operation: str) -> bool:
    """True for the operations an audit may send: reads, and the few named in ALLOWED."""
    action = action_name(service, operation)
    if action in DENIED:
        return False
    return action in ALLOWED or operation.startswith(READ_PREFIXES)


def _refuse_writes(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if not is_allowed(service, model.name):
        raise ReadOnlyViolation(
            f"{action_name(service, model.name)} refused before it was sent: awsaudit only reads "
            "(allowed: Get*, List*, Describe* and " + ", ".join(sorted(ALLOWED)) + ")"
        )


def guard(session: botocore.session.Session) -> botocore.session.Session:
    """Register the guard on a botocore session; call it before the session makes its first client."""
    session.register("before-call", _refuse_writes, unique_id="awsaudit-read-only-guard")
    return session
