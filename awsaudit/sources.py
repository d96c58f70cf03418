"""Data sources: each AWS read an audit makes, declared once with what it needs.

A declaration names the read (the fixture name controls ask for), its service, whether it is read per region, the
IAM actions it needs and its loader. From that alone come the fixture, the fetch-once cache (keyed by the source's
service, title and region: a title names one source), read-ahead, and the IAM policy an audit needs. A regional
loader is called once per region; a source it takes is given whole (a regional one as `{region: value}`). A loader takes the service's client first; its other
parameters name the sources it builds on, `settings` for the run's thresholds, or `identity` for the account's.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Callable

# The parameters a loader may take that are not sources: the run's thresholds and waits, and who the audit runs as
# in which account (accounts.Identity).
SETTINGS, IDENTITY = "settings", "identity"
# The source the regions of every regional source come from (aws/ec2.py).
ENABLED_REGIONS = "enabled_regions"


@dataclass(frozen=True)
class Source:
    name: str  # the fixture name: `credential_report`
    title: str  # how messages and evidence name it: "credential report"
    service: str  # boto3's service name: "iam", "accessanalyzer"
    regional: bool
    actions: tuple[str, ...]  # the IAM actions the loader's calls need
    loader: Callable[..., Any]
    uses: tuple[str, ...]  # the sources (and `settings`, `identity`) the loader takes after the client
    evidence: Callable[[Any], Any] | None  # what of the value a verdict's evidence shows (None: the value)
    origin: str  # where it is declared, to tell a second declaration from the same one imported twice

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.loader) or self.title

    def shown(self, value: Any) -> Any:
        return value if self.evidence is None else self.evidence(value)


SOURCES: dict[str, Source] = {}


class DeclarationError(ValueError):
    """A source declared wrongly; the message names it and where it is declared."""


def declare(loader: Callable[..., Any], service: str, actions: list[str] | tuple[str, ...], regional: bool,
            title: str | None, evidence: Callable[[Any], Any] | None) -> Source:
    """Register the source `loader` reads; a name declared elsewhere already is refused."""
    origin = f"{inspect.getsourcefile(loader)}:{loader.__qualname__}"
    name = loader.__name__
    if not actions or not all(isinstance(a, str) and ":" in a for a in actions):
        raise DeclarationError(f"source {name} ({origin}): actions must name the IAM actions it needs, as "
                               "'iam:GetAccountSummary'")
    params = list(inspect.signature(loader).parameters)
    if not params:
        raise DeclarationError(f"source {name} ({origin}): its loader takes the {service} client first")
    declared = SOURCES.get(name)
    if declared is not None and declared.origin != origin:
        raise DeclarationError(f"source {name} is declared twice: {declared.origin} and {origin}")
    title = title or name.replace("_", " ")
    same_title = [other for other in SOURCES.values() if other.title == title and other.name != name]
    if same_title:
        raise DeclarationError(f"source {name} ({origin}) is titled {title!r}, as {same_title[0].name} is: a title "
                               "names one source in messages and evidence")
    SOURCES[name] = Source(name, title, service, regional, tuple(actions), loader, tuple(params[1:]), evidence,
                           origin)
    return SOURCES[name]


def problems() -> list[str]:
    """What is wrong with the declarations as a whole: a loader that takes a name no source has, or sources that
    build on each other in a circle (each would wait for the other for ever)."""
    found = [f"source {source.name} ({source.origin}) takes {name!r}, which is no declared source (nor {SETTINGS} "
             f"or {IDENTITY})" for source in SOURCES.values() for name in source.uses
             if name not in SOURCES and name not in (SETTINGS, IDENTITY)]
    for start in SOURCES:
        path, pending = [start], [iter(SOURCES[start].uses)]
        while pending:
            name = next(pending[-1], None)
            if name is None:
                path.pop()
                pending.pop()
            elif name == start:
                found.append("sources build on each other in a circle: " + " -> ".join([*path, start]))
                break
            elif name in SOURCES and name not in path:
                path.append(name)
                pending.append(iter(SOURCES[name].uses))
    return list(dict.fromkeys(found))


def needed(names: set[str]) -> list[Source]:
    """The declared sources among `names`, with every source they build on (a regional one builds on the regions
    enabled for the account), in declaration order."""
    wanted: set[str] = set()
    pending = [name for name in names if name in SOURCES]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending += [used for used in SOURCES[name].uses if used in SOURCES]
            pending += [ENABLED_REGIONS] if SOURCES[name].regional and ENABLED_REGIONS in SOURCES else []
    return [source for name, source in SOURCES.items() if name in wanted]
