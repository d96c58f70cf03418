"""Accounts: which profiles `--account` picks, what an AWS error says in one line, and the once-per-run fetch
that makes every control needing a source see the same value or the same failure."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, ProfileNotFound, ReadTimeoutError

from awsaudit.accounts import Account, available_profiles, describe_aws_error, select, split_requested
from awsaudit.errors import ReportError, SourceError


def client_error(code: str, operation: str, message: str = "") -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)


# --- split_requested and select ---------------------------------------------------------------------------------


def test_split_requested_takes_repeats_and_comma_lists() -> None:
    assert split_requested(["prod-a,prod-b", "dev"]) == ["prod-a", "prod-b", "dev"]


def test_split_requested_strips_and_drops_blanks() -> None:
    """`--account 'a, b,'` and an empty `--account ''` must not turn into a profile named '' or ' b'."""
    assert split_requested([" a, b ,", "", " ", ",,c,,"]) == ["a", "b", "c"]
    assert split_requested([]) == []


AVAILABLE = ["staging", "prod-us", "dev", "prod", "prod-eu"]


def test_select_exact_names_in_the_order_asked() -> None:
    assert select(["staging", "dev"], AVAILABLE) == ["staging", "dev"]
    assert select(["dev", "staging"], AVAILABLE) == ["dev", "staging"]


def test_select_all_is_every_profile_sorted() -> None:
    assert select(["all"], AVAILABLE) == ["dev", "prod", "prod-eu", "prod-us", "staging"]


def test_select_globs_match_shell_style_and_sort_their_matches() -> None:
    assert select(["prod-*"], AVAILABLE) == ["prod-eu", "prod-us"]  # not "prod": the dash is literal
    assert select(["?ev"], AVAILABLE) == ["dev"]
    assert select(["prod-[u]*"], AVAILABLE) == ["prod-us"]


def test_an_exact_name_is_not_a_prefix() -> None:
    assert select(["prod"], AVAILABLE) == ["prod"]


def test_select_keeps_first_position_and_drops_duplicates() -> None:
    """An account named twice, or by a name and a glob, is audited once, where it was first asked for."""
    assert select(["prod-us", "prod-*", "prod-us", "dev"], AVAILABLE) == ["prod-us", "prod-eu", "dev"]
    assert select(["dev", "all"], AVAILABLE) == ["dev", "prod", "prod-eu", "prod-us", "staging"]


@pytest.mark.parametrize("unknown", ["nope", "prod-x*"])
def test_select_names_the_request_that_matches_nothing(unknown: str) -> None:
    """The usage error must say which name was wrong, even after names that were fine."""
    with pytest.raises(ValueError) as caught:
        select(["dev", unknown, "also-unknown"], AVAILABLE)
    assert caught.value.args == (unknown,)


# --- available_profiles -----------------------------------------------------------------------------------------


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A config and a credentials file, pointed at through the environment as a user would."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-1\n\n[profile audit-config]\nregion = us-east-1\n")
    credentials = tmp_path / "credentials"
    credentials.write_text("[audit-creds]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = example\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_DEFAULT_PROFILE", raising=False)
    return config, credentials


def test_available_profiles_reads_the_files_the_environment_names(aws_files: tuple[Path, Path]) -> None:
    assert available_profiles() == ["audit-config", "audit-creds", "default"]


def test_available_profiles_follows_a_changed_environment(
    aws_files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read afresh each call: nothing cached from an earlier environment or from ~/.aws."""
    other = tmp_path / "other-config"
    other.write_text("[profile only-here]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(other))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "missing-credentials"))
    assert available_profiles() == ["only-here"]


def test_an_explicit_config_file_shuts_out_the_environments_files(
    aws_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """Offline twins get their own config and no credentials file, so no real profile can leak into the run."""
    twins_config = tmp_path / "twins-config"
    twins_config.write_text("[profile twin-a]\nregion = us-east-1\n")
    assert available_profiles(twins_config) == ["twin-a"]


# --- describe_aws_error -----------------------------------------------------------------------------------------


def test_access_denied_names_the_action_and_says_to_grant_it() -> None:
    line = describe_aws_error(client_error("AccessDenied", "GetCredentialReport", "User is not authorized"), "iam")
    assert line == ("iam:GetCredentialReport was denied (AccessDenied): "
                    "grant iam:GetCredentialReport to the identity that runs the audit")


def test_assume_role_is_named_as_sts_even_when_the_failing_client_is_iam() -> None:
    """botocore's credential provider calls AssumeRole while an iam call is being made; the grant is on sts."""
    line = describe_aws_error(client_error("AccessDenied", "AssumeRole"), "iam")
    assert line.startswith("sts:AssumeRole was denied (AccessDenied)")
    assert "grant sts:AssumeRole" in line
    assert "iam:" not in line


def test_expired_token_says_the_credentials_are_not_valid() -> None:
    error = client_error("ExpiredToken", "GetAccountSummary", "The security token included in the request is expired")
    line = describe_aws_error(error, "iam")
    assert line == ("iam:GetAccountSummary failed, the credentials are not valid (ExpiredToken): "
                    "The security token included in the request is expired")


def test_other_client_errors_keep_code_and_message() -> None:
    line = describe_aws_error(client_error("NoSuchEntity", "GetLoginProfile", "not found"), "iam")
    assert line == "iam:GetLoginProfile failed (NoSuchEntity): not found"


def test_throttling_past_the_retries_says_so() -> None:
    line = describe_aws_error(client_error("Throttling", "ListUsers", "Rate exceeded"), "iam")
    assert line == ("iam:ListUsers was still throttled (Throttling) after 0 retries: run again later, "
                    "or raise aws_max_attempts")


def test_unreachable_endpoints_are_named() -> None:
    line = describe_aws_error(EndpointConnectionError(endpoint_url="https://iam.amazonaws.com/"), "iam")
    assert line == "could not connect to https://iam.amazonaws.com/: EndpointConnectionError"
    line = describe_aws_error(ReadTimeoutError(endpoint_url="https://iam.amazonaws.com/"), "iam")
    assert line == "no answer from https://iam.amazonaws.com/ in time (aws_read_timeout): ReadTimeoutError"


def test_other_botocore_errors_name_their_type_on_one_line() -> None:
    line = describe_aws_error(ProfileNotFound(profile="gone"), "iam")
    assert line == "ProfileNotFound: The config profile (gone) could not be found"


# --- Account.fetch ----------------------------------------------------------------------------------------------


class DummyClient:
    """Stands in for a boto3 client; fetch only passes it to the loader."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.meta = SimpleNamespace(service_model=SimpleNamespace(signing_name=service))


@pytest.fixture
def account(monkeypatch: pytest.MonkeyPatch) -> tuple[Account, list[str]]:
    """An account whose clients are dummies, recording which services were asked for: no session, no AWS."""
    acct = Account("prod", "prod-profile")
    asked: list[str] = []

    def client(service: str, region: str | None = None) -> DummyClient:
        asked.append(service)
        return DummyClient(service)

    monkeypatch.setattr(acct, "client", client)
    return acct, asked


def failing_loader(error: Exception) -> tuple[Callable[[DummyClient], None], list[DummyClient]]:
    """A loader that raises `error`, and the clients it was called with."""
    calls: list[DummyClient] = []

    def loader(client: DummyClient) -> None:
        calls.append(client)
        raise error

    return loader, calls


def test_fetch_runs_the_loader_once_and_shares_its_value(account: tuple[Account, list[str]]) -> None:
    acct, asked = account
    calls: list[Any] = []

    def loader(client: DummyClient) -> dict[str, str]:
        calls.append(client)
        return {"from": client.service}

    first = acct.fetch("iam", "account summary", loader)
    second = acct.fetch("iam", "account summary", loader)
    assert first == {"from": "iam"}
    assert second is first
    assert len(calls) == 1
    assert asked == ["iam"]
    assert acct.cached("iam", "account summary") is first


def test_sources_are_cached_separately(account: tuple[Account, list[str]]) -> None:
    acct, asked = account
    assert acct.fetch("iam", "a", lambda c: "A") == "A"
    assert acct.fetch("sts", "b", lambda c: c.service) == "sts"
    assert acct.cached("iam", "a") == "A" and acct.cached("sts", "b") == "sts"
    assert acct.cached("iam", "never fetched") is None
    assert asked == ["iam", "sts"]


def test_a_client_error_is_remembered_and_raised_again_without_reloading(account: tuple[Account, list[str]]) -> None:
    """Every control needing the source reports the same cause, and the denied call is not repeated per control."""
    acct, asked = account
    loader, calls = failing_loader(client_error("AccessDenied", "GetCredentialReport", "not authorized"))

    expected = ("prod: credential report: iam:GetCredentialReport was denied (AccessDenied): "
                "grant iam:GetCredentialReport to the identity that runs the audit")
    messages = []
    for _ in range(3):
        with pytest.raises(SourceError) as caught:
            acct.fetch("iam", "credential report", loader)
        messages.append(str(caught.value))
    assert messages == [expected] * 3
    assert "\n" not in expected
    assert len(calls) == 1
    assert asked == ["iam"]
    assert acct.cached("iam", "credential report") is None


def test_an_audit_error_from_the_loader_is_remembered_too(account: tuple[Account, list[str]]) -> None:
    acct, _ = account
    loader, calls = failing_loader(ReportError("the credential report is empty"))

    for _ in range(2):
        with pytest.raises(SourceError, match=r"^prod: credential report: the credential report is empty$"):
            acct.fetch("iam", "credential report", loader)
    assert len(calls) == 1


def test_a_client_that_cannot_be_made_is_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing profile fails every source the same way, and the loader never runs without a client."""
    acct = Account("gone", "gone-profile")
    made = 0

    def client(service: str, region: str | None = None) -> Any:
        nonlocal made
        made += 1
        raise ProfileNotFound(profile="gone-profile")

    monkeypatch.setattr(acct, "client", client)
    loader_calls: list[Any] = []
    for _ in range(2):
        with pytest.raises(SourceError) as caught:
            acct.fetch("iam", "account summary", loader_calls.append)
        assert str(caught.value) == ("gone: account summary: ProfileNotFound: "
                                     "The config profile (gone-profile) could not be found")
    assert made == 1
    assert loader_calls == []
