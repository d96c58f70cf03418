"""Read-ahead reads a bounded window of accounts (the current one and the next `read_ahead_accounts` in test order),
and an account's data and clients go when its last control has run: a run of a thousand accounts holds a few
accounts' data at a time. Offline and fast: the accounts here never call AWS."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from types import SimpleNamespace
from typing import Any

import pytest

from awsaudit import plugin, prefetch
from awsaudit.accounts import IDENTITY, Account, Identity
from awsaudit.prefetch import Prefetch
from awsaudit.sources import SOURCES

CREDENTIAL_REPORT = SOURCES["credential_report"]


class Data:
    """A source's value: weakly referenceable, so a test can tell it is gone."""


class Offline(Account):
    """An account whose reads are answered here: each read records when it happened and how many accounts were
    being read then."""

    reads: list[str] = []
    lock = threading.Lock()

    def __init__(self, name: str) -> None:
        super().__init__(name, None)
        self.last_value: weakref.ref[Data] | None = None

    def client(self, service: str, region: str | None = None) -> Any:
        return SimpleNamespace(meta=SimpleNamespace(service_model=SimpleNamespace(signing_name=service)))

    def regions(self, service: str) -> list[str]:
        return ["us-east-1"]

    def _resolve_identity(self, sts: Any) -> Identity:
        return Identity("123456789012", "arn:aws:sts::123456789012:assumed-role/audit/x", None)

    def read_in(self, source: Any, region: str | None) -> Any:
        def load(client: Any) -> Data:
            with Offline.lock:
                Offline.reads.append(self.name)
            value = Data()
            self.last_value = weakref.ref(value)
            return value

        return self.fetch(source.service, source.title, load, region)


def items(accounts: list[Account], controls: int = 3) -> list[Any]:
    """Collected tests as pytest orders them: account by account, each control asking for the credential report."""
    return [SimpleNamespace(callspec=SimpleNamespace(params={"account": account}), fixturenames=["credential_report"],
                            nodeid=f"checks/test_{n}.py::test_{n}[{account.name}]")
            for account in accounts for n in range(controls)]


@pytest.fixture
def accounts() -> list[Offline]:
    Offline.reads = []
    return [Offline(f"acct-{n:03d}") for n in range(30)]


@pytest.mark.parametrize("ahead", [0, 1, 3, 8])
def test_the_accounts_read_ahead_never_exceed_the_window(accounts: list[Offline], ahead: int) -> None:
    reading = Prefetch(ahead)
    try:
        order = reading.plan(items(accounts))
        assert order == accounts
        reading.advance(order[0])
        for place, account in enumerate(order):
            reading.advance(account)  # the controls of `account` begin
            started = reading.ahead_of(account)
            assert len(started) <= ahead
            assert started == order[place + 1:place + 1 + ahead]  # the next ones in test order, none skipped
            account.release()  # its last control has run
    finally:
        reading.close()


def test_only_the_window_is_read_before_the_first_control(accounts: list[Offline]) -> None:
    """Before any control runs, the first account and the `ahead` after it are requested, not all 30."""
    reading = Prefetch(4)
    try:
        reading.advance(reading.plan(items(accounts))[0])
        deadline = time.monotonic() + 10
        while len(Offline.reads) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # time enough for a sixth read, were one requested
    finally:
        reading.close()
    assert sorted(Offline.reads) == [a.name for a in accounts[:5]]


def test_a_released_account_holds_no_data_and_no_client(accounts: list[Offline]) -> None:
    account = accounts[0]
    first = account.read_in(CREDENTIAL_REPORT, None)
    account.identity
    value = account.last_value
    assert value is not None and value() is first and account.holds == 2
    del first
    account.release()
    gc.collect()
    assert value() is None, "the released account's data is still referenced"
    assert account.holds == 1  # the identity alone: a few strings that name the account in the outputs
    assert account.cached(*IDENTITY) is not None
    assert (account._clients, account._session) == ({}, None)


