"""The pytest plugin: accounts become parameters, data sources become fixtures, verdicts become a report.

Loaded by the project's conftest.py. `--account` picks AWS profiles (testinfra's `--hosts`, for accounts);
`--offline` swaps AWS for moto seeded with the twins in fixtures/. Everything a control may ask for is a fixture,
here or in fixtures.py; exceptions raised while fetching data make a test ERROR, asserts in the test body make it
FAIL. `--control`, `--framework` and `--min-severity` pick controls as an auditor asks for them (selection.py).
"""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest

from awsaudit import account_list, catalog, fixtures, hooks, parallel, sources, thresholds, waivers
from awsaudit.accounts import Account, account_of
from awsaudit.audit import AUDIT, REPLAY, WORKER_ACCOUNTS, Audit
from awsaudit.aws import MODULES
from awsaudit.discovery import DEFAULT_ROLE
from awsaudit.evidence import evidence_of, forget
from awsaudit.frameworks import marker_lines
from awsaudit.outputs.console import ConsoleSummary
from awsaudit.outputs.html_report import HtmlReport
from awsaudit.outputs import FILE_WRITERS
from awsaudit.outputs.report_files import writable
from awsaudit import prefetch
from awsaudit.prefetch import Prefetch
from awsaudit.results import ResultBuilder, ResultLog, Slimming
from awsaudit.selection import Selection, add_options
from awsaudit.verdicts import Reasons

SELECTION = pytest.StashKey[Selection]()
PREFETCH = pytest.StashKey[Prefetch]()

# What --co shows.
pytest_plugins = ["awsaudit.listing"]


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    pluginmanager.add_hookspecs(hooks)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    # The fixtures controls ask for: each declared source of the service modules, and the composite views. Registered,
    # not listed in pytest_plugins: the catalog has imported them already, and they have no asserts to rewrite.
    for module in (fixtures, *(importlib.import_module(name) for name in MODULES)):
        pluginmanager.register(module, module.__name__)
    group = parser.getgroup("awsaudit", "AWS compliance audit")
    group.addoption("--account", action="append", default=[], metavar="NAME",
                    help="AWS profile to audit; repeat or comma-separate, 'all' for every profile, shell globs "
                         "('prod-*') allowed, 'org:<profile>' for every ACTIVE account of the organization the "
                         "profile can list. Default: AWS_PROFILE, else the default profile.")
    group.addoption("--offline", action="store_true",
                    help="audit the offline twins in fixtures/ (moto) instead of AWS; --account picks twins")
    group.addoption("--accounts-file", metavar="PATH",
                    help="audit the accounts of this file (TOML or JSON, written by python -m awsaudit.resolve), "
                         "reached and pinned as it says; --account then picks some of them by name or id")
    group.addoption("--shard", metavar="I/N",
                    help="audit the I-th of N slices of the accounts (sorted by account id), 1 <= I <= N; auto/N "
                         "takes I from JOB_COMPLETION_INDEX or AWS_BATCH_JOB_ARRAY_INDEX (0-based) + 1")
    group.addoption("--run-id", metavar="ID",
                    help="the id every shard of one audit shares (default: AWSAUDIT_RUN_ID, else the AWS Batch "
                         "array job's id); python -m awsaudit.merge refuses shards of different ids")
    for writer in FILE_WRITERS:
        group.addoption(f"--{writer.option}", metavar="PATH", help=writer.help)
    add_options(group)
    thresholds.register(parser)
    parser.addini("waivers", "awsaudit: TOML file of accepted exceptions (path relative to pytest.ini); empty for "
                  "none", default="")
    parser.addini("org_role", "awsaudit: the role `--account org:<profile>` assumes in each member account "
                  f"(default {DEFAULT_ROLE}; use a read-only audit role)", default=DEFAULT_ROLE)
    parser.addini("regions", "awsaudit: read regional sources only in the enabled regions matching these globs "
                  "('us-*', 'eu-west-1'); empty for every enabled region", type="args", default=[])
    parser.addini("read_ahead_accounts", "awsaudit: how many accounts after the one being audited have their data "
                  f"read ahead (default {prefetch.AHEAD}); each account's data is let go after its last control",
                  default=str(prefetch.AHEAD))
    parser.addini("account_ids", "awsaudit: `profile = 123456789012` lines; a profile that signs in to another "
                  "account is not audited", type="linelist", default=[])


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    for line in marker_lines():
        config.addinivalue_line("markers", line)
    if config.option.help or config.option.markers:
        return
    if config.inipath is None:
        raise pytest.UsageError(
            f"no pytest.ini found from {config.rootpath}: run pytest in the awsaudit project, and give path options "
            "as --html=PATH (pytest takes a separate path that exists for a place to look for tests)")
    # The names --control, -m and the waivers may use, read before collection so a mistyped one stops the run.
    known = catalog.read(config.rootpath / "checks")
    declared = sources.problems()  # the engine's and the controls' own, now all imported
    if declared:
        raise pytest.UsageError("; ".join(declared))
    selection = config.stash[SELECTION] = Selection.of(config)
    selection.check(known, config.getoption("markexpr"))
    config.option.control = list(selection.controls)  # as the controls spell them, for the report's scope
    accepted = waivers.from_config(config, known)
    _check_output_paths(config)
    audit = config.stash[AUDIT] = Audit.open(config)
    reading = config.stash[PREFETCH] = Prefetch(_read_ahead(config))
    audit.cleanup.callback(reading.close)  # before the offline emulation ends: the stack unwinds in reverse
    _register_outputs(config, audit, selection, known, accepted)


