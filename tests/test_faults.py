"""Faults, injected offline: nothing passes silently, nothing hangs, nothing is lost.

Data is fetched once per account; data that cannot be read is an ERROR that names its cause, never a PASS, and it
touches only the controls that need that data and the account it belongs to.
"""

from __future__ import annotations

import base64
import json
import os
import http.server
import re
import socket
import threading
import time
from collections import Counter
from contextlib import closing
from urllib.parse import parse_qs
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
import pytest_html
from pytest_html.util import _read_template

from awsaudit import credential_report, offline
from awsaudit.errors import ReportError
from awsaudit.outputs.html_rows import Rows
from awsaudit.outputs.report_files import reserve
from conftest import LONE, ROOT_CHECKS, details, make_project, report_data, run_audit, without_resources


def audit_in_process(pytester: pytest.Pytester, *args: str, checks: dict[str, str] | None = None,
                     twins: dict[str, str] | None = None) -> pytest.RunResult:
    """The offline audit of the given twins (name -> text; default: a plain compliant one), run in this process so
    moto's answers can be bent.

    Its HTML report is `report_of(pytester)`.
    """
    project = make_project(pytester.path, twins=twins or {"compliant.toml": PLAIN_COMPLIANT}, checks=checks)
    return pytester.runpytest_inprocess("--rootdir", str(project), "-c", str(project / "pytest.ini"), "--offline",
                                        "-p", "no:cacheprovider", f"--html={report_of(pytester)}", *args,
                                        str(project / "checks"))


# The compliant twin as shipped, for tests whose verdicts must not change when a user gives it more state.
PLAIN_COMPLIANT = '''account_id = "111111111111"
alias = "compliant-example"

[root]
password = true
password_last_used = "120 days ago"
mfa = "hardware"
'''


# Two accounts: one passes every root control, the other fails them all.
TWO_ACCOUNTS = {"compliant.toml": PLAIN_COMPLIANT, "noncompliant.toml": without_resources("noncompliant")}


def report_of(pytester: pytest.Pytester) -> Path:
    return pytester.path / "project" / "report.html"


def fail_first(calls: int, error: Exception, real: Any) -> Any:
    """A moto backend method that raises `error` on its first `calls` calls, then answers as `real` does."""
    count = Counter[str]()

    def method(*args: Any, **kwargs: Any) -> Any:
        count["calls"] += 1
        if count["calls"] <= calls:
            raise error
        return real(*args, **kwargs)

    return method


@pytest.mark.parametrize(("root_line", "reason"), [
    ("", "the credential report has no <root_account> row, expected exactly one"),
    ("<root_account>,arn:aws:iam::111111111111:root,garbage\n", "credential report line 2 has 3 fields, expected 22"),
])
def test_a_report_without_a_usable_root_row_is_an_error_in_every_control(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, root_line: str, reason: str) -> None:
    monkeypatch.setattr(offline.iam, "root_row", lambda account_id, root: root_line)
    result = audit_in_process(pytester)
    result.assert_outcomes(errors=6)
    assert result.ret == 1
    assert result.stdout.str().count(reason) >= 6


