"""Audited accounts: which AWS profiles a run covers, and one guarded session per account.

An `Account` is to awsaudit what a host is to testinfra: the parameter every control runs against. It owns the
account's boto3 session, its identity and every data source fetched for it, so each is fetched once per run and
shared by all controls; a failed fetch is remembered too, so every control that needs it reports the same cause.
"""

from __future__ import annotations

import fnmatch
import functools
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, TypeVar

import boto3
import botocore.loaders
import botocore.session
from botocore.config import Config
from botocore.credentials import (
    AssumeRoleCredentialFetcher,
    CredentialProvider,
    DeferredRefreshableCredentials,
)
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from awsaudit import guard, thresholds
from awsaudit.errors import AuditError, SourceError, error_code
from awsaudit.sources import IDENTITY as IDENTITY_PARAMETER
from awsaudit.sources import ENABLED_REGIONS, SETTINGS, SOURCES, Source

T = TypeVar("T")

DEFAULT_REGION = "us-east-1"

_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
_EXPIRED = {"ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "SignatureDoesNotMatch",
            "UnrecognizedClientException", "RequestExpired"}
_THROTTLED = {"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottled", "TooManyRequestsException",
              "RequestLimitExceeded", "SlowDown"}
# Operations botocore's credential providers call on their own, with the service they belong to.
_PROVIDER_CALLS = {"AssumeRole": "sts", "AssumeRoleWithWebIdentity": "sts", "AssumeRoleWithSAML": "sts",
                   "GetRoleCredentials": "sso", "CreateToken": "sso-oidc"}


# The (service, source) under which each account's identity is fetched.
IDENTITY = ("sts", "account identity")
IDENTITY_KEY = (*IDENTITY, None)  # its key in an account's fetch-once cache


@dataclass(frozen=True)
class Identity:
    account_id: str
    caller_arn: str
    alias: str | None


def describe_aws_error(exc: Exception, service: str | None) -> str:
    """One line that names what failed and, where AWS says so, the IAM action to grant (service None: unknown)."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Unknown"), error.get("Message", "")
        prefix = _PROVIDER_CALLS.get(exc.operation_name, service)
        action = guard.action_name(prefix, exc.operation_name) if prefix else exc.operation_name
        if code in _DENIED:
            return f"{action} was denied ({code}): grant {action} to the identity that runs the audit"
        if code in _EXPIRED:
            return f"{action} failed, the credentials are not valid ({code}): {message}"
        if code in _THROTTLED:
            retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts", 0)
            return (f"{action} was still throttled ({code}) after {retries} retries: run again later, "
                    "or raise aws_max_attempts")
        return f"{action} failed ({code}): {message}"
    if isinstance(exc, (ReadTimeoutError, ConnectTimeoutError)):
        setting = "aws_read_timeout" if isinstance(exc, ReadTimeoutError) else "aws_connect_timeout"
        return f"no answer from {exc.kwargs.get('endpoint_url')} in time ({setting}): {type(exc).__name__}"
    if isinstance(exc, EndpointConnectionError):
        return f"could not connect to {exc.kwargs.get('endpoint_url')}: EndpointConnectionError"
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"


def client_config(settings: Mapping[str, int]) -> Config:
    """Adaptive retries absorb throttling; the timeouts keep an endpoint that does not answer from hanging the run.

    `settings` are the run's (thresholds.read), or thresholds.defaults() outside a run.
    """
    return Config(retries={"mode": "adaptive", "max_attempts": settings["aws_max_attempts"]},
                  connect_timeout=settings["aws_connect_timeout"], read_timeout=settings["aws_read_timeout"],
                  user_agent_extra="awsaudit")


def split_requested(values: list[str]) -> list[str]:
    """`--account` may repeat and take comma lists: ['a,b', 'c'] -> ['a', 'b', 'c']."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def select(requested: list[str], available: list[str]) -> list[str]:
    """Profile names for the requested names, `all` and shell-style globs, in the order asked, each once.

    Raises ValueError naming the first request that matches nothing.
    """
    chosen: list[str] = []
    for name in requested:
        if name == "all":
            matches = sorted(available)
        elif any(ch in name for ch in "*?["):
            matches = sorted(fnmatch.filter(available, name))
        else:
            matches = [name] if name in available else []
        if not matches:
            raise ValueError(name)
        chosen.extend(m for m in matches if m not in chosen)
    return chosen


