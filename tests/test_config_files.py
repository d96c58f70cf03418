"""During an audit, an AWS config file is parsed once, however many accounts' sessions read it; a file that changes
is read again, and no session's copy is another's."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

from awsaudit import config_files
from awsaudit.accounts import Account

PROFILES = "".join(f"[profile p{n}]\nregion = eu-west-{n}\naws_access_key_id = AKIAEXAMPLE{n}\n"
                   "aws_secret_access_key = x\n" for n in (1, 2, 3))


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files configparser reads."""
    seen: list[str] = []
    read = configparser.RawConfigParser.read

    def counted(parser: configparser.RawConfigParser, filenames: list[str], *args: object, **kwargs: object) -> object:
        seen.extend(map(str, filenames))
        return read(parser, filenames, *args, **kwargs)

    monkeypatch.setattr(configparser.RawConfigParser, "read", counted)
    return seen


def regions(config: Path) -> list[str]:
    return [Account(f"p{n}", f"p{n}", config).session.region_name for n in (1, 2, 3)]


def test_one_parse_serves_every_account(tmp_path: Path, parses: list[str]) -> None:
    config = tmp_path / "config"
    config.write_text(PROFILES)
    with config_files.parsed_once():
        assert regions(config) == ["eu-west-1", "eu-west-2", "eu-west-3"]
    assert parses.count(str(config)) == 1
    regions(config)
    assert parses.count(str(config)) == 4  # outside an audit, botocore parses it for each session again


def test_a_changed_file_is_read_again(tmp_path: Path, parses: list[str]) -> None:
    config = tmp_path / "config"
    config.write_text(PROFILES)
    with config_files.parsed_once():
        assert regions(config)[0] == "eu-west-1"
        config.write_text(PROFILES.replace("eu-west-1", "us-east-2"))
        os.utime(config, ns=(1, 1))  # a new version even where the clock is coarse
        assert regions(config)[0] == "us-east-2"
    assert parses.count(str(config)) == 2


def test_each_caller_gets_its_own_copy(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(PROFILES)
    with config_files.parsed_once():
        first = config_files._MODULE.raw_config_parse(str(config))
        first["profile p1"]["region"] = "changed"
        assert config_files._MODULE.raw_config_parse(str(config))["profile p1"]["region"] == "eu-west-1"


def test_a_missing_file_is_botocores_answer(tmp_path: Path) -> None:
    with config_files.parsed_once():
        with pytest.raises(Exception, match="could not be found"):
            config_files._MODULE.raw_config_parse(str(tmp_path / "none"))
        assert config_files._MODULE.raw_config_parse(None) == {}
