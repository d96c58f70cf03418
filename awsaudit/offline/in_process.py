"""The registry's answers in-process: a botocore before-call handler per registered (service, operation).

botocore's client emits before-call with the request it is about to send; a handler that returns
(http_response, parsed) ends the call there, and the client returns `parsed` (or raises ClientError for a status of
300 and above, from parsed["Error"]), so the request never reaches moto. The handler signs the request as botocore
would, lets respond.py recognise and answer it as a moto server would, and parses the answer with botocore's own
parser for the protocol: the same bytes, and so the same response, as the served way.
"""

from __future__ import annotations

import functools
import io
from typing import Any, Callable, Iterator

from botocore.awsrequest import AWSResponse, create_request_object
from botocore.endpoint import convert_to_response_dict
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from moto.core.request import normalize_request

from awsaudit.accounts import shared_loader
from awsaudit.offline import respond
from awsaudit.offline.gaps import GAPS
from awsaudit.twins import Twin

Handler = tuple[str, Callable[..., Any]]


@functools.cache
def _event_name(service: str) -> str:
    """The service's part of botocore's event names (its service id, hyphenized: "accessanalyzer", "iam")."""
    return ServiceModel(shared_loader().load_service_model(service, "service-2"), service).service_id.hyphenize()


def handlers(twins: list[Twin]) -> list[Handler]:
    """(event, handler) for botocore.handlers.BUILTIN_HANDLERS: one before-call event per registered gap."""
    answer = functools.partial(_answer, {twin.account_id: twin for twin in twins})
    return [(f"before-call.{_event_name(service)}.{operation}", answer) for service, operation in sorted(GAPS)]


def _answer(twins: dict[str, Twin], model: Any, params: dict[str, Any], request_signer: Any,
            **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    request = create_request_object(params)
    request_signer.sign(model.name, request)
    prepared = request.prepare()
    received = normalize_request(prepared)
    asked = respond.recognise(received)
    if asked is None or asked.operation.name != model.name:
        return None
    answer = respond.respond(twins, asked, received)
    http = AWSResponse(prepared.url, answer["status_code"], dict(answer["headers"]), _Raw(answer["body"]))
    parsed = create_parser(model.service_model.resolved_protocol).parse(convert_to_response_dict(http, model),
                                                                          model.output_shape)
    parsed.setdefault("ResponseMetadata", {})["RetryAttempts"] = 0
    return http, parsed


class _Raw(io.BytesIO):
    """The raw body botocore reads from a response."""

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.getvalue()
