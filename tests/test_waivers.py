"""Waivers: accepted exceptions with a justification and an expiry, which turn a covered failure into "waived" and
never hide anything else: an expired waiver, one that leaves a resource out, or one that matches nothing says so."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from awsaudit import catalog
from awsaudit.waivers import Decision, Waiver, decide, load
from conftest import (LONE, REPO, AuditRun, check_files, details, make_project, report_data, run_audit,
                      without_resources)

ALL_CHECKS = check_files("test_*.py")
CONTROLS = catalog.read(REPO / "checks")

VALID = '''
[[waiver]]
control = "IAM-8"
account = "dev"
justification = "a valid first entry, so the broken one is number 2"
expires = 2099-12-31
'''

BROKEN = '''
[[waiver]]
control = "IAM-8"
account = "prod"
justification = "CI user with a direct policy until the OIDC role replaces it (SEC-1234)"
expires = 2099-12-31
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "waivers.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- load: every mistake is a usage error naming the file and the entry ------------------------------------------------

MISTAKES = {
    "no justification": (BROKEN.replace(
        'justification = "CI user with a direct policy until the OIDC role replaces it (SEC-1234)"\n', ""),
        "justification is required"),
    "blank justification": (BROKEN.replace(
        '"CI user with a direct policy until the OIDC role replaces it (SEC-1234)"', '"   "'),
        "justification is required"),
    "no expires": (BROKEN.replace("expires = 2099-12-31\n", ""), "expires is required"),
    "expires in words": (BROKEN.replace("2099-12-31", '"next quarter"'),
                         "expires 'next quarter' is not a date (write it as 2027-03-31)"),
    "expires no such day": (BROKEN.replace("2099-12-31", '"2099-02-30"'), "expires '2099-02-30' is not a date"),
    "expires a datetime": (BROKEN.replace("2099-12-31", "2099-12-31T10:00:00"),
                           "expires datetime.datetime(2099, 12, 31, 10, 0) is not a date"),
    "expires a time": (BROKEN.replace("2099-12-31", "10:00:00"), "is not a date (write it as 2027-03-31)"),
    "unknown key": (BROKEN + "expiry = 2099-12-31\n",
                    "expiry is not a known key (known: account, approved_by, control, expires, justification, "
                    "resources)"),
    "bad control id": (BROKEN.replace('"IAM-8"', '"IAM8"'), "control 'IAM8' is not a control id such as IAM-8"),
    "no such control": (BROKEN.replace('"IAM-8"', '"IAM-88"'), "no control has the id IAM-88; did you mean IAM-8?"),
    "resources a string": (BROKEN + 'resources = "ci-legacy"\n', "resources must be a list of resource names"),
    "resources not strings": (BROKEN + 'resources = ["ci-legacy", 7]\n', "resources must be a list of resource names"),
    "resources empty name": (BROKEN + 'resources = ["ci-legacy", ""]\n', "resources must be a list of resource names"),
}


@pytest.mark.parametrize(("entry", "problem"), MISTAKES.values(), ids=MISTAKES.keys())
def test_a_malformed_waiver_names_file_and_entry(tmp_path: Path, entry: str, problem: str) -> None:
    path = write(tmp_path, VALID + entry)
    label = next(f"{control} on prod" for control in ("IAM8", "IAM-88", "IAM-8") if f'"{control}"' in entry)
    with pytest.raises(pytest.UsageError) as raised:
        load(path, CONTROLS)
    assert str(raised.value).startswith(f"{path}: waiver 2 ({label}): ")
    assert problem in str(raised.value)


@pytest.mark.parametrize(("text", "problem"), [
    ("[[waiver]\ncontrol = 'IAM-8'\n", "is not valid TOML"),
    (VALID + "[waivers]\nowner = 'security'\n", "waivers is not known; waivers are [[waiver]] tables"),
    ("[waiver]\ncontrol = 'IAM-8'\n", "waiver must be a list of [[waiver]] tables"),
], ids=["not TOML", "another top-level key", "a single table"])
def test_a_malformed_file_names_the_file(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(pytest.UsageError) as raised:
        load(path, CONTROLS)
    assert str(path) in str(raised.value) and problem in str(raised.value)


def test_a_well_formed_file_loads_every_field(tmp_path: Path) -> None:
    """A quoted ISO date is accepted like a TOML date; the justification is kept without surrounding blanks."""
    entry = BROKEN.replace("2099-12-31", '"2027-03-31"').replace('"CI user', '"  CI user').replace(')"', ')\t"')
    path = write(tmp_path, VALID + entry + 'resources = ["ci-legacy"]\napproved_by = "security team"\n')
    assert load(path, CONTROLS) == [
        Waiver(1, "IAM-8", "dev", (), "a valid first entry, so the broken one is number 2", date(2099, 12, 31)),
        Waiver(2, "IAM-8", "prod", ("ci-legacy",),
               "CI user with a direct policy until the OIDC role replaces it (SEC-1234)", date(2027, 3, 31),
               "security team"),
    ]


def test_a_control_id_is_not_refused_while_a_control_file_cannot_be_read(tmp_path: Path) -> None:
    """The control may be in the file that failed to import: collection reports that file and the run stops."""
    unread = catalog.Catalog(CONTROLS.controls, CONTROLS.markers, unreadable=("test_broken.py",))
    assert [w.control for w in load(write(tmp_path, BROKEN.replace('"IAM-8"', '"NEW-1"')), unread)] == ["NEW-1"]


def test_an_empty_resources_list_is_refused(tmp_path: Path) -> None:
    """An empty list names no resource: reading it as "every resource" would waive more than the file says."""
    with pytest.raises(pytest.UsageError, match="resources"):
        load(write(tmp_path, BROKEN + "resources = []\n"), CONTROLS)


# -- decide: which waiver covers which result --------------------------------------------------------------------------

TODAY = date(2026, 6, 1)
PROD = {"prod", "123456789012"}


def waiver(account: str = "prod", resources: tuple[str, ...] = (), expires: date = date(2099, 12, 31),
           control: str = "IAM-8", number: int = 1) -> Waiver:
    return Waiver(number, control, account, resources, "accepted for a test", expires)


@pytest.mark.parametrize("account", ["prod", "123456789012"])
def test_a_waiver_names_its_account_by_profile_or_account_id(account: str) -> None:
    mine = waiver(account)
    assert decide([mine], "IAM-8", PROD, {"ci": "policy attached"}, TODAY).applies == mine


@pytest.mark.parametrize("other", [waiver("staging"), waiver("999999999999"), waiver(control="IAM-9")])
def test_a_waiver_for_another_account_or_control_does_not_apply(other: Waiver) -> None:
    assert decide([other], "IAM-8", PROD, {"ci": "policy attached"}, TODAY) == Decision(None, (), ())


def test_an_expired_waiver_does_not_apply_and_is_reported() -> None:
    old = waiver(expires=TODAY - timedelta(days=1))
    decision = decide([old], "IAM-8", PROD, {"ci": "policy attached"}, TODAY)
    assert decision.applies is None
    assert decision.expired == (old,)
    assert decision.partial == ()


def test_a_waiver_still_applies_on_its_expiry_date() -> None:
    """`expires` is the last day it applies."""
    last_day = waiver(expires=TODAY)
    decision = decide([last_day], "IAM-8", PROD, {"ci": "policy attached"}, TODAY)
    assert decision.applies == last_day and decision.expired == ()


def test_a_resources_waiver_covers_a_failure_only_when_every_offender_is_named() -> None:
    named = waiver(resources=("ci", "deploy", "gone-already"))
    assert decide([named], "IAM-8", PROD, {"ci": "policy attached", "deploy": "inline policy"}, TODAY).applies == named


def test_a_resources_waiver_that_leaves_an_offender_out_is_partial() -> None:
    narrow = waiver(resources=("ci",))
    decision = decide([narrow], "IAM-8", PROD, {"ci": "policy attached", "bob": "policy attached"}, TODAY)
    assert decision.applies is None
    assert decision.partial == (narrow,)
    assert decision.expired == ()


def test_a_resources_waiver_is_partial_for_a_control_that_names_no_resources() -> None:
    """A control that does not judge resources one by one (offenders None) cannot show its failure is the one named."""
    narrow = waiver(resources=("ci",))
    decision = decide([narrow], "IAM-8", PROD, None, TODAY)
    assert decision.applies is None and decision.partial == (narrow,)


def test_a_resources_waiver_applies_to_a_pass_so_a_stale_waiver_shows() -> None:
    narrow = waiver(resources=("ci",))
    assert decide([narrow], "IAM-8", PROD, {}, TODAY).applies == narrow


def test_the_first_covering_waiver_applies_and_a_partial_one_is_still_reported() -> None:
    whole, narrow = waiver(number=1), waiver(resources=("ci",), number=2)
    decision = decide([narrow, whole], "IAM-8", PROD, {"ci": "x", "bob": "y"}, TODAY)
    assert decision.applies == whole and decision.partial == (narrow,)


# -- end to end: the report, JUnit and console as an auditor reads them ------------------------------------------------

WAIVERS = '''
[[waiver]]
control = "IAM-8"
account = "noncompliant"
justification = "bob is the break-glass administrator (SEC-1234)"
expires = 2099-12-31
approved_by = "security team"

[[waiver]]
control = "IAM-8"
account = "compliant"
justification = "kept from before the groups were set up"
expires = 2099-12-31

[[waiver]]
control = "IAM-6"
account = "222222222222"
justification = "rotation in progress"
expires = 2001-01-31

[[waiver]]
control = "IAM-7"
account = "noncompliant"
resources = ["bob access key 1"]
justification = "key 1 feeds a legacy job"
expires = 2099-12-31

[[waiver]]
control = "IAM-11"
account = "222222222222"
resources = ["old-www-example-com"]
justification = "kept for the incident investigation"
expires = 2099-12-31

[[waiver]]
control = "IAM-8"
account = "staging"
justification = "no run covers staging"
expires = 2099-12-31
'''

IAM8 = "test_users_get_permissions_only_through_groups"


# The waived controls judge users' keys and policies and server certificates: the main twins' IAM is all they read.
IAM_TWINS = {f"{name}.toml": without_resources(name) for name in ("compliant", "noncompliant")}


@pytest.fixture(scope="module")
def waived(tmp_path_factory: pytest.TempPathFactory) -> AuditRun:
    """Both twins, the four waived controls, with the waivers above in the project's waivers.toml."""
    tmp = tmp_path_factory.mktemp("waived")
    project = make_project(tmp, twins=IAM_TWINS, checks=ALL_CHECKS)
    (project / "waivers.toml").write_text(WAIVERS, encoding="utf-8")
    return run_audit(tmp, "--offline", "--account", "compliant,noncompliant", "-k", "IAM-6 or IAM-7 or IAM-8 or IAM-11",
                     cwd=project)