def available_profiles(config_file: Path | None = None) -> list[str]:
    """The profiles botocore sees (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE honoured)."""
    return sorted(_botocore_session(None, config_file).available_profiles)


@functools.cache
def shared_loader() -> botocore.loaders.Loader:
    """One loader of AWS service models for every account: each session would otherwise parse them again."""
    return botocore.loaders.create_loader()


def _botocore_session(profile: str | None, config_file: Path | None) -> botocore.session.Session:
    session = botocore.session.Session()
    session.register_component("data_loader", shared_loader())
    if config_file is not None:
        # Offline twins: their own config file, no credentials file and no AWS_ENDPOINT_URL*, so no real profile or
        # endpoint can leak in.
        session.set_config_variable("config_file", str(config_file))
        session.set_config_variable("credentials_file", str(config_file.with_suffix(".none")))
        session.set_config_variable("ignore_configured_endpoint_urls", True)
    if profile is not None:
        session.set_config_variable("profile", profile)
    return session


class _AssumedRole(CredentialProvider):
    """Credentials of a role assumed from another session's (an organization's member account)."""

    METHOD = "awsaudit-assume-role"

    def __init__(self, fetcher: AssumeRoleCredentialFetcher) -> None:
        super().__init__()
        self._fetcher = fetcher

    def load(self) -> DeferredRefreshableCredentials:
        return DeferredRefreshableCredentials(self._fetcher.fetch_credentials, self.METHOD)


