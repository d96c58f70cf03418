"""What moto models differently for Amazon Macie: whether it is enabled, and what AWS answers where it is not.

moto starts every region with Macie ENABLED and answers GetMacieSession with ResourceNotFoundException once it is
disabled. In AWS, Macie is off until enabled (macie2.enable_macie, a twin's seed call), and GetMacieSession answers
AccessDeniedException "Macie is not enabled." (HTTP 401) where it is off. Patched for as long as the context is open.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator
from unittest import mock

from moto.macie2.exceptions import AccessDeniedException
from moto.macie2.models import MacieBackend


class NotEnabled(AccessDeniedException):
    code = 401


@contextlib.contextmanager
def modelled() -> Iterator[None]:
    real_init = MacieBackend.__init__
    real_get = MacieBackend.get_macie_session

    def init(backend: MacieBackend, *args: Any, **kwargs: Any) -> None:
        real_init(backend, *args, **kwargs)
        backend.macie_session = None

    def get_macie_session(backend: MacieBackend) -> dict[str, Any]:
        if not backend.macie_session:
            raise NotEnabled("Macie is not enabled.")
        return real_get(backend)

    with mock.patch.object(MacieBackend, "__init__", init), \
            mock.patch.object(MacieBackend, "get_macie_session", get_macie_session):
        yield
