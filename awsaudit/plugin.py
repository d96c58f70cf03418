"""The pytest plugin: accounts become parameters, data sources become fixtures, verdicts become a report.

Loaded by the project's conftest.py. `--account` picks AWS profiles (testinfra's `--hosts`, for accounts);
`--offline` swaps AWS for moto seeded with the twins in fixtures/. Everything a control may ask for is a fixture
here; exceptions raised while fetching data make a test ERROR, asserts in the test body make it FAIL.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import pytest

from awsaudit import accounts, guard, sources, thresholds
from awsaudit.accounts import Account
from awsaudit.credential_report import CredentialReport
from awsaudit.evidence import evidence_of
from awsaudit.frameworks import marker_lines
from awsaudit.report import AuditReport
from awsaudit.root import RootInReport, RootUser, root_virtual_mfa
from awsaudit.secrecy import quiet_aws_debug_logs
from awsaudit.twins import TwinError, Twin, load_all


@dataclass
class Audit:
    """One run: when it started, what it judges by, and the accounts it covers."""

    started: datetime
    offline: bool
    thresholds: dict[str, int]
    accounts: list[Account]
    cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)


AUDIT = pytest.StashKey[Audit]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("awsaudit", "AWS compliance audit")
    group.addoption("--account", action="append", default=[], metavar="NAME",
                    help="AWS profile to audit; repeat or comma-separate, 'all' for every profile, shell globs "
                         "('prod-*') allowed. Default: AWS_PROFILE, else the default profile.")
    group.addoption("--offline", action="store_true",
                    help="audit the offline twins in fixtures/ (moto) instead of AWS; --account picks twins")
    thresholds.register(parser)
    parser.addini("account_ids", "awsaudit: `profile = 123456789012` lines; a profile that signs in to another "
                  "account is not audited", type="linelist", default=[])


def _twins(config: pytest.Config, now: datetime) -> dict[str, Twin]:
    try:
        return load_all(config.rootpath / "fixtures", now)
    except TwinError as exc:
        raise pytest.UsageError(f"offline twin: {exc}") from None


def _select(requested: list[str], available: list[str], what: str) -> list[str]:
    if not requested:
        raise pytest.UsageError(f"--account was given no names; available {what}: {', '.join(available) or 'none'}")
    try:
        return accounts.select(requested, available)
    except ValueError as exc:
        raise pytest.UsageError(
            f"--account {exc}: no such {what[:-1]}; available {what}: {', '.join(available) or 'none'}"
        ) from None


def _pins(config: pytest.Config, available: list[str]) -> dict[str, str]:
    """`account_ids` lines `name = 123456789012`: the account each profile must sign in to.

    A pin for a name that does not exist is a usage error: a misspelt pin would silently pin nothing.
    """
    pins = {}
    for line in config.getini("account_ids"):
        name, sep, account_id = (part.strip() for part in line.partition("="))
        if not sep or not name or not re.fullmatch(r"\d{12}", account_id):
            raise pytest.UsageError(f"account_ids line {line!r} is not accepted: write `profile = 123456789012`")
        if name not in available:
            raise pytest.UsageError(f"account_ids pins {name!r}, which is not a profile or twin here; available: "
                                    f"{', '.join(available) or 'none'}")
        pins[name] = account_id
    return pins


def _open_accounts(config: pytest.Config, audit: Audit) -> list[Account]:
    given = config.getoption("account")
    requested = accounts.split_requested(given)
    settings = accounts.client_config(*(audit.thresholds[name] for name in (
        "aws_connect_timeout", "aws_read_timeout", "aws_max_attempts")))
    if audit.offline:
        twins = _twins(config, audit.started)
        if not twins:
            raise pytest.UsageError(f"--offline: no twins in {config.rootpath / 'fixtures'} (one <name>.toml each)")
        available = list(twins)
    else:
        available = accounts.available_profiles()
    pins = _pins(config, available)

    def account(name: str, profile: str | None, config_file: Path | None = None) -> Account:
        return Account(name, profile, config_file, settings, pins.get(name))

    if audit.offline:
        names = _select(requested, list(twins), "twins") if given else list(twins)
        chosen = [twins[name] for name in names]
        from awsaudit import offline  # moto is imported only by runs that use it

        workdir = Path(audit.cleanup.enter_context(tempfile.TemporaryDirectory(prefix="awsaudit-")))
        config_file = offline.write_config(chosen, workdir / "config")
        try:
            audit.cleanup.enter_context(offline.emulate(chosen))
        except TwinError as exc:
            raise pytest.UsageError(f"offline twin: {exc}") from None
        return [account(twin.name, twin.name, config_file) for twin in chosen]
    if not given:
        chosen = os.environ.get("AWS_PROFILE")
        if chosen and chosen not in available:
            raise pytest.UsageError(f"AWS_PROFILE={chosen}: no such profile; available profiles: "
                                    f"{', '.join(available) or 'none'}")
        name = chosen or "default"
        # No default profile: botocore's default chain (environment, instance role) supplies the credentials.
        return [account(name, name if name in available else None)]
    return [account(name, name) for name in _select(requested, available, "profiles")]


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for line in marker_lines():
        config.addinivalue_line("markers", line)
    if config.option.help or config.option.markers:
        return
    audit = Audit(datetime.now(timezone.utc).replace(microsecond=0), config.getoption("offline"),
                  thresholds.read(config), [])
    config.stash[AUDIT] = audit
    try:
        audit.accounts = _open_accounts(config, audit)
    except BaseException:
        audit.cleanup.close()
        raise
    # After the twins are seeded: from here on, no AWS call of this process may write, nor log a secret.
    audit.cleanup.enter_context(guard.everywhere())
    audit.cleanup.enter_context(quiet_aws_debug_logs())
    audit.cleanup.enter_context(_sigterm_interrupts())
    config.pluginmanager.register(AuditReport(config, audit.started, audit.offline, audit.thresholds),
                                  "awsaudit-report")


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a CI job cancelled, a container stopped) ends the run as Ctrl-C does: the report of what ran is
    still written, marked incomplete."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def pytest_unconfigure(config: pytest.Config) -> None:
    if AUDIT in config.stash:
        config.stash[AUDIT].cleanup.close()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    meta = metafunc.definition.get_closest_marker("control")
    if meta and "account" not in metafunc.fixturenames:
        pytest.fail(f"control {meta.args[0].id} uses no account data: ask for the account fixture or one built "
                    "on it (root, credential_report, ...); it would judge no account", pytrace=False)
    if "account" in metafunc.fixturenames:
        audited = metafunc.config.stash[AUDIT].accounts
        metafunc.parametrize("account", audited, ids=[a.name for a in audited], indirect=True, scope="session")


@pytest.fixture(scope="session")
def account(request: pytest.FixtureRequest) -> Account:
    """The audited account, its identity resolved (or the reason it could not be, as an ERROR)."""
    audited: Account = request.param
    audited.identity
    return audited


@pytest.fixture(scope="session")
def now(request: pytest.FixtureRequest) -> datetime:
    """The audit's clock: the UTC start of the run, the same for every control and account."""
    return request.config.stash[AUDIT].started


