"""The awsaudit benchmark: how the audit scales with accounts and users, measured end to end over real HTTP.

    .venv/bin/python bench/run.py                     # every row: 1, 10, 100 accounts of 50 users; 1 of 10,000
    .venv/bin/python bench/run.py --rows 1x50,10x50   # chosen rows (accounts x users per account)
    .venv/bin/python bench/run.py --rows 10x50 --check checks/new_control.py   # what one more control costs
    .venv/bin/python bench/run.py --iam --rows 1000x50          # the IAM catalog (ROOT-*, IAM-*) only
    .venv/bin/python bench/run.py --iam --rows 1000x50/4        # in 4 shards (2 at a time), then merged

For each row it starts a moto server on 127.0.0.1, seeds the accounts (users with passwords, MFA, access keys,
groups, policies; a root user state), writes an AWS config with one role_arn profile per account, runs
`pytest --account ...` against it in a subprocess exactly as a user would, and prints one table row: wall time,
peak memory of the audit, API requests per account (counted at the server), report size and the time headless
Chromium takes to open the report. Nothing but 127.0.0.1 is contacted.

The audit runs with the interpreter that runs this script, so that interpreter must have the project installed
(pip install -e '.[test]'); one that lacks it is refused in one line. A row is printed only for an audit that ran
as it should: see `unfit`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

try:  # what this interpreter needs, for the benchmark and for the audit it runs in a subprocess
    with warnings.catch_warnings():  # moto's own warning about moto[server]: the refusal below says it in one line
        warnings.filterwarnings("ignore", "When using MotoServer")
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # moto's server: moto[server], flask
    from moto.server import ThreadedMotoServer

    import awsaudit.plugin  # noqa: F401  the audit's own imports: pytest-html, pytest-xdist, ...
    from awsaudit import offline
    from awsaudit.twins import Call, Credential, RootState, ServerCertificate, Twin, User
except ModuleNotFoundError as missing:  # anything else is a bug, with its traceback
    LACKING: ModuleNotFoundError | None = missing
else:
    LACKING = None

DEFAULT_ROWS = ((1, 50), (10, 50), (100, 50), (1, 10_000))
# The audit runs in its own process; this prints its peak resident memory (kB) as its last line.
# With AWSAUDIT_BENCH_PROFILE=<file>, the audit runs under cProfile and writes its stats there. The peak memory is
# the largest of the audit's process and its xdist workers.
# The merge of a sharded row, with its peak memory printed the same way.
MERGE_LAUNCHER = ("import resource, runpy, sys\ntry:\n    runpy.run_module('awsaudit.merge', run_name='__main__')\n"
                  "finally:\n    print('peak-rss-kb', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
LAUNCHER = ("import cProfile, os, resource, sys, pytest; out = os.environ.get('AWSAUDIT_BENCH_PROFILE'); "
            "profile = cProfile.Profile() if out else None; profile and profile.enable(); "
            "code = pytest.main(sys.argv[1:]); profile and (profile.disable(), profile.dump_stats(out)); "
            "print('cpu-s', sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime for who in "
            "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))); "
            "print('peak-rss-kb', max(resource.getrusage(who).ru_maxrss for who in "
            "(resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))); sys.exit(code)")


def users(count: int, now: datetime) -> tuple[User, ...]:
    """A mix a real account has: console users with and without MFA, zero to two keys of many ages, some direct
    policies and certificates."""
    made = []
    for i in range(count):
        keys = tuple(Credential(slot, True, now - timedelta(days=(i * 7 + slot * 30) % 200),
                                None if i % 7 == 0 else now - timedelta(days=i % 60)) for slot in range(1, i % 3 + 1))
        certs = (Credential(1, True, now - timedelta(days=i % 150)),) if i % 25 == 0 else ()
        made.append(User(f"user-{i:05d}", now - timedelta(days=400), password=i % 2 == 0,
                         password_last_used=now - timedelta(days=i % 90) if i % 2 == 0 else None, mfa=i % 4 == 0,
                         access_keys=keys, certificates=certs, groups=("developers",) if i % 2 else (),
                         policies=("arn:aws:iam::aws:policy/ReadOnlyAccess",) if i % 10 == 0 else ()))
    return tuple(made)


def twins(accounts: int, per_account: int, now: datetime) -> list[Twin]:
    root = RootState("true", now - timedelta(days=100), "hardware", now - timedelta(days=1000))
    seed = (
        Call("iam", "update_account_password_policy", {"MinimumPasswordLength": 14, "PasswordReusePrevention": 24}),
        Call("iam", "create_role", {"RoleName": "aws-support", "AssumeRolePolicyDocument": json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "support.amazonaws.com"}}]})}),
        Call("iam", "attach_role_policy", {"RoleName": "aws-support",
                                           "PolicyArn": "arn:aws:iam::aws:policy/AWSSupportAccess"}),
    )
    people = users(per_account, now)
    return [Twin(f"bench-{n:04d}", "", f"{100000000000 + n:012d}", f"bench-{n:04d}", root, people,
                 (ServerCertificate("www", now + timedelta(days=100)),), access_analyzer_regions="all", seed=seed)
            for n in range(1, accounts + 1)]


class RequestCounter:
    """Counts the requests the moto server answers (wrapping its WSGI app), by AWS action."""

    def __init__(self) -> None:
        self.actions: Counter[str] = Counter()
        self.busy = 0.0  # seconds spent answering, summed over requests (overlapping ones count twice)
        self.lock = threading.Lock()

    def clear(self) -> None:
        self.actions.clear()
        self.busy = 0.0

    @contextlib.contextmanager
    def counting(self) -> Iterator[None]:
        real = DomainDispatcherApplication.__call__
        counter = self

        def call(app: DomainDispatcherApplication, environ: dict[str, Any], start_response: Any) -> Any:
            target = environ.get("HTTP_X_AMZ_TARGET") or environ.get("QUERY_STRING", "") or environ.get("PATH_INFO")
            action = _action(environ, target)
            started = time.perf_counter()
            try:
                return list(real(app, environ, start_response))
            finally:
                with counter.lock:
                    counter.actions[action] += 1
                    counter.busy += time.perf_counter() - started

        DomainDispatcherApplication.__call__ = call  # type: ignore[method-assign]
        try:
            yield
        finally:
            DomainDispatcherApplication.__call__ = real  # type: ignore[method-assign]


@contextlib.contextmanager
def indexed_access_keys() -> Iterator[None]:
    """moto finds the account of every request by scanning each account's access keys (moto.iam.models
    get_account_id_from): quadratic in accounts, a stand-in's cost that AWS does not have, which at 1,000 accounts
    took the server most of its time. Here a key, once found, is remembered (a key never moves between accounts)."""
    import moto.iam.models as iam_models

    scan, found = iam_models.get_account_id_from, {}

    def account_of_key(access_key: str) -> str:
        if access_key not in found:
            account = scan(access_key)
            if account == iam_models.DEFAULT_ACCOUNT_ID:
                return account  # not (yet) a key of a seeded account
            found[access_key] = account
        return found[access_key]

    iam_models.get_account_id_from = account_of_key  # type: ignore[assignment]
    try:
        yield
    finally:
        iam_models.get_account_id_from = scan  # type: ignore[assignment]


def _action(environ: dict[str, Any], target: str) -> str:
    """The action a request names: the X-Amz-Target header, an Action= in a query or form body, or the path."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    service = auth.split("/")[3] if auth.count("/") >= 4 else "?"
    if "Action=" in target:
        return service + ":" + target.split("Action=")[1].split("&")[0]
    body = offline.request_body(environ).decode(errors="replace")
    if "Action=" in body:
        return service + ":" + body.split("Action=")[1].split("&")[0]
    return f"{service}:{target.rsplit('.', 1)[-1] if '.' in target else target}"