class Account:
    """One audited account, reached through one AWS profile (None: botocore's default credential chain)."""

    def __init__(self, name: str, profile: str | None, config_file: Path | None = None,
                 settings: Mapping[str, int] | None = None, expected_id: str | None = None,
                 role_arn: str | None = None, regions: tuple[str, ...] = (), pinned_by: str = "") -> None:
        self.name = name
        self.pinned_by = pinned_by  # what pins expected_id, for the message when the profile signs in elsewhere
        self.profile = profile
        self.expected_id = expected_id
        self.role_arn = role_arn  # reached by assuming this role with the profile's credentials (organizations)
        self.settings = dict(settings or thresholds.defaults())
        self.region_globs = regions  # the `regions` setting: only regions matching one of these are read (none: all)
        self._config_file = config_file
        self._config = client_config(self.settings)
        self._lock = threading.RLock()
        self._session: boto3.Session | None = None
        self._clients: dict[tuple[str, str | None], Any] = {}
        # One lock per source and region, so an account's sources are read concurrently yet each only once.
        self._source_locks: dict[tuple[str, str, str | None], threading.Lock] = {}
        self._fetched: dict[tuple[str, str, str | None], tuple[bool, Any]] = {}
        self._retried = threading.local()  # retries seen by the calls of this thread; the sources it is reading
        self._retries: dict[tuple[str, str, str | None], int] = {}
        self._region: str | None = None  # its session's region, kept when the session is let go
        # Its controls have run: its data and clients are let go, and read-ahead leaves it alone (prefetch.py). A
        # control of it that runs again (an out-of-order run) sets it back and reads what it needs again.
        self.released = False

    def __repr__(self) -> str:
        return f"Account({self.name!r})"

    @property
    def session(self) -> boto3.Session:
        """The account's boto3 session, with the read-only guard registered before any client exists."""
        with self._lock:
            if self._session is None:
                core = guard.guard(_botocore_session(self.profile, self._config_file))
                # The clients botocore makes for itself (AssumeRole, SSO) wait and retry as configured too.
                core.set_default_client_config(self._config)
                region = core.get_config_variable("region") or DEFAULT_REGION
                if self.role_arn:
                    core = self._assuming_role(core, region)
                core.register("after-call", self._count_retries, unique_id="awsaudit-retry-count")
                self._session = boto3.Session(botocore_session=core, region_name=region)
                self._region = region
            return self._session

    @property
    def home_region(self) -> str:
        """The region of the account's session (where a global resource and the account itself are placed), known
        after its release too; read from the config alone when no session was made ("" when it cannot be read)."""
        return self._region or self.profile_region

    @property
    def profile_region(self) -> str:
        """The region of the account's profile (its session's region), read from the config alone: no credentials
        are resolved; "" when the profile cannot be read."""
        try:
            core = _botocore_session(self.profile, self._config_file)
            return core.get_config_variable("region") or DEFAULT_REGION
        except (BotoCoreError, ValueError):
            return ""

    def _assuming_role(self, source: botocore.session.Session, region: str) -> botocore.session.Session:
        """A guarded session of the same profile (its region, endpoint and settings) whose credentials come from
        assuming `role_arn` with the profile's own, refreshed by botocore as a role_arn profile's are."""
        fetcher = AssumeRoleCredentialFetcher(source.create_client, source.get_credentials(), self.role_arn,
                                              extra_args={"RoleSessionName": "awsaudit"})
        core = guard.guard(_botocore_session(self.profile, self._config_file))
        core.set_default_client_config(self._config)
        core.set_config_variable("region", region)
        # First in the chain: the profile's own credentials are the source, never the member's.
        resolver = core.get_component("credential_provider")
        resolver.insert_before(resolver.providers[0].METHOD, _AssumedRole(fetcher))
        return core

    def client(self, service: str, region: str | None = None) -> Any:
        """A client for the account, in the profile's region by default, kept until the account is released; credential
        calls (sts:AssumeRole...) are botocore's alone, never a control's."""
        with self._lock:
            if (service, region) not in self._clients:
                client = self.session.client(service, config=self._config, region_name=region)
                guard.refuse_credential_calls(client)
                self._clients[service, region] = client
            return self._clients[service, region]

    def release(self) -> None:
        """Let go of everything the account read, its clients and its session once its controls have run, so an
        audit of a thousand accounts holds one account's data at a time (and those read ahead), not all of them.

        Its identity stays (a few strings: the outputs name the account by it). A read still under way in a
        read-ahead thread may store its value after this: read-ahead releases the account again when it ends."""
        with self._lock:
            identity = self._fetched.get(IDENTITY_KEY)
            self._clients.clear()
            self._session = None
            self._fetched = {IDENTITY_KEY: identity} if identity is not None else {}
            self._source_locks = {}
            self._retries = {}
            self.released = True

    @property
    def holds(self) -> int:
        """How many reads (sources per region, and the identity) the account holds now."""
        return len(self._fetched)

    def fetch(self, service: str, source: str, loader: Callable[[Any], T], region: str | None = None) -> T:
        """`loader(client)` once per run for each (service, source, region); later calls get its value or the same
        error. `source` names the data in messages ("credential report"); the first loader given is the one used."""
        ok, value = self._attempt(service, source, loader, region)
        if not ok:
            raise SourceError(f"{self.name}: {source}{f' in {region}' if region else ''}: {value}")
        return value

    def _attempt(self, service: str, source: str, loader: Callable[[Any], T],
                 region: str | None) -> tuple[bool, Any]:
        """(True, value), or (False, why it could not be read), fetched once."""
        key = (service, source, region)
        reading = self._reading()
        if key in reading:  # a source that builds on itself would wait for its own lock for ever
            return False, "builds on itself (through the sources its loader takes)"
        with self._lock:
            source_lock = self._source_locks.setdefault(key, threading.Lock())
        with source_lock:
            known = self._fetched.get(key)
            if known is None:
                client, retried_before = None, self._thread_retries()
                reading.add(key)
                try:
                    client = self.client(service, region)
                    known = (True, loader(client))
                except AuditError as exc:  # a source it builds on failed: said once, without the account again
                    known = (False, str(exc).removeprefix(f"{self.name}: "))
                except (ClientError, BotoCoreError) as exc:
                    # IAM actions use the service's signing name (elbv2 -> elasticloadbalancing).
                    prefix = client.meta.service_model.signing_name if client is not None else service
                    hint = (f" (role {self.role_arn}: it must exist in the account and trust the profile's identity)"
                            if self.role_arn and getattr(exc, "operation_name", "") == "AssumeRole" else "")
                    known = (False, f"{describe_aws_error(exc, prefix)}{hint}")
                except Exception as exc:  # a loader's bug: every control that needs it says so, in one line
                    known = (False, f"could not be read ({type(exc).__name__}: {exc})")
                finally:
                    reading.discard(key)
                with self._lock:  # read by the main thread while read-ahead threads add to it
                    self._fetched[key] = known
                    self._retries[key] = self._thread_retries() - retried_before
            return known

    def _reading(self) -> set[tuple[str, str, str | None]]:
        """The sources this thread is reading now: a loader that reads the sources it builds on adds to them."""
        if not hasattr(self._retried, "reading"):
            self._retried.reading = set()
        return self._retried.reading

    def read(self, source: Source) -> Any:
        """A declared source's value, read once per run and shared; a regional one as `{region: value}` for every
        region `regions` gives, read once per region. A region that fails fails the read, naming each region."""
        if not source.regional:
            return self.read_in(source, None)
        regions = self.regions(source.service)
        found, failed = {}, {}
        for region in regions:
            ok, value = self._attempt(source.service, source.title, self._loader(source), region)
            (found if ok else failed)[region] = value
        if failed:
            raise SourceError(f"{self.name}: {source.title}: could not be read in {len(failed)} of {len(regions)} "
                              "regions: " + "; ".join(f"{region}: {why}" for region, why in failed.items()))
        return found

    def read_in(self, source: Source, region: str | None) -> Any:
        """A declared source's value in one region (None: the profile's region), read once."""
        return self.fetch(source.service, source.title, self._loader(source), region)

    def _loader(self, source: Source) -> Callable[[Any], Any]:
        """`source.loader(client)` given the sources it builds on, read first, and the run's settings."""

        def load(client: Any) -> Any:
            given = {}
            for name in source.uses:
                if name == SETTINGS:
                    given[name] = self.settings
                elif name == IDENTITY_PARAMETER:
                    given[name] = self.identity
                elif name in SOURCES:
                    given[name] = self.read(SOURCES[name])
                else:
                    raise SourceError(f"source {source.name} takes {name!r}, which is no declared source (nor "
                                      f"{SETTINGS} or {IDENTITY_PARAMETER})")
            return source.loader(client, **given)

        return load

    def regions(self, service: str) -> list[str]:
        """The regions to read `service` in: those enabled for the account, in which AWS offers the service (in the
        account's partition), and that the `regions` setting keeps."""
        enabled = self.read(SOURCES[ENABLED_REGIONS])
        partition = self.identity.caller_arn.split(":")[1]
        offered = set(self.session.get_available_regions(service, partition))
        kept = [region for region in enabled if region in offered
                and (not self.region_globs or any(fnmatch.fnmatchcase(region, glob) for glob in self.region_globs))]
        if not kept:
            raise SourceError(f"{self.name}: no region to read {service} in: enabled {', '.join(enabled) or 'none'}; "
                              f"{service} is offered in {len(offered)} regions of partition {partition}"
                              + (f"; the regions setting keeps {' '.join(self.region_globs)}"
                                 if self.region_globs else ""))
        return kept

    def _thread_retries(self) -> int:
        return getattr(self._retried, "count", 0)

    def _count_retries(self, parsed: dict[str, Any], **_: Any) -> None:
        """botocore calls this in the thread that made the call: the loader's own thread."""
        self._retried.count = self._thread_retries() + parsed.get("ResponseMetadata", {}).get("RetryAttempts", 0)

    def retries(self, source: Source) -> int:
        """How many times AWS calls were retried (throttling, transient errors) while reading a source, in all regions."""
        with self._lock:
            return sum(count for (_, title, _), count in self._retries.items() if title == source.title)

    def cached(self, service: str, source: str, region: str | None = None) -> Any | None:
        """A source already fetched successfully, or None; never fetches."""
        ok, value = self._fetched.get((service, source, region), (False, None))
        return value if ok else None

    @property
    def identity(self) -> Identity:
        """Who the audit runs as and in which account, resolved once."""
        return self.fetch(*IDENTITY, self._resolve_identity)

    def _resolve_identity(self, sts: Any) -> Identity:
        caller = sts.get_caller_identity()
        if self.expected_id and caller["Account"] != self.expected_id:
            pinned = (f"{self.pinned_by} pins {self.name} to {self.expected_id}" if self.pinned_by
                      else f"the organization lists {self.name} as {self.expected_id}" if self.role_arn
                      else f"account_ids pins {self.name} to {self.expected_id}")
            raise SourceError(f"profile {self.profile}{' with role ' + self.role_arn if self.role_arn else ''} signs "
                              f"in to account {caller['Account']}, but {pinned}: not auditing the wrong account")
        try:
            aliases = self.client("iam").list_account_aliases().get("AccountAliases", [])
        except ClientError as exc:
            # The alias only labels the report; an account whose alias cannot be read is still audited.
            if error_code(exc) not in _DENIED:
                raise
            aliases = []
        return Identity(caller["Account"], caller["Arn"], aliases[0] if aliases else None)


def account_of(item: Any) -> Account | None:
    """The account a collected test audits (its `account` parameter), or None for any other test or for None."""
    callspec = getattr(item, "callspec", None)
    audited = callspec.params.get("account") if callspec else None
    return audited if isinstance(audited, Account) else None