class _RecordedThresholds(dict):
    """The run's thresholds; each one a control reads is written into its evidence."""

    def __init__(self, values: dict[str, int], evidence: dict[str, Any]) -> None:
        super().__init__(values)
        self._evidence = evidence

    def __getitem__(self, name: str) -> int:
        value = super().__getitem__(name)
        self._evidence[f"threshold {name}"] = value
        return value


@pytest.fixture
def threshold(request: pytest.FixtureRequest) -> dict[str, int]:
    """Thresholds from pytest.ini (or -o): `threshold["root_unused_days"]`."""
    return _RecordedThresholds(request.config.stash[AUDIT].thresholds, evidence_of(request.node))


@pytest.fixture
def evidence(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Values the control judged, beyond those its data sources record: shown in the report row."""
    return evidence_of(request.node)


def _record_source(request: pytest.FixtureRequest, account: Account, source: tuple[str, str],
                   label: str, value: Any) -> None:
    """A source's evidence, and how many AWS calls had to be retried to read it (throttling, transient errors)."""
    evidence = evidence_of(request.node)
    evidence[label] = value
    retried = account.retries(*source)
    if retried:
        evidence[f"{source[1]}: AWS calls retried"] = retried


@pytest.fixture
def credential_report(account: Account, request: pytest.FixtureRequest) -> CredentialReport:
    report = sources.credential_report(account, request.config.stash[AUDIT].thresholds["credential_report_timeout"])
    _record_source(request, account, sources.CREDENTIAL_REPORT, "credential report generated",
                   report.generated_time.isoformat())
    return report


@pytest.fixture
def account_summary(account: Account, request: pytest.FixtureRequest) -> dict[str, int]:
    summary = sources.account_summary(account)
    _record_source(request, account, sources.ACCOUNT_SUMMARY, "account summary", dict(summary))
    return summary


@pytest.fixture
def root(credential_report: CredentialReport, account_summary: dict[str, int],
         request: pytest.FixtureRequest) -> RootUser:
    """The root user as the credential report and the fresh account summary show it."""
    user = RootUser.from_sources(credential_report, account_summary)
    evidence_of(request.node).update(user.evidence())
    return user


@pytest.fixture
def root_in_report(credential_report: CredentialReport, request: pytest.FixtureRequest) -> RootInReport:
    """The root user as the credential report alone shows it (no iam:GetAccountSummary needed)."""
    user = RootInReport(credential_report.root)
    evidence_of(request.node).update(user.evidence())
    return user


@pytest.fixture
def root_virtual_mfa_devices(account: Account, request: pytest.FixtureRequest) -> list[str]:
    """Serials of virtual MFA devices assigned to the root user (ListVirtualMFADevices)."""
    serials = root_virtual_mfa(sources.assigned_virtual_mfa_devices(account), account.identity.account_id)
    _record_source(request, account, sources.VIRTUAL_MFA_DEVICES, "virtual MFA devices assigned to root", serials)
    return serials
