"""Twins reached as an audit reaches accounts, both ways the emulation serves them: in-process, and through a moto
server on 127.0.0.1 (port 0). Nothing but 127.0.0.1 is looked up or contacted."""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from moto.server import ThreadedMotoServer

from awsaudit import offline, twins
from awsaudit.accounts import Account

LOOPBACK = "127.0.0.1"

OpenAccount = Callable[[str], Account]


def load(directory: Path, texts: dict[str, str]) -> list[twins.Twin]:
    """Twins from TOML texts, by name."""
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    loaded = []
    for name, text in texts.items():
        (directory / f"{name}.toml").write_text(text, encoding="utf-8")
        loaded.append(twins.load(directory / f"{name}.toml", now))
    return loaded


@contextlib.contextmanager
def loopback_only() -> Iterator[None]:
    """Any host name but 127.0.0.1 fails to resolve, before a DNS query could leave the machine."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in (LOOPBACK, LOOPBACK.encode()):
            raise socket.gaierror(socket.EAI_NONAME, f"only {LOOPBACK} is reached in this test, not {host!r}")
        return real(host, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", getaddrinfo)
        yield


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """A moto server of this process on 127.0.0.1; its URL."""
    server = ThreadedMotoServer(ip_address=LOOPBACK, port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@contextlib.contextmanager
def isolated_moto_server() -> Iterator[tuple[str, pytest.MonkeyPatch]]:
    """A moto server of this process on 127.0.0.1, in an environment with no AWS_* variable of the caller (a stray
    profile, key, region or endpoint would route elsewhere) and proxies bypassed for loopback: its URL, and the
    environment patch, for the variables a test sets for the run."""
    with pytest.MonkeyPatch.context() as env:
        for name in [name for name in os.environ if name.upper().startswith("AWS_")]:
            env.delenv(name)
        for name in ("NO_PROXY", "no_proxy"):
            env.setenv(name, f"{LOOPBACK},localhost")
        with moto_server() as url:
            yield url, env


@contextlib.contextmanager
def in_process(served: list[twins.Twin], workdir: Path) -> Iterator[OpenAccount]:
    """The twins in-process, each opened as `pytest --offline` opens it: a role profile of a written config file."""
    config = offline.write_config(served, workdir / "config")
    with loopback_only(), offline.emulate(served):
        yield lambda name: Account(name, name, config)


@contextlib.contextmanager
def over_http(served: list[twins.Twin], workdir: Path, url: str) -> Iterator[OpenAccount]:
    """The twins through the moto server at `url`, each opened as a live audit opens a profile: AWS_CONFIG_FILE
    names the config, and no other AWS_* setting of the caller is seen."""
    with loopback_only(), pytest.MonkeyPatch.context() as env, offline.emulate(served, endpoint_url=url):
        for name in [name for name in os.environ if name.upper().startswith("AWS_")]:
            env.delenv(name)
        config = offline.write_config(served, workdir / "config", endpoint_url=url)
        env.setenv("AWS_CONFIG_FILE", str(config))
        env.setenv("AWS_SHARED_CREDENTIALS_FILE", str(workdir / "none"))
        env.setenv("AWS_EC2_METADATA_DISABLED", "true")
        for name in ("NO_PROXY", "no_proxy"):
            env.setenv(name, LOOPBACK)
        yield lambda name: Account(name, name)


def hosts_contacted(account: Account) -> list[str]:
    """The hosts a served account's requests are sent to, recorded from now on."""
    hosts: list[str] = []

    def record(request: Any, **_: Any) -> None:
        hosts.append(urlsplit(request.url).hostname or "")

    account.session.events.register("before-send", record)
    return hosts
