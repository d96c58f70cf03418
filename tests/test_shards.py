"""The accounts file, --shard and the merge's checks, without AWS; and their usage errors as a user meets them."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from awsaudit import account_list, sharding
from awsaudit.account_list import AccountList, AccountListError, Member
from awsaudit.merge import Merged, MergeError, combine
from awsaudit.replay import reports
from awsaudit.results import Result
from awsaudit.shard_results import FORMAT, START, ShardFile, ShardFileError, read
from conftest import run_audit


def test_auto_takes_the_jobs_0_based_index() -> None:
    assert sharding.parse("auto/4", {"JOB_COMPLETION_INDEX": "0"}) == sharding.Shard(1, 4)
    assert sharding.parse("auto/4", {"AWS_BATCH_JOB_ARRAY_INDEX": "3"}) == sharding.Shard(4, 4)
    assert sharding.parse("2/4", {}) == sharding.Shard(2, 4)


@pytest.mark.parametrize(("value", "env", "message"), [
    ("auto/4", {}, "neither JOB_COMPLETION_INDEX nor AWS_BATCH_JOB_ARRAY_INDEX is set"),
    ("auto/4", {"JOB_COMPLETION_INDEX": "4"}, "JOB_COMPLETION_INDEX=4 is not a shard index 0 to 3"),
    ("5/4", {}, "I must be 1 to 4"),
    ("0/4", {}, "I must be 1 to 4"),
    ("2", {}, "expected I/N"),
    ("1/0", {}, "expected I/N"),
])
def test_a_bad_shard_says_why(value: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        sharding.parse(value, env)


def test_slices_cover_every_account_once_and_differ_by_one_at_most() -> None:
    ids = [f"{n:012d}" for n in (9, 3, 7, 1, 5, 2, 8, 4, 6, 10)]
    parts = [sharding.pick(sharding.Shard(i, 4), ids, key=str) for i in range(1, 5)]
    assert sorted(sum(parts, [])) == sorted(ids)
    assert [len(part) for part in parts] == [2, 3, 2, 3]
    assert parts[0] == ["000000000001", "000000000002"]  # sorted ids, whatever order the list came in
    assert sharding.pick(sharding.Shard(2, 4), list(reversed(ids)), key=str) == parts[1]


def test_the_run_id_of_an_aws_batch_array_child_is_its_parents() -> None:
    assert sharding.run_id(None, {"AWS_BATCH_JOB_ID": "abc-123:2"}) == "abc-123"
    assert sharding.run_id(None, {"AWSAUDIT_RUN_ID": "r", "AWS_BATCH_JOB_ID": "abc:2"}) == "r"
    assert sharding.run_id("given", {"AWSAUDIT_RUN_ID": "r"}) == "given"
    assert sharding.run_id(None, {}) == ""


LISTING = AccountList((Member("payments", "mgmt", "222222222222", "arn:aws:iam::222222222222:role/Audit"),
                       Member("mgmt", "mgmt", "999999999999")),
                      ("Old Sandbox (444444444444): SUSPENDED in the organization",), "org:mgmt", "2026-01-01", False)


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_an_accounts_file_reads_back_as_written(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"accounts{suffix}"
    account_list.write(path, LISTING)
    read = account_list.read(path)
    assert read == LISTING and read.fingerprint() == LISTING.fingerprint()


def test_the_fingerprint_changes_with_the_accounts() -> None:
    other = AccountList(LISTING.accounts[:1], LISTING.left_out)
    assert other.fingerprint() != LISTING.fingerprint()
    assert AccountList(LISTING.accounts, LISTING.left_out, "org:other", "later").fingerprint() == \
        LISTING.fingerprint()


@pytest.mark.parametrize(("text", "message"), [
    ('[[account]]\nname = "a"\nid = "1234"\nprofile = "p"\n', r"account entry 1 \(a\): id must be the 12-digit"),
    ('[[account]]\nname = "a b"\nid = "111111111111"\nprofile = "p"\n', r"entry 1 \(a b\): name must be"),
    ('[[account]]\nname = "a"\nid = "111111111111"\nprofile = "p"\nrole_arn = "arn:aws:iam::222222222222:role/R"\n',
     r"entry 1 \(a\): role_arn must be an IAM role of account 111111111111"),
    ('[[account]]\nname = "a"\nid = "111111111111"\nprofile = "p"\n[[account]]\nname = "b"\nid = "111111111111"\n'
     'profile = "p"\n', r"entry 2 \(b\) has the id of entry 1"),
    ('[[account]]\nname = "a"\nid = "111111111111"\nprofil = "p"\n', r"entry 1 \(a\): unknown key 'profil'"),
    ("source = 'x'\n", "lists no account"),
    ("[[account]\n", "not valid TOML"),
])
def test_a_malformed_accounts_file_names_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AccountListError, match=message):
        account_list.read(path)


def test_pytest_refuses_a_bad_accounts_file_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "accounts.toml"
    path.write_text('[[account]]\nname = "a"\nid = "12"\nprofile = "compliant"\n', encoding="utf-8")
    run = run_audit(tmp_path, "--offline", f"--accounts-file={path}")
    assert run.returncode == 4, run.output
    assert f"--accounts-file {path}: account entry 1 (a): id must be the 12-digit account id" in run.output
    assert "Traceback" not in run.output


def test_pytest_refuses_an_entry_whose_profile_is_unknown(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    path.write_text(json.dumps({"offline": True, "account": [{"name": "a", "id": "111111111111",
                                                              "profile": "nosuch"}]}), encoding="utf-8")
    run = run_audit(tmp_path, "--offline", f"--accounts-file={path}")
    assert run.returncode == 4, run.output
    assert f"--accounts-file {path}: account entry 1 (a): no such twin 'nosuch'; available: " in run.output


@pytest.mark.parametrize(("args", "message"), [
    (("--shard=auto/2", "--run-id=r"), "--shard auto/2: neither JOB_COMPLETION_INDEX"),
    (("--shard=1/2",), "--shard 1/2: give the id every shard of this audit shares"),
    (("--shard=1/2", "--run-id=r", "--account=org:organization-management"),
     "each shard would list the organization again"),
])
def test_pytest_refuses_a_shard_it_cannot_place(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    run = run_audit(tmp_path, "--offline", *args)
    assert run.returncode == 4, run.output
    assert message in run.output


def test_an_accounts_file_pins_ids_and_account_picks_from_it(tmp_path: Path) -> None:
    """--account picks from the file by name or id; an account that signs in elsewhere is refused, as a pin is."""
    path = tmp_path / "accounts.toml"
    path.write_text('offline = true\n[[account]]\nname = "compliant"\nid = "111111111111"\nprofile = "compliant"\n'
                    '[[account]]\nname = "wrong"\nid = "555555555555"\nprofile = "virtual-mfa"\n', encoding="utf-8")
    run = run_audit(tmp_path, "--offline", f"--accounts-file={path}", "--account=555555555555", "--control=ROOT-1")
    assert run.returncode == 1, run.output
    assert run.verdicts == {"test_root_has_no_active_access_keys[wrong]": "error"}, run.output
    assert (f"profile virtual-mfa signs in to account 666666666666, but --accounts-file {path} pins wrong to "
            "555555555555" in run.messages("error")["test_root_has_no_active_access_keys[wrong]"])


def shard(index: int, count: int = 3, run_id: str = "r", fingerprint: str = "f", ended: bool = True) -> ShardFile:
    start = {"shard": [index, count], "run_id": run_id, "accounts_fingerprint": fingerprint, "accounts_total": 3,
             "accounts": [{"name": f"a{index}", "id": "", "home_region": "us-east-1"}]}
    end = {"exitstatus": 0, "incomplete": "", "identities": {}, "selected_controls": ["ROOT-1"]}
    return ShardFile(Path(f"shard-{index}.jsonl"), start, 0, end if ended else None)


def test_combine_refuses_shards_of_different_audits() -> None:
    with pytest.raises(MergeError, match="different audits: run id other and r"):
        combine([shard(1), shard(2, run_id="other")])
    with pytest.raises(MergeError, match=r"different audits: accounts \(accounts file and --account\) g and f"):
        combine([shard(1), shard(2, fingerprint="g")])
    with pytest.raises(MergeError, match="shard 2 of 4, shard-1.jsonl shard 1 of 3"):
        combine([shard(1), shard(2, count=4)])
    with pytest.raises(MergeError, match="shard 1 of 3 is given twice"):
        combine([shard(1), shard(1)])


def test_a_retried_shard_counts_once_its_finished_attempt() -> None:
    killed, retried = shard(2, ended=False), shard(2)
    merged = combine([shard(1), killed, retried, shard(3)])
    assert [s.end is not None for s in merged.shards] == [True, True, True] and merged.incomplete() == ""


def test_an_incomplete_merge_names_each_shard_and_exits_2() -> None:
    merged = combine([shard(3, ended=False), shard(1)])
    assert merged.incomplete() == (
        "INCOMPLETE: shard 2 of 3 is missing (no results file given for it); shard 3 of 3 did not finish (its "
        "results file has no end record; its accounts: a3); this report does not cover what they did not audit")
    assert merged.exit_code(0) == 2 and merged.describe() == "1 of 3 shards merged: 1 of 3 accounts"
    whole = Merged([shard(1), shard(2), shard(3)], 3)
    assert whole.incomplete() == "" and whole.exit_code(1) == 1 and whole.exit_code(0) == 0


def test_a_result_from_setup_replays_as_a_setup_report() -> None:
    """A source that could not be read errors in setup: the replay files it there, as pytest-html and JUnit did."""
    result = Result("prod", "ROOT-1", "Root user has no access keys", "critical", "error", "denied", account_id="1",
                    test="checks/test_root.py::test_root_has_no_access_keys[prod]", phase="setup")
    made = reports(result, None, {"alias": "p"})
    assert [(r.when, r.outcome) for r in made] == [("setup", "failed"), ("teardown", "passed")]
    assert made[0].longrepr.reprcrash.message == "denied" and made[0].awsaudit["verdict"] == "error"
    assert dict(made[1].user_properties)["verdict"] == "error" and dict(made[1].user_properties)["alias"] == "p"


def test_a_shard_file_is_read_a_line_at_a_time_and_its_results_again_when_replayed(tmp_path: Path) -> None:
    """The merge checks every line first, then reads the results it counted again, one at a time, as it replays them;
    a last line cut short (the shard killed while writing it) is left out, a damaged line before the last refused."""
    result = Result("prod", "ROOT-1", "Root user has no access keys", "critical", "failed", "a key", account_id="1",
                    evidence={"credential report": {"access_key_1_active": True}},
                    test="checks/test_root.py::test_root_has_no_access_keys[prod]")
    start = json.dumps({"record": START, "format": FORMAT, "shard": [1, 2]})
    results = [json.dumps(dataclasses.replace(result, reason=f"key {n}").to_json()) for n in (1, 2, 3)]
    path = tmp_path / "shard-1.jsonl"
    path.write_text("\n".join([start, *results[:2], '{"account": "pro']), encoding="utf-8")
    shard_file = read(path)
    assert (shard_file.result_count, shard_file.end) == (2, None)
    assert next(shard_file.results()).evidence == {"credential report": {"access_key_1_active": True}}
    path.write_text("\n".join([start, *results]), encoding="utf-8")  # a result added after the check
    assert [r.reason for r in shard_file.results()] == ["key 1", "key 2"]  # read again, as many as counted
    path.write_text("\n".join([start, results[0]]), encoding="utf-8")
    with pytest.raises(ShardFileError, match="shard-1.jsonl: 1 of its 2 results are gone since it was read"):
        list(shard_file.results())
    path.write_text("\n".join([start, '{"account": "pro', results[0]]), encoding="utf-8")
    with pytest.raises(ShardFileError, match="shard-1.jsonl: line 2 is not JSON"):
        read(path)