def test_a_covered_failure_is_waived(waived: AuditRun) -> None:
    assert waived.verdicts == {
        f"{IAM8}[compliant]": "passed", f"{IAM8}[noncompliant]": "waived",
        "test_no_expired_server_certificates[compliant]": "passed",
        "test_no_expired_server_certificates[noncompliant]": "waived",
        "test_at_most_one_active_access_key[compliant]": "passed",
        "test_at_most_one_active_access_key[noncompliant]": "failed",
        "test_access_keys_rotated[compliant]": "passed", "test_access_keys_rotated[noncompliant]": "failed",
    }, waived.output
    assert ("    WAIVED IAM-8 IAM users receive permissions only through groups: waived by waiver 1 (IAM-8 on "
            "noncompliant)") in waived.output
    assert "noncompliant (222222222222, noncompliant-example): 0 passed, 2 failed, 0 errors, 2 waived" in waived.output


def test_a_waived_row_shows_its_justification_and_the_failure_it_covers(waived: AuditRun) -> None:
    opened = details(waived.report)[f"{IAM8}[noncompliant]"]
    assert ("<p><b>Waiver:</b> waived by waiver 1 (IAM-8 on noncompliant), until 2099-12-31, approved by security team: "
            "bob is the break-glass administrator (SEC-1234)</p>") in opened
    assert "failure: 1 of 1 IAM users fail: bob (policy AdministratorAccess attached" in opened