@dataclass
class Row:
    how: str  # "one process", "-n 2", "4 shards, 2 at a time, + merge"
    accounts: int
    users: int
    wall: float
    peak_mb: float
    requests_per_account: float
    root_requests: float | None
    report_mb: float
    open_seconds: float | None
    summary_open_seconds: float | None
    server_busy: float


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


# A page that takes longer than this to open is given as "> OPEN_LIMIT" (pytest-html's page of 23,000 results).
OPEN_LIMIT = 120


def open_time(report: Path) -> float | None:
    """Seconds headless Chromium takes to load the report and run its scripts, less its time for a blank page;
    infinity past OPEN_LIMIT."""
    browser = chromium()
    if browser is None:
        return None

    def load(url: str) -> float:
        started = time.perf_counter()
        try:
            subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", url],
                           capture_output=True, timeout=OPEN_LIMIT, check=False)
        except subprocess.TimeoutExpired:
            return float("inf")
        return time.perf_counter() - started

    return max(load(report.as_uri()) - min(load("about:blank") for _ in range(2)), 0.0)


class NoRow(Exception):
    """An audit of the benchmark did not run as it should: its times measure nothing."""


def refusal(lacking: ModuleNotFoundError | None, interpreter: str) -> str | None:
    """Why this interpreter cannot run the benchmark, in one line, or None when it can."""
    if lacking is None:
        return None
    return (f"bench/run.py: {interpreter} lacks {lacking.name or lacking}, which the benchmark and the audit it runs "
            "need: run it with the project's interpreter (.venv/bin/python bench/run.py), or pip install -e '.[test]'")


