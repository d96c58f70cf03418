"""`python -m awsaudit.resolve --account org:<profile> --write accounts.toml`: list an organization once, and write
every account to audit (and every account left out, with why) to an accounts file that runs, xdist workers and
shards then read (`pytest --accounts-file accounts.toml`) instead of listing the organization each again.

Accounts are named, reached and pinned exactly as `pytest --account org:<profile>` does (discovery.members): the
same names, the profile's own account through the profile, every other through the `org_role` role. `--offline`
lists the organizations of the offline twins in fixtures/ (served by moto in this process).
"""

from __future__ import annotations

import argparse
import configparser
import contextlib
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest

from awsaudit import accounts, discovery, thresholds
from awsaudit.account_list import SUFFIXES, AccountList, AccountListError, Member, write
from awsaudit.accounts import Account
from awsaudit.audit import _once_each


def org_role(project: Path) -> str:
    """The `org_role` of the project's pytest.ini, as an audit there would assume it."""
    ini = configparser.ConfigParser()
    ini.read(project / "pytest.ini", encoding="utf-8")
    return ini.get("pytest", "org_role", fallback="").strip() or discovery.DEFAULT_ROLE


@contextlib.contextmanager
def sources(profiles: list[str], offline: bool, project: Path) -> Iterator[dict[str, Account]]:
    """An account for each profile that lists an organization: an AWS profile, or a twin served in this process."""
    settings = thresholds.defaults()
    if not offline:
        available = accounts.available_profiles()
        for profile in profiles:
            if profile not in available:
                raise pytest.UsageError(f"--account {discovery.PREFIX}{profile}: no such profile; available: "
                                        f"{', '.join(available) or 'none'}")
        yield {profile: Account(profile, profile, settings=settings) for profile in profiles}
        return
    from awsaudit import offline as emulation  # moto is imported only when the twins are served
    from awsaudit.twins import TwinError, load_all

    try:
        twins = load_all(project / "fixtures", datetime.now(timezone.utc))
    except TwinError as exc:
        raise pytest.UsageError(f"offline twin: {exc}") from None
    for profile in profiles:
        if profile not in twins:
            raise pytest.UsageError(f"--account {discovery.PREFIX}{profile}: no such twin; available: "
                                    f"{', '.join(twins) or 'none'}")
    with tempfile.TemporaryDirectory(prefix="awsaudit-") as workdir:
        config = emulation.write_config(list(twins.values()), Path(workdir) / "config")
        with emulation.emulate(list(twins.values())):
            yield {profile: Account(profile, profile, config, settings) for profile in profiles}


def resolve(requested: list[str], offline: bool, role: str, project: Path) -> AccountList:
    """Every ACTIVE account of the organizations named `org:<profile>`, each once, and those left out."""
    organizations, others = discovery.split(accounts.split_requested(requested))
    if others or not organizations:
        raise pytest.UsageError(f"--account {(others or [''])[0]}: name organizations as "
                                f"{discovery.PREFIX}<profile> (a profile alone needs no resolving)")
    members: list[Member] = []
    left_out: list[str] = []
    with sources(organizations, offline, project) as listing:
        for profile, source in listing.items():
            found, out = discovery.members(source, role, lambda name, profile, **more: Member(name, profile, **more))
            members += found
            left_out += [entry for entry in out if entry not in left_out]
    return AccountList(tuple(_once_each(members)), tuple(left_out), " ".join(requested),
                       datetime.now(timezone.utc).replace(microsecond=0).isoformat(), offline)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m awsaudit.resolve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--account", action="append", required=True, metavar="org:PROFILE",
                        help="the organization to list, as org:<profile>; repeat or comma-separate for several")
    parser.add_argument("--write", required=True, metavar="PATH", type=Path,
                        help="the accounts file to write: .toml or .json")
    parser.add_argument("--offline", action="store_true", help="list the offline twins' organizations")
    parser.add_argument("--role", help="the role to reach each member by (default: pytest.ini's org_role, else "
                        f"{discovery.DEFAULT_ROLE})")
    parser.add_argument("--project", type=Path, default=Path("."), help="the awsaudit project (default: .)")
    args = parser.parse_args(argv)
    try:
        if args.write.suffix not in SUFFIXES:
            raise pytest.UsageError(f"--write {args.write}: an accounts file ends in .toml or .json")
        listing = resolve(args.account, args.offline, args.role or org_role(args.project), args.project)
        write(args.write, listing)
    except (pytest.UsageError, AccountListError, OSError) as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return pytest.ExitCode.USAGE_ERROR
    print(f"{args.write}: {len(listing.accounts)} accounts to audit, {len(listing.left_out)} left out"
          + "".join(f"\n  left out: {entry}" for entry in listing.left_out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