def test_a_waiver_by_account_id_with_every_offender_named_applies(waived: AuditRun) -> None:
    note = waived.properties["test_no_expired_server_certificates[noncompliant]"]["waiver"]
    assert note.startswith("waived by waiver 5 (IAM-11 on 222222222222) for old-www-example-com, until 2099-12-31")


def test_a_waived_control_that_passes_says_the_waiver_can_go(waived: AuditRun) -> None:
    note = "passed although waived; the waiver can be removed: waiver 2 (IAM-8 on compliant)"
    assert waived.properties[f"{IAM8}[compliant]"]["waiver"].startswith(note)
    assert f"<p><b>Waiver:</b> {note}" in details(waived.report)[f"{IAM8}[compliant]"]
    assert f"IAM-8 on compliant: {note}" in waived.output
    cells = "".join(report_data(waived.report)["tests"][f"checks/test_iam_permissions_via_groups.py::{IAM8}[compliant]"]
                    [-1]["resultsTableRow"])
    assert '<td class="col-result">Passed despite a waiver</td>' in cells


def test_an_expired_waiver_leaves_the_failure_failed_and_says_so(waived: AuditRun) -> None:
    test_id = "test_at_most_one_active_access_key[noncompliant]"
    expired = "expired on 2001-01-31, no longer applies: waiver 3 (IAM-6 on 222222222222)"
    assert waived.verdicts[test_id] == "failed"
    assert waived.properties[test_id]["waiver"].startswith(expired)
    assert f"<p><b>Waiver:</b> {expired}" in details(waived.report)[test_id]
    assert f"[waiver: {expired}" in waived.output


