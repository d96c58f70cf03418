"""One botocore client class per AWS service for the whole audit, not one per client.

botocore builds a new class for every client it makes: a method per API operation (EC2 has some 800), 50 ms of
work and a megabyte or more each. An audit makes a client per service, region and account (a regional control reads
17 regions of every account), yet the class depends on the service's model alone: its methods only name the
operation they call, and everything a client does with an account (credentials, region, endpoint, the read-only
guard's handlers) lives on the instance. So each class is built once and every client of that service shares it.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator
from unittest import mock

import botocore.client

# The parts of botocore this relies on: ClientCreator._create_client_class(service_name, service_model) -> class,
# called once per client; the model's description is the dict the (shared) loader read.
_CREATOR = botocore.client.ClientCreator


@contextlib.contextmanager
def shared() -> Iterator[None]:
    """Share client classes between clients of the same service model until the context ends."""
    build = _CREATOR._create_client_class
    classes: dict[tuple[str, int], tuple[Any, type]] = {}
    lock = threading.Lock()

    def create_client_class(creator: Any, service_name: str, service_model: Any) -> type:
        description = service_model._service_description
        key = (service_name, id(description))
        with lock:
            if key not in classes:  # the description is kept with its class, so its id is never reused
                classes[key] = (description, build(creator, service_name, service_model))
            return classes[key][1]

    with mock.patch.object(_CREATOR, "_create_client_class", create_client_class):
        yield