def unfit(code: int, junit: Path, accounts: list[str]) -> str | None:
    """Why an audit cannot be a row of the table, or None when it can.

    It must end as an audit ends (exit 0, or 1 for failed controls) and give every account verdicts, none of them
    an ERROR: the benchmark's accounts are built so that every control can judge them, so an ERROR means a broken
    setup (the server, the emulation, an interpreter), and the time measures that, not the audit.
    """
    if code not in (0, 1):
        return f"the audit exited {code}"
    cases = list(ET.parse(junit).iter("testcase")) if junit.exists() else []
    judged = {re.sub(r"^.*\[|\]$", "", case.get("name", "")) for case in cases}
    missing = [name for name in accounts if name not in judged]
    if missing:
        return f"the audit gave no verdict on {len(missing)} of {len(accounts)} accounts, e.g. {missing[0]}"
    errors = [case.get("name", "") for case in cases if _verdict(case) == "error"]
    if errors:
        return f"{len(errors)} controls ended in ERROR, e.g. {errors[0]}"
    return None


def _verdict(case: ET.Element) -> str:
    """awsaudit's verdict property of a JUnit test case, or "error" where pytest itself recorded one."""
    said = {prop.get("name"): prop.get("value") for prop in case.iter("property")}.get("verdict")
    return said or ("error" if case.find("error") is not None else "")


def project_with(checks: list[Path], into: Path) -> Path:
    """A copy of the project whose checks/ also holds `checks` (the cost of adding a control), or the project itself."""
    if not checks:
        return REPO
    for name in ("conftest.py", "pytest.ini", "waivers.toml"):
        shutil.copy(REPO / name, into / name)
    shutil.copytree(REPO / "checks", into / "checks", ignore=shutil.ignore_patterns("__pycache__"))
    for check in checks:
        shutil.copy(check, into / "checks" / check.name)
    return into


def _cpu() -> float:
    """CPU seconds this process (the moto server's threads among them) has used."""
    import resource

    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime


def _peak(stdout: str) -> float:
    """The peak memory (MB) a launcher printed as its last line."""
    return next((int(line.split()[1]) for line in stdout.splitlines() if line.startswith("peak-rss-kb")), 0) / 1024


def audit(workdir: Path, env: dict[str, str], names: list[str], *extra: str,
          project: Path = REPO) -> tuple[float, float, Path]:
    """Run the audit as a user does; its wall time, peak memory (MB) and report. Raises NoRow when it is unfit."""
    report = workdir / f"report{len(list(workdir.glob('report*.html')))}.html"
    junit = report.with_suffix(".xml")
    command = [sys.executable, "-c", LAUNCHER, "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
               f"--html={report}", f"--junitxml={junit}", "--account", ",".join(names), *extra]
    started, serving = time.perf_counter(), _cpu()
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True, timeout=3600)
    wall = time.perf_counter() - started
    used = next((float(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("cpu-s")), 0.0)
    sys.stderr.write(f"{len(names)} accounts: wall {wall:.1f} s; CPU: the audit {used:.1f} s, this process (the moto "
                     f"server, counting) {_cpu() - serving:.1f} s\n")
    problem = unfit(done.returncode, junit, names)
    if problem or os.environ.get("AWSAUDIT_BENCH_VERBOSE"):
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-3000:])
    if problem:
        raise NoRow(problem)
    return wall, _peak(done.stdout), report