def test_a_read_under_way_when_its_account_is_released_is_not_kept(accounts: list[Offline]) -> None:
    """A read-ahead task that finishes after the release releases the account again."""
    account = accounts[0]
    started, finish = threading.Event(), threading.Event()

    class Slow(Offline):
        def read_in(self, source: Any, region: str | None) -> Any:
            started.set()
            finish.wait(5)
            return super().read_in(source, region)

    slow = Slow("slow")
    done = threading.Thread(target=Prefetch._quietly, args=(slow, CREDENTIAL_REPORT, None))
    done.start()
    assert started.wait(5)
    slow.release()
    finish.set()
    done.join(5)
    assert slow.holds == 0 and account.holds == 0


def test_a_released_account_is_not_read_ahead_again(accounts: list[Offline]) -> None:
    reading = Prefetch(2)
    try:
        order = reading.plan(items(accounts[:3]))
        for account in order:
            account.release()
        reading.advance(order[0])
    finally:
        reading.close()
    assert Offline.reads == []


def test_the_window_is_an_ini_setting(pytester: pytest.Pytester) -> None:
    """read_ahead_accounts: a whole number, 0 or more; the default is prefetch.AHEAD."""
    config = pytester.parseconfig("-p", "awsaudit.plugin", "-o", "read_ahead_accounts=3")
    assert plugin._read_ahead(config) == 3
    assert plugin._read_ahead(pytester.parseconfig("-p", "awsaudit.plugin")) == prefetch.AHEAD
    with pytest.raises(pytest.UsageError, match="read_ahead_accounts = 'many'"):
        plugin._read_ahead(pytester.parseconfig("-p", "awsaudit.plugin", "-o", "read_ahead_accounts=many"))
    with pytest.raises(ValueError):
        Prefetch(-1)


def test_a_control_forgets_its_evidence_and_findings_after_its_reports() -> None:
    from awsaudit.evidence import evidence_of, forget
    from awsaudit.findings import FINDINGS, OFFENDERS, findings_of

    item = SimpleNamespace(stash=pytest.Stash())
    evidence_of(item)["credential report"] = Data()
    item.stash[FINDINGS], item.stash[OFFENDERS] = ["a finding"], {"user": "why"}
    forget(item)
    assert evidence_of(item) == {} and findings_of(item) == [] and OFFENDERS not in item.stash


@pytest.mark.parametrize("teardown_record", [False, True], ids=["teardown-passed", "teardown-error"])
def test_reports_let_go_of_the_record_once_every_plugin_has_it(teardown_record: bool) -> None:
    """pytest keeps every report to the end of the run: a test's reports drop their record and evidence row after
    its teardown report has reached every plugin (the writers, pytest-html's row, JUnit XML), whether the teardown
    decided something (an error, with a record) or not (passed, none)."""
    from awsaudit.results import Slimming

    slimming = Slimming()
    record = {"verdict": "failed", "reason": "1 of 50 IAM users fail", "evidence": {"rows": 50}, "findings": [{}]}
    call = SimpleNamespace(nodeid="t[a]", when="call", awsaudit=dict(record), extras=["<div>evidence</div>"])
    teardown = SimpleNamespace(nodeid="t[a]", when="teardown", extras=[],
                               **({"awsaudit": dict(record)} if teardown_record else {}))
    told = []
    for report in (call, teardown):
        wrapper = slimming.pytest_runtest_logreport(report)
        next(wrapper)
        told.append((getattr(report, "awsaudit", None), list(report.extras)))  # what the plugins see
        next(wrapper, None)
    assert told[0] == (record, ["<div>evidence</div>"])
    for report in (call, teardown):
        assert (getattr(report, "awsaudit", None), report.extras) == (None, [])
    assert slimming._phases == {}


def test_the_log_keeps_verdicts_not_evidence() -> None:
    from awsaudit.findings import Finding, Resource
    from awsaudit.results import Result, slim

    full = Result("a", "IAM-3", "title", "high", "failed", "why", evidence={"rows": 50},
                  findings=(Finding(Resource("arn", "AWS::IAM::User", None, "u"), "failed", "no MFA"),))
    kept = slim(full)
    assert (kept.evidence, kept.findings) == ({}, ())
    assert (kept.verdict, kept.reason, kept.line) == (full.verdict, full.reason, full.line)
