"""A request for a registered gap, answered: recognised, read and serialised as moto answers its own.

Both ways of serving the twins come here with the request as it would reach AWS, signed: in-process
(in_process.py, before botocore sends it) and through a moto server (served.py, before moto dispatches it). The
SigV4 credential scope gives the signing name, the region and the access key (whose assumed role names the account);
moto's router finds the operation as AWS would (X-Amz-Target for JSON protocols, Action= for query and EC2, method
and path against the operation's requestUri for REST ones); moto's request parser reads the parameters, and moto's
response serializer for the service and protocol writes the answer.
"""

from __future__ import annotations

import functools
import re
import uuid
from dataclasses import dataclass
from typing import Any

from moto.core.model import OperationModel
from moto.core.parse import PROTOCOL_PARSERS
from moto.core.request import Request, determine_request_protocol
from moto.core.routing import get_service_router
from moto.core.serialize import ResponseDict, SerializationContext, get_serializer_class
from moto.core.utils import get_service_model
from moto.sts.models import sts_backends
from werkzeug.exceptions import NotFound

from awsaudit.offline.gaps import GAPS, Refusal
from awsaudit.twins import Twin

_SCOPE = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/([^/,\s]+)/aws4_request")


@dataclass(frozen=True)
class Scope:
    """Who signed a request, and for which region and service (its SigV4 credential scope)."""

    access_key: str
    region: str
    signing_name: str


def scope(authorization: str) -> Scope | None:
    match = _SCOPE.search(authorization)
    return Scope(*match.groups()) if match else None


@functools.cache
def signing_name(service: str) -> str:
    """The name requests to `service` are signed for (accessanalyzer: access-analyzer)."""
    return get_service_model(service).signing_name


def signed_for_a_gap(authorization: str) -> bool:
    """Whether a request signed so may be one the registry answers: a cheap test before reading it."""
    signed = scope(authorization)
    return signed is not None and any(signing_name(service) == signed.signing_name for service, _ in GAPS)


@dataclass(frozen=True)
class Recognised:
    """A request for a registered gap: its service, operation and path parameters."""

    service: str
    operation: OperationModel
    uri_params: dict[str, Any]
    scope: Scope


def recognise(request: Request) -> Recognised | None:
    """The gap a signed request asks for, or None: moto answers it."""
    signed = scope(request.headers.get("Authorization", ""))
    if signed is None:
        return None
    for service in sorted({service for service, _ in GAPS if signing_name(service) == signed.signing_name}):
        try:
            operation, uri_params = get_service_router(service).match(request)
        except (NotFound, NotImplementedError):  # not this service's, or in a protocol it does not speak
            continue
        if (service, operation.name) in GAPS:
            return Recognised(service, operation, uri_params, signed)
    return None


def account_of_key(access_key_id: str) -> str | None:
    """The account of the role session whose access key signed a request."""
    # Snapshots: other threads add accounts and regions while this looks (moto's own lookup does the same).
    for backends in list(sts_backends.values()):
        for backend in list(backends.values()):
            for role in list(backend.assumed_roles):
                if role.access_key_id == access_key_id:
                    return role.account_id
    return None


def respond(twins: dict[str, Twin], asked: Recognised, request: Request) -> ResponseDict:
    """The registered answer to a recognised request, from the twin of the account that signed it, serialised in
    the protocol the request came in."""
    operation = asked.operation
    protocol = determine_request_protocol(operation.service_model, request.content_type)
    params = PROTOCOL_PARSERS[protocol](operation).parse({
        "method": request.method, "values": request.values, "headers": request.headers, "body": request.data,
        "url_path": request.path, "url_params": asked.uri_params})
    twin = twins.get(account_of_key(asked.scope.access_key) or "")
    try:
        result: Any = GAPS[asked.service, operation.name](twin, asked.scope.region, params)
    except Refusal as refusal:
        result = refusal
    request_id = str(uuid.uuid4())
    serializer = get_serializer_class(asked.service, protocol)(operation, SerializationContext(request_id))
    response = serializer.serialize(result)
    response["headers"].setdefault("x-amzn-RequestId", request_id)
    if isinstance(response["body"], str):  # the bytes sent, whichever way the answer goes out
        response["body"] = response["body"].encode()
    return response