def _check_output_paths(config: pytest.Config) -> None:
    """Each output file named can be written: a mistyped path stops the run before any account is reached (or
    twin seeded), not after the audit."""
    if hasattr(config, "workerinput"):
        return
    named = [(f"--{writer.option}", config.getoption(writer.option), writer.example) for writer in FILE_WRITERS]
    for option, path, example in [*named, ("--html", config.getoption("htmlpath", None), "audit.html")]:
        if path:
            writable(Path(path).expanduser().absolute(), option, example)


def _read_ahead(config: pytest.Config) -> int:
    """The ini setting read_ahead_accounts; an xdist worker reads only the account it is given (the controller
    decides which accounts each worker gets, so the next ones in test order may be another worker's)."""
    if hasattr(config, "workerinput"):
        return 0
    value = str(config.getini("read_ahead_accounts")).strip()
    if not value.isdigit():
        raise pytest.UsageError(f"read_ahead_accounts = {value!r}: give a whole number of accounts, 0 or more "
                                f"(default {prefetch.AHEAD})")
    return int(value)


def _register_outputs(config: pytest.Config, audit: Audit, selection: Selection, known: catalog.Catalog,
                      accepted: list[waivers.Waiver]) -> None:
    """Where controls run: their one-line reasons, the waivers (if any) and the result records. On the process that
    writes (not an xdist worker): the log of results and each output, only where it writes."""
    plugins = config.pluginmanager
    plugins.register(Reasons(config.option.tbstyle), "awsaudit-reasons")
    if accepted:
        plugins.register(waivers.Waiving(accepted, audit.started.date()), "awsaudit-waivers")
    plugins.register(ResultBuilder(config), "awsaudit-results")
    plugins.register(Slimming(), "awsaudit-slimming")
    if hasattr(config, "workerinput"):
        return
    # The merge's log knows what its shards knew (replay.MergedLog).
    log_class = getattr(config.pluginmanager.get_plugin(REPLAY), "log_class", ResultLog)
    log = log_class(config, audit.started, audit.offline, audit.thresholds, known, selection.framework)
    plugins.register(log, "awsaudit-log")
    plugins.register(ConsoleSummary(log, accepted), "awsaudit-console")
    for writer in FILE_WRITERS:  # each path named was found writable before the audit opened (_check_output_paths)
        if config.getoption(writer.option):
            path = Path(config.getoption(writer.option)).expanduser().absolute()
            made = getattr(importlib.import_module(writer.module), writer.cls)(path, log)
            plugins.register(made, f"awsaudit-{writer.option}-file")
    if HtmlReport.wanted(config):
        plugins.register(HtmlReport(log), "awsaudit-html")


def pytest_unconfigure(config: pytest.Config) -> None:
    if AUDIT in config.stash:
        config.stash[AUDIT].close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    config.stash[SELECTION].apply(config, items)
    audit = config.stash[AUDIT]
    if audit.shard is not None and not audit.accounts:
        # A shard with no account: its controls have no account to run on. Nothing runs; its files say so.
        config.hook.pytest_deselected(items=list(items))
        items[:] = []


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist: each worker audits the accounts the controller resolved (and sharded), never listing them again."""
    audit = node.config.stash.get(AUDIT, None)
    if audit is not None:
        node.workerinput[WORKER_ACCOUNTS] = account_list.to_wire(audit.members, audit.left_out)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Read ahead for the first accounts of the run; an xdist worker reads an account when it is given one."""
    if PREFETCH not in session.config.stash or session.config.option.collectonly:
        return
    reading = session.config.stash[PREFETCH]
    accounts = reading.plan(session.items)
    if accounts and not hasattr(session.config, "workerinput"):
        reading.advance(accounts[0])


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any | None:
    return parallel.make_scheduler(config, log)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    """Before a control: its account, and the next ones, are read ahead. After it (its reports are out): what it
    recorded for them is let go, so a long run holds no control's evidence beyond the results' own."""
    audited = account_of(item)
    if audited is not None:
        audited.released = False  # (a control of a released account, run out of order: it reads again)
        if PREFETCH in item.config.stash:
            item.config.stash[PREFETCH].advance(audited)
    yield
    forget(item)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    """Controls run account by account: when an account's last one is done, its clients are let go."""
    audited = account_of(item)
    if audited is not None and account_of(nextitem) is not audited:
        audited.release()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    meta = metafunc.definition.get_closest_marker("control")
    if meta and "account" not in metafunc.fixturenames:
        pytest.fail(f"control {meta.args[0].id} uses no account data: ask for the account fixture or one built "
                    "on it (root, credential_report, ...); it would judge no account", pytrace=False)
    if meta and not metafunc.config.stash[SELECTION].keeps_control(meta.args[0]):
        return  # left out: one item, deselected (selection.py), however many accounts
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