def test_a_waiver_that_leaves_an_offender_out_does_not_apply(waived: AuditRun) -> None:
    test_id = "test_access_keys_rotated[noncompliant]"
    assert waived.verdicts[test_id] == "failed"
    assert waived.properties[test_id]["waiver"].startswith(
        "does not cover every failing resource: waiver 4 (IAM-7 on noncompliant) for bob access key 1")


def test_a_waiver_that_matched_nothing_is_listed(waived: AuditRun) -> None:
    unmatched = [line for line in waived.output.splitlines() if line.endswith("matched no result of this run")]
    assert unmatched == ["waiver 6 (IAM-8 on staging), until 2099-12-31: no run covers staging: "
                         "matched no result of this run"]


def test_the_exit_code_is_1_while_a_failure_is_not_waived(waived: AuditRun) -> None:
    """IAM-6 (expired waiver) and IAM-7 (a key left out) still fail."""
    assert waived.returncode == 1, waived.output


def test_the_exit_code_is_0_when_every_failure_is_waived(tmp_path: Path) -> None:
    """IAM-8 is the only failure selected; the waivers file is named with -o, relative to pytest.ini."""
    project = make_project(tmp_path, twins=IAM_TWINS, checks=ALL_CHECKS)
    (project / "accepted.toml").write_text(WAIVERS.split("\n\n")[0], encoding="utf-8")
    run = run_audit(tmp_path, "--offline", "--account", "noncompliant", "-k", "IAM-8", "-o", "waivers=accepted.toml",
                    cwd=project)
    assert run.verdicts == {f"{IAM8}[noncompliant]": "waived"}, run.output
    assert run.returncode == 0, run.output


def test_a_malformed_waivers_file_stops_the_run_with_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins=None, checks=ALL_CHECKS)
    (project / "waivers.toml").write_text(VALID + BROKEN.replace("expires = 2099-12-31\n", ""), encoding="utf-8")
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.returncode == 4
    naming = [line for line in run.output.splitlines() if "waiver 2" in line]
    assert naming == [f"ERROR: {project / 'waivers.toml'}: waiver 2 (IAM-8 on prod): expires is required"]
    assert "Traceback" not in run.output
    assert not run.report.exists()


def test_a_waiver_for_a_control_not_in_checks_stops_the_run(tmp_path: Path) -> None:
    """It would never match: a typo, or a control since removed. The project's checks/ has the root controls only."""
    project = make_project(tmp_path)
    (project / "waivers.toml").write_text(VALID.replace("IAM-8", "ROOT-6") + BROKEN, encoding="utf-8")
    run = run_audit(tmp_path, "--offline", cwd=project)
    assert run.returncode == 4, run.output
    naming = [line for line in run.output.splitlines() if "waiver 2" in line]
    assert naming == [f"ERROR: {project / 'waivers.toml'}: waiver 2 (IAM-8 on prod): no control has the id IAM-8; "
                      "known: ROOT-1, ROOT-2, ROOT-3, ROOT-4, ROOT-5, ROOT-6"]
    assert "Traceback" not in run.output


JUDGED_THEN_FAILED = '''
from awsaudit import control


@control("X-1", severity="low", frameworks={}, remediation="none")
def test_judges_then_fails(account, findings):
    """Judges its resources, which pass, then fails on something else

    A waiver for some resources must not cover the other failure.
    """
    findings.judge("users", ["ci"], {})
    assert False, "something else is wrong"
'''


def test_a_resources_waiver_does_not_cover_a_failure_that_is_not_about_resources(tmp_path: Path) -> None:
    project = make_project(tmp_path, twins=LONE, checks={"test_x.py": JUDGED_THEN_FAILED})
    (project / "waivers.toml").write_text('[[waiver]]\ncontrol = "X-1"\naccount = "lone"\nresources = ["ci"]\n'
                                          'justification = "accepted"\nexpires = 2099-12-31\n', encoding="utf-8")
    run = run_audit(tmp_path, "--offline", "--account", "lone", cwd=project)
    assert run.verdicts == {"test_judges_then_fails[lone]": "failed"}, run.output
