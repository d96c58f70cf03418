"""Offline, moto answers read-ahead threads in this process: what it does unlocked is done one thread at a time.

ast.parse, because CPython's AST depth counter is shared (python/cpython#106905); moto's routing of a service, because
each thread that asks at once would build its own."""

from __future__ import annotations

import ast
import threading
import time
from typing import Any

import pytest

import moto.core.responses
from moto.core import routing as moto_routing

from awsaudit.offline import threads


def test_no_two_threads_parse_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    inside = 0
    most = 0
    count = threading.Lock()

    def slow_parse(source: str, *args: Any, **kwargs: Any) -> ast.Module:
        nonlocal inside, most
        with count:
            inside += 1
            most = max(most, inside)
        time.sleep(0.02)
        with count:
            inside -= 1
        return ast.Module(body=[], type_ignores=[])

    monkeypatch.setattr(ast, "parse", slow_parse)
    with threads.ast_parse_one_at_a_time():
        workers = [threading.Thread(target=ast.parse, args=("x = 1",)) for _ in range(4)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
    assert most == 1
    assert ast.parse is slow_parse, "ast.parse is given back on the way out"


def test_a_service_s_routing_is_built_once_however_many_threads_ask_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    make = moto_routing.RestRouter.__init__

    def counted(router: moto_routing.RestRouter, *args: Any) -> None:
        built.append(router)
        make(router, *args)

    monkeypatch.setattr(moto_routing.RestRouter, "__init__", counted)
    moto_routing.get_service_router.cache_clear()  # as in a new process: no service routed yet
    start = threading.Barrier(8)

    def route() -> None:
        start.wait()
        moto.core.responses.get_service_router("lambda")._get_router("rest-json")

    with threads.routing_built_once():
        workers = [threading.Thread(target=route) for _ in range(8)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
    assert len(built) == 1