@pytest.mark.filterwarnings("ignore:Exception.IAMException. with code AccessDenied:UserWarning")
def test_a_denied_api_errors_only_the_controls_that_need_it(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    def deny(*args: object, **kwargs: object) -> None:
        raise IAMException("AccessDenied", "User is not authorized to perform: iam:ListVirtualMFADevices")

    monkeypatch.setattr(IAMBackend, "list_virtual_mfa_devices", deny)
    result = audit_in_process(pytester)
    result.assert_outcomes(passed=4, skipped=1, errors=1)
    assert ("compliant: virtual MFA devices: iam:ListVirtualMFADevices was denied (AccessDenied): "
            "grant iam:ListVirtualMFADevices to the identity that runs the audit") in result.stdout.str()


BODY_CONTROLS = '''
import boto3

from awsaudit import control


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_fetches_in_its_body(account):
    """Reads a password policy the account does not have

    Fetching belongs in fixtures; one that fetches in its body must still not be read as non-compliant.
    """
    account.fetch("iam", "password policy", lambda iam: iam.get_account_password_policy())


@control("X-3", severity="low", frameworks={}, remediation="none")
def test_reads_through_the_account_client_in_its_body(account):
    """Reads through the engine's client in its body

    An AWS error raised in the body is still no evidence of non-compliance.
    """
    account.client("iam").get_account_password_policy()


@control("X-2", severity="low", frameworks={}, remediation="none")
def test_writes_through_its_own_client(account):
    """Tries to write through a client the engine did not make

    The read-only guard holds for every botocore session made during the audit, not only the engine's.
    """
    boto3.client("iam", region_name="us-east-1").create_user(UserName="written-by-a-control")
'''


def test_data_errors_in_a_control_body_are_errors_not_failures(pytester: pytest.Pytester) -> None:
    result = audit_in_process(pytester, checks={"test_body.py": BODY_CONTROLS})
    out = result.stdout.str()
    assert "compliant (111111111111, compliant-example): 0 passed, 0 failed, 3 errors, 0 waived, 0 not applicable" in out
    assert "ERROR  X-3 Reads through the engine's client in its body: could not evaluate: " \
           "GetAccountPasswordPolicy failed (NoSuchEntity)" in out
    rows = report_data(report_of(pytester))["tests"]
    assert sorted(r[-1]["resultsTableRow"][0] for r in rows.values()) == ['<td class="col-result">Error</td>'] * 3
    assert "ERROR  X-1 Reads a password policy the account does not have: compliant: password policy: " \
           "iam:GetAccountPasswordPolicy failed (NoSuchEntity)" in out
    assert "ERROR  X-2 Tries to write through a client the engine did not make: " \
           "iam:CreateUser refused before it was sent" in out
    from moto.iam.models import iam_backends
    assert "written-by-a-control" not in iam_backends["111111111111"]["aws"].users


def test_debug_logging_leaks_no_credentials(tmp_path: Path) -> None:
    """At DEBUG, botocore would log AssumeRole's secret key and every request's session token: the twin's seeding
    and the audit each assume a role, and the AWS libraries' loggers are quieted for the whole audit, whatever
    services its controls read."""
    project = make_project(tmp_path, twins=LONE)
    run = run_audit(tmp_path, "--offline", "--log-level=DEBUG", "-o", "log_cli=true", cwd=project)
    written = run.output + run.report.read_text(encoding="utf-8") + run.junit.read_text(encoding="utf-8")
    assert run.returncode == 0, run.output
    for secret in ("SecretAccessKey", "SessionToken", "X-Amz-Security-Token", "offline-twin-secret"):
        assert secret not in written


def test_each_account_s_data_is_fetched_once_and_shared_by_all_six_controls(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    import botocore.handlers

    import awsaudit.offline

    calls: Counter[str] = Counter()
    seeding: list[bool] = []

    def count(model: Any, **_: Any) -> None:
        if not seeding:  # the twins' own set-up reads (seed calls that keep an answer) are not the audit's
            calls[f"{model.service_model.service_name}:{model.name}"] += 1

    def seed(*args: Any) -> None:
        seeding.append(True)
        try:
            real_seed(*args)
        finally:
            seeding.pop()

    real_seed = awsaudit.offline.seed
    monkeypatch.setattr(awsaudit.offline, "seed", seed)
    handlers = [("before-call", count), *botocore.handlers.BUILTIN_HANDLERS]
    monkeypatch.setattr(botocore.handlers, "BUILTIN_HANDLERS", handlers)
    result = audit_in_process(pytester, twins=TWO_ACCOUNTS)
    result.assert_outcomes(passed=5, failed=6, skipped=1)
    reads = {name: n for name, n in calls.items() if name.split(":")[1].startswith(("Get", "List", "Generate"))}
    assert reads == {
        "sts:GetCallerIdentity": 2, "iam:ListAccountAliases": 2,
        "iam:GenerateCredentialReport": 4,  # per account: STARTED, then COMPLETE
        "iam:GetCredentialReport": 2, "iam:GetAccountSummary": 2, "iam:ListVirtualMFADevices": 2,
    }


# --- the faults of "What happens when..." in the README, each injected ------------------------------------------

UNMODELLED_ERROR = "ignore:Exception.IAMException. with code:UserWarning"  # moto's note on errors it does not model


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore retries a throttled call at once: no back-off before a retry, no client-side rate limit after a
    throttle. The retries and their count are botocore's and the engine's as in any run; only the waits go."""
    import botocore.retries.adaptive
    import botocore.retries.standard

    monkeypatch.setattr(botocore.retries.standard.ExponentialBackoff, "delay_amount", lambda self, context: 0)
    monkeypatch.setattr(botocore.retries.adaptive.ClientRateLimiter, "on_sending_request",
                        lambda self, request, **kwargs: None)


@pytest.mark.filterwarnings(UNMODELLED_ERROR)
@pytest.mark.usefixtures("no_backoff")
@pytest.mark.parametrize("code", ["Throttling", "ThrottlingException", "RequestLimitExceeded"])
def test_throttling_is_retried_and_the_retries_show_in_the_evidence(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    throttled = fail_first(2, IAMException(code, "Rate exceeded"), IAMBackend.get_account_summary)
    monkeypatch.setattr(IAMBackend, "get_account_summary", throttled)
    result = audit_in_process(pytester)
    result.assert_outcomes(passed=5, skipped=1)
    opened = details(report_of(pytester))["test_root_has_no_active_access_keys[compliant]"]
    assert "<th>account summary: AWS calls retried</th><td>2</td>" in opened


@pytest.mark.filterwarnings(UNMODELLED_ERROR)
@pytest.mark.usefixtures("no_backoff")
def test_throttling_that_outlasts_the_retries_is_an_error_saying_so(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    monkeypatch.setattr(IAMBackend, "get_account_summary",
                        fail_first(99, IAMException("Throttling", "Rate exceeded"), IAMBackend.get_account_summary))
    result = audit_in_process(pytester, "-o", "aws_max_attempts=2")
    result.assert_outcomes(passed=1, skipped=1, errors=4)
    result.stdout.fnmatch_lines(["*account summary: iam:GetAccountSummary was still throttled (Throttling) "
                                 "after * retries: run again later, or raise aws_max_attempts"])


@pytest.mark.filterwarnings(UNMODELLED_ERROR)
@pytest.mark.parametrize(("method", "action", "outcomes"), [
    # Every root control reads the report.
    ("get_credential_report", "iam:GetCredentialReport", dict(errors=6)),
    # ROOT-2 and ROOT-4 read only the report, so they still judge.
    ("get_account_summary", "iam:GetAccountSummary", dict(passed=1, skipped=1, errors=4)),
])
def test_a_denied_api_errors_only_the_controls_that_need_it_and_names_the_permission(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, method: str, action: str,
        outcomes: dict[str, int]) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    monkeypatch.setattr(IAMBackend, method, fail_first(99, IAMException("AccessDenied", "not authorized"), None))
    result = audit_in_process(pytester)
    result.assert_outcomes(**outcomes)
    assert f"{action} was denied (AccessDenied): grant {action} to the identity that runs the audit" \
        in result.stdout.str()


@pytest.mark.parametrize(("code", "reason"), [
    ("AccessDenied", "sts:AssumeRole was denied (AccessDenied): grant sts:AssumeRole"),
    ("ExpiredToken", "sts:AssumeRole failed, the credentials are not valid (ExpiredToken)"),
])
@pytest.mark.filterwarnings("ignore:Exception.STSClientError. with code:UserWarning")
def test_an_account_that_cannot_be_reached_errors_alone(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, code: str, reason: str) -> None:
    from moto.sts.exceptions import STSClientError
    from moto.sts.models import STSBackend

    real = STSBackend.assume_role

    def assume_role(backend: STSBackend, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("role_arn", args[0] if args else "") == f"arn:aws:iam::222222222222:role/{offline.AUDIT_ROLE}":
            raise STSClientError(code, "refused")
        return real(backend, *args, **kwargs)

    monkeypatch.setattr(STSBackend, "assume_role", assume_role)
    result = audit_in_process(pytester, twins=TWO_ACCOUNTS)
    result.assert_outcomes(passed=5, skipped=1, errors=6)
    out = result.stdout.str()
    assert "noncompliant: 0 passed, 0 failed, 6 errors, 0 waived, 0 not applicable" in out
    assert f"noncompliant: account identity: {reason}" in out
    assert report_of(pytester).stat().st_size > 0


def test_a_report_that_stays_in_progress_is_an_error_after_the_wait(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.core.responses import ActionResult
    from moto.iam.responses import IamResponse

    monkeypatch.setattr(IamResponse, "generate_credential_report",
                        lambda response: ActionResult({"State": "INPROGRESS"}))
    result = audit_in_process(pytester, "-o", "credential_report_timeout=1")
    result.assert_outcomes(errors=6)
    assert ("compliant: credential report: the credential report was still INPROGRESS after 1 s "
            "(raise credential_report_timeout to wait longer)") in result.stdout.str()


def test_a_report_gone_twice_is_an_error(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    monkeypatch.setattr(IAMBackend, "get_credential_report",
                        fail_first(2, IAMException("ReportNotPresent", "gone"), IAMBackend.get_credential_report))
    result = audit_in_process(pytester)
    result.assert_outcomes(errors=6)
    assert "the credential report was ReportNotPresent again after it was regenerated" in result.stdout.str()


@pytest.mark.parametrize("code", ["ReportNotPresent", "ReportExpired"])
def test_a_report_gone_before_download_is_generated_again_once(
        pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    from moto.iam.exceptions import IAMException
    from moto.iam.models import IAMBackend

    generated = Counter[str]()
    real_generate = IAMBackend.generate_report

    def generate(backend: IAMBackend) -> None:
        generated[backend.account_id] += 1
        real_generate(backend)

    monkeypatch.setattr(IAMBackend, "generate_report", generate)
    monkeypatch.setattr(IAMBackend, "get_credential_report",
                        fail_first(1, IAMException(code, "gone"), IAMBackend.get_credential_report))
    result = audit_in_process(pytester)
    result.assert_outcomes(passed=5, skipped=1)
    assert generated["111111111111"] == 3  # STARTED, COMPLETE; after the refusal, COMPLETE again


def test_a_profile_that_signs_in_to_another_account_is_not_audited(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins=TWO_ACCOUNTS)
    run = run_audit(tmp_path, "--offline", "--account", "compliant,noncompliant",
                    "-o", "account_ids=compliant = 999999999999", cwd=project)
    assert set(run.verdicts.values()) >= {"error", "failed"}
    assert {v for t, v in run.verdicts.items() if t.endswith("[compliant]")} == {"error"}
    assert ("compliant: account identity: profile compliant signs in to account 111111111111, but account_ids "
            "pins compliant to 999999999999: not auditing the wrong account") in run.output


@pytest.mark.parametrize("role", [False, True])
def test_an_endpoint_that_does_not_answer_is_an_error_in_bounded_time(tmp_path: Path, role: bool) -> None:
    """A socket that accepts connections and never answers: the read timeout ends the wait, the run goes on.

    With a role profile the first call is botocore's own sts:AssumeRole, which must wait no longer than ours.
    """
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        keys = "aws_access_key_id = AKIAAWSAUDITSILENT01\naws_secret_access_key = not-a-secret\n"
        where = f"region = us-east-1\nendpoint_url = {url}\n"
        profile = (f"[profile silent]\nrole_arn = arn:aws:iam::111111111111:role/audit\nsource_profile = base\n{where}"
                   f"[profile base]\n{keys}{where}" if role else f"[profile silent]\n{keys}{where}")
        config = tmp_path / "aws-config"
        config.write_text(profile)
        started = time.monotonic()
        run = run_audit(tmp_path, "--account", "silent", "-o", "aws_read_timeout=1", "-o", "aws_connect_timeout=1",
                        "-o", "aws_max_attempts=2", cwd=make_project(tmp_path, twins={}),  # the root controls
                        env={"AWS_CONFIG_FILE": str(config), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")})
        waited = time.monotonic() - started
    assert len(run.verdicts) >= 6 and set(run.verdicts.values()) == {"error"}, run.output
    assert f"silent: account identity: no answer from {url}/ in time (aws_read_timeout): ReadTimeoutError" \
        in run.output
    assert waited < 30  # two attempts of one second each, the back-off, and pytest's own start
    assert run.report.stat().st_size > 0


STOPPER = '''
import os
import signal

from awsaudit import control


@control("ZZ-1", severity="low", frameworks={}, remediation="none")
def test_zz_stop_the_run(account):
    """Stops the run on its second account

    Stands in for a user pressing Ctrl-C, or CI cancelling the job, in the middle of an audit.
    """
    if account.name == "noncompliant":
        os.kill(os.getpid(), signal.SIG{signal})
'''


def pytest_html_page(path: Path, tests: dict[str, list[dict[str, Any]]]) -> SimpleNamespace:
    """What `Rows` takes of pytest-html's report: its path, its page template and its data."""
    data = {"environment": {"Python": "3.11"}, "tests": tests, "renderCollapsed": ["passed"], "initialSort": "result",
            "title": "audit.html"}
    return SimpleNamespace(_report_path=path, _report=SimpleNamespace(data=data),
                           _template=_read_template([Path(pytest_html.__file__).with_name("resources")]))


# What pytest-html 4 renders its page with (BaseReport._generate_report), the rows' data aside.
PAGE = {"title": "audit.html", "date": "30-Nov-2026", "time": "12:00:00", "version": "4", "styles": "",
        "run_count": "2 results", "running_state": "finished", "self_contained": True,
        "outcomes": {"passed": {"label": "Passed", "value": 1}}, "table_head": ["<th>Result</th>"],
        "additional_summary": {"prefix": ["<p>audit</p>"], "summary": [], "postfix": []}}


def test_a_report_is_never_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Killed between writing and renaming, the run leaves the reserved (empty) file and no partial one."""
    target = reserve(tmp_path / "audit.html")
    html = pytest_html_page(target, {"t": [{"log": "row"}]})

    def killed(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    with closing(Rows(html)):  # type: ignore[arg-type]
        monkeypatch.setattr(os, "replace", killed)
        with pytest.raises(KeyboardInterrupt):
            html._write_report(html._template.render(**PAGE, test_data="{}"))
        assert target.read_text() == ""
        assert list(tmp_path.iterdir()) == [target]
        monkeypatch.undo()
        html._write_report(html._template.render(**PAGE, test_data="{}"))
    assert target.read_text().rstrip().endswith("</html>") and list(tmp_path.iterdir()) == [target]


def test_rows_kept_on_disk_make_the_page_pytest_html_writes_most_severe_first(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows filed to disk as tests finish, then streamed in pieces, give the very bytes pytest-html's template gives
    for its data with the rows most severe first (a row outside any test, as a collection error's, last)."""
    monkeypatch.setattr(Rows, "_PIECE", 7)  # pieces that cut the data anywhere
    made = {"t[low]": [{"severity": "low", "log": "<b>\"x\" & 'y' \u2014 caf\u00e9</b>"}],
            "t[critical]": [{"severity": "high", "log": "setup"}, {"severity": "critical", "extras": ["<i>&</i>"]}],
            "checks/broken.py": [{"log": "collection error"}]}
    html = pytest_html_page(reserve(tmp_path / "audit.html"), {})
    template = html._template
    with closing(Rows(html)) as rows:  # type: ignore[arg-type]
        for test_id, test_rows in made.items():
            html._report.data["tests"][test_id] = test_rows
            if test_id.startswith("t["):
                rows.filed(test_id)
        assert list(html._report.data["tests"]) == ["checks/broken.py"]  # the finished tests' rows left memory
        html._write_report(html._template.render(**PAGE, test_data="pytest-html's JSON, not used"))
    ordered = {key: made[key] for key in ("t[critical]", "t[low]", "checks/broken.py")}
    expected = template.render(**PAGE, test_data=json.dumps({**html._report.data, "tests": ordered}))
    assert html._report_path.read_text(encoding="utf-8") == expected
    assert "&#34;log&#34;" in expected and "&lt;b&gt;" in expected  # the data is in it, escaped


def test_a_run_stopped_early_is_marked_incomplete_with_xdist_too(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins={"noncompliant.toml": without_resources("noncompliant")})
    run = run_audit(tmp_path, "--offline", "--account", "noncompliant", "-x", "-n", "2", cwd=project)
    assert "INCOMPLETE: " in run.output
    assert "INCOMPLETE: " in run.report.read_text(encoding="utf-8")


@pytest.mark.parametrize("signal_name", ["INT", "TERM"])
def test_an_interrupted_run_still_writes_a_whole_report_marked_incomplete(tmp_path: Path, signal_name: str) -> None:
    checks = {**ROOT_CHECKS, "test_zz_stop.py": STOPPER.replace("{signal}", signal_name)}
    project = make_project(tmp_path, twins=TWO_ACCOUNTS, checks=checks)
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.returncode == 2, run.output
    page = run.report.read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>")
    assert "INCOMPLETE: " in page and "selected controls did not run" in page
    assert "<td>compliant</td><td>111111111111</td>" in page
    assert not list(tmp_path.glob(".*.partial"))


class _IamStub(http.server.BaseHTTPRequestHandler):
    """Answers IAM's query API with canned XML: a report that is COMPLETE, and content that is not base64."""

    content = "!!not*base64!!"

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        action = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())["Action"][0]
        result = ("<State>COMPLETE</State>" if action == "GenerateCredentialReport" else
                  f"<Content>{self.content}</Content><ReportFormat>text/csv</ReportFormat>"
                  "<GeneratedTime>2026-11-20T10:00:00Z</GeneratedTime>")
        body = (f'<{action}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><{action}Result>{result}'
                f"</{action}Result><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></{action}Response>")
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: Any) -> None:
        pass


@pytest.mark.parametrize(("content", "reason"), [
    ("!!not*base64!!", "the credential report content is not valid base64"),
    (base64.b64encode(b"user,arn\n\xff\xfe").decode(), "the credential report is not UTF-8 text (byte 9)"),
])
def test_an_undecodable_report_is_a_report_error(content: str, reason: str) -> None:
    """Through a real botocore client and its parser: what AWS sends is decoded by botocore before we see it."""
    handler = type("Stub", (_IamStub,), {"content": content})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        iam = boto3.Session(aws_access_key_id="AKIAAWSAUDITSTUB0001", aws_secret_access_key="x").client(
            "iam", region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{server.server_address[1]}")
        with pytest.raises(ReportError, match=re.escape(reason)):
            credential_report.fetch(iam, timeout=5)
    finally:
        server.shutdown()
        server.server_close()