def sharded(workdir: Path, env: dict[str, str], names: list[str], shards: int, at_once: int, *extra: str,
            project: Path = REPO) -> tuple[float, float, Path, float]:
    """The audit in `shards` shards, `at_once` of them running side by side (each a process, as a job of a
    Kubernetes Indexed Job is), then `python -m awsaudit.merge` of their results files: the wall time of it all,
    the peak memory of the largest process (a shard or the merge), the merged report and the merge's own time."""
    files = [workdir / f"shard-{index}.jsonl" for index in range(1, shards + 1)]
    commands = [[sys.executable, "-c", LAUNCHER, "-p", "no:cacheprovider", "-q", "--no-header", "-rN",
                 f"--html={workdir / f'shard-{index}.html'}", f"--results={path}", f"--shard={index}/{shards}",
                 "--run-id=bench", "--account", ",".join(names), *extra]
                for index, path in enumerate(files, 1)]
    started, peaks = time.perf_counter(), []
    pending = list(commands)
    while pending:
        batch, pending = pending[:at_once], pending[at_once:]
        running = [subprocess.Popen(command, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True) for command in batch]
        for process in running:
            out, err = process.communicate(timeout=3600)
            if process.returncode not in (0, 1) or os.environ.get("AWSAUDIT_BENCH_VERBOSE"):
                sys.stderr.write(out[-3000:] + err[-2000:])
            if process.returncode not in (0, 1):
                raise NoRow(f"a shard exited {process.returncode}")
            peaks.append(_peak(out))
    report = workdir / "merged.html"
    junit = report.with_suffix(".xml")
    merging = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MERGE_LAUNCHER, *map(str, files), f"--html={report}",
                           f"--junitxml={junit}"], cwd=project, env=env, capture_output=True, text=True, timeout=3600)
    ended = time.perf_counter()
    problem = unfit(done.returncode, junit, names)
    if problem or os.environ.get("AWSAUDIT_BENCH_VERBOSE"):
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-3000:])
    if problem:
        raise NoRow(f"the merge: {problem}")
    return ended - started, max([*peaks, _peak(done.stdout)]), report, ended - merging


def iam_catalog() -> list[str]:
    """The ids of the IAM catalog: the ROOT-* and IAM-* controls of checks/."""
    from awsaudit import catalog

    return [meta.id for meta in catalog.read(REPO / "checks").controls if meta.id.startswith(("ROOT-", "IAM-"))]


def how(extra: list[str], shards: int, at_once: int) -> str:
    """How the audit ran, as the README's tables say it."""
    if shards:
        side = "one after another" if at_once == 1 else f"{at_once} at a time"
        return f"{shards} shards ({side}) + merge"
    workers = next((extra[i + 1] for i, arg in enumerate(extra[:-1]) if arg == "-n"), None)
    return f"`-n {workers}`" if workers else "one process"


