"""The AWS config and credentials files, parsed once per audit instead of once per account.

botocore parses the config file for each session it makes, and an audit makes a session or two per account (a
session, its first client and its region each read the config and the credentials file). An organization's config
often holds a profile per account (generated for SSO or role access): at 1,000 profiles a parse takes ~40 ms, so
reading 1,000 accounts parsed those 1,000 profiles several thousand times: 44% of the audit's CPU, the largest part
(py-spy), and more than half its time. While the audit runs, botocore's INI parser remembers each file by its path
and version (inode, size, modification time): a file that changes is parsed again. Each caller gets its own copy,
since botocore merges the credentials file into the config it is given.
"""

from __future__ import annotations

import contextlib
import copy
import os
import threading
from typing import Any, Iterator
from unittest import mock

import botocore.configloader

# The parser botocore calls for the config file (through load_config), the credentials file and its credential
# providers, always as a module attribute, so replacing it here reaches every caller.
_MODULE = botocore.configloader


@contextlib.contextmanager
def parsed_once() -> Iterator[None]:
    """Parse each version of an AWS config or credentials file once until the context ends."""
    parse = _MODULE.raw_config_parse
    parsed: dict[tuple[Any, ...], dict[str, Any]] = {}
    lock = threading.Lock()

    def raw_config_parse(config_filename: str | None, parse_subsections: bool = True) -> dict[str, Any]:
        try:
            found = os.stat(os.path.expanduser(os.path.expandvars(config_filename)))  # type: ignore[arg-type]
        except (TypeError, OSError):  # no file named, or none there: botocore answers as it does
            return parse(config_filename, parse_subsections)
        key = (config_filename, parse_subsections, found.st_ino, found.st_size, found.st_mtime_ns)
        with lock:
            known = parsed.get(key)
        if known is None:
            known = parse(config_filename, parse_subsections)
            with lock:
                parsed[key] = known
        return copy.deepcopy(known)

    with mock.patch.object(_MODULE, "raw_config_parse", raw_config_parse):
        yield