def measure(accounts: int, per_account: int, url: str, counter: RequestCounter, extra: list[str],
            checks: list[Path], selection: list[str] = (), variants: tuple[int, ...] = (0,),
            at_once: int = 2) -> Iterator[Row]:
    """The rows of one size, seeded once: one row per variant (0: one run; N: N shards and their merge)."""
    now = datetime.now(timezone.utc)
    seeded = twins(accounts, per_account, now)
    seeding = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="awsaudit-bench-") as tmp, offline.emulate(seeded, endpoint_url=url), \
            counter.counting():
        sys.stderr.write(f"{accounts}x{per_account}: seeded in {time.perf_counter() - seeding:.0f} s\n")
        workdir = Path(tmp)
        project = project_with(checks, Path(tempfile.mkdtemp(dir=tmp)))
        config = offline.write_config(seeded, workdir / "config", endpoint_url=url)
        clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("AWS_")}
        env = {**clean, "AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(workdir / "none"),
               "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        names = [twin.name for twin in seeded]
        root_requests = None
        if accounts == 1:  # the six root controls alone, for their own target
            counter.clear()
            audit(workdir, env, names, "--control", "ROOT-1,ROOT-2,ROOT-3,ROOT-4,ROOT-5,ROOT-6", *extra,
                  project=project)
            root_requests = sum(counter.actions.values())
        for shards in variants:
            counter.clear()
            if shards:
                wall, peak, report, merge = sharded(workdir, env, names, shards, at_once, *selection, *extra,
                                                    project=project)
                sys.stderr.write(f"{accounts}x{per_account}: the merge took {merge:.1f} s of {wall:.1f} s\n")
            else:
                wall, peak, report = audit(workdir, env, names, *selection, *extra, project=project)
            requests, busy = sum(counter.actions.values()) / accounts, counter.busy
            if os.environ.get("AWSAUDIT_BENCH_VERBOSE"):
                sys.stderr.write(f"{accounts}x{per_account}: {dict(counter.actions.most_common())}\n")
            size = report.stat().st_size / 1e6 if report.exists() else 0.0
            summary = report.with_name(f"{report.stem}-summary.html")
            summary_opened = open_time(summary) if summary.exists() else None
            opened = open_time(report) if report.exists() else None
            yield Row(how(extra, shards, at_once), accounts, per_account, wall, peak, requests, root_requests, size,
                      opened, summary_opened, busy)
            root_requests = None


def table(rows: list[Row]) -> str:
    head = ("accounts", "users/account", "pytest", "wall (s)", "moto server busy (s, summed)", "peak memory (MB)",
            "API requests/account", "root controls alone", "report (MB)", "report opens (s)", "summary page opens (s)")
    lines = ["| " + " | ".join(head) + " |", "|---:|---:|---|" + "---:|" * (len(head) - 3)]
    for r in rows:
        lines.append("| " + " | ".join([
            str(r.accounts), f"{r.users:,}", r.how, f"{r.wall:.1f}", f"{r.server_busy:.1f}", f"{r.peak_mb:.0f}",
            f"{r.requests_per_account:.1f}",
            "" if r.root_requests is None else str(r.root_requests), f"{r.report_mb:.2f}",
            *("n/a" if t is None else f"> {OPEN_LIMIT}" if t == float("inf") else f"{t:.2f}"
              for t in (r.open_seconds, r.summary_open_seconds))]) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default=",".join(f"{a}x{u}" for a, u in DEFAULT_ROWS),
                        help="accounts x users per account, comma-separated (default: %(default)s)")
    parser.add_argument("--check", action="append", type=Path, default=[], metavar="FILE",
                        help="also audit with this control file (a copy of the project's checks/ plus FILE): what "
                             "adding a control costs")
    parser.add_argument("--iam", action="store_true",
                        help="audit the IAM catalog only (the ROOT-* and IAM-* controls), as the rows of 1,000 "
                             "accounts do")
    parser.add_argument("--at-once", type=int, default=2, metavar="N",
                        help="for a sharded row (ACCOUNTSxUSERS/SHARDS): how many shards run side by side "
                             "(default %(default)s)")
    parser.add_argument("pytest_args", nargs="*", help="passed to the audit after --, e.g. -- -n 2")
    args = parser.parse_args()
    refused = refusal(LACKING, sys.executable)
    if refused:
        print(refused, file=sys.stderr)
        return 2
    rows = []
    for spec in args.rows.split(","):  # 100x50, or 1000x50/4: in 4 shards
        size, _, shards = spec.partition("/")
        accounts, per_account = (int(n) for n in size.split("x"))
        rows.append((accounts, per_account, int(shards or 0)))
    selection = ["--control", ",".join(iam_catalog())] if args.iam else []
    counter = RequestCounter()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    results: list[Row] = []
    failed = None
    with contextlib.ExitStack() as stack:
        stack.enter_context(indexed_access_keys())
        stack.callback(server.stop)
        host, port = server.get_host_and_port()
        sizes: dict[tuple[int, int], list[int]] = {}  # rows of one size share one seeding
        for accounts, per_account, shards in rows:
            sizes.setdefault((accounts, per_account), []).append(shards)
        for (accounts, per_account), variants in sizes.items():
            try:
                for row in measure(accounts, per_account, f"http://{host}:{port}", counter, args.pytest_args,
                                   args.check, selection, tuple(variants), args.at_once):
                    results.append(row)
                    print(table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            except NoRow as exc:
                failed = f"bench/run.py: no row for {accounts}x{per_account}: {exc}"
                break
            _reset(f"http://{host}:{port}")
    if results:
        print(f"Machine: {machine()}\n")
        print(table(results))
    if failed:
        print(failed, file=sys.stderr)
        return 1
    return 0


def _reset(url: str) -> None:
    """Empty the server's accounts between rows (moto's reset API)."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=60).close()


if __name__ == "__main__":
    raise SystemExit(main())
