"""Every file a phone reads, the way it reads them: its upgrade script, ``46xxsettings.txt``
and every file a ``GET`` reaches, and which file and line decides its ``TRUSTCERTS``.

A ``GET`` hands the phone to another file and a later ``SET`` wins, so blanking
``TRUSTCERTS`` in ``46xxsettings.txt`` alone changes nothing for a phone whose
``46xxspecials.txt`` sets it again.  :func:`follow` walks the chain for every phone profile
on one file server (the IP Office's own); the staging flow uses it to find every file it
must blank.  It knows nothing of storage: it is given a function that fetches a file by
name (``None`` when the server has none).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import attrs

from .document import SettingsFile, parse
from .evaluation import Phone, evaluate, substitute
from .phonemodels import find_model
from .profiles import phone_profiles, profile_name
from .statements import GetStatement
from .trustlist import names_of

__all__ = [
    "SETTINGS",
    "UPGRADE_SCRIPTS",
    "Chain",
    "Decision",
    "Elsewhere",
    "follow",
    "upgrade_script",
]

SETTINGS = "46xxsettings.txt"

UPGRADE_SCRIPTS = {
    # The file each phone fetches first, from its administration guide ("upgrade script"):
    # 96x0/96x1 H.323 and SIP read 96xxupgrade.txt; J100 SIP reads J100Supgrade.txt.
    # 16xx (16xxupgrade.txt), J100 H.323 (96xxupgrade.txt, as a 96x1) and K100
    # (K100Supgrade.txt) are assumed by analogy; a script the server lacks is skipped.
    ("16xx", "H323"): "16xxupgrade.txt",
    ("96x0", "H323"): "96xxupgrade.txt",
    ("96x0", "SIP"): "96xxupgrade.txt",
    ("96x1", "H323"): "96xxupgrade.txt",
    ("96x1", "SIP"): "96xxupgrade.txt",
    ("J1x9", "H323"): "96xxupgrade.txt",
    ("J1x9", "SIP"): "J100Supgrade.txt",
    ("K1xx", "SIP"): "K100Supgrade.txt",
}

Fetch = Callable[[str], "bytes | None"]
_VARIABLE = re.compile(r"\$[A-Za-z0-9_]+")


def upgrade_script(phone: Phone) -> str | None:
    """The upgrade script ``phone`` fetches first.

    >>> upgrade_script(Phone("J179", sig="SIP"))
    'J100Supgrade.txt'
    """
    row = find_model(phone.model4, phone.sig)
    return None if row is None else UPGRADE_SCRIPTS.get((row.family, row.sig))


@attrs.frozen
class Decision:
    """What decides one profile's ``TRUSTCERTS``: the file and line, or nothing."""

    profile: str
    value: str | None
    file: str | None
    line: int | None

    @property
    def names(self) -> list[str]:
        return names_of(self.value) if self.value else []


@attrs.frozen
class Elsewhere:
    """A ``GET`` phones follow to a file this server does not give: another server's file,
    or one named by a variable this profile has no value for."""

    file: str
    line: int
    target: str
    profiles: list[str]


@attrs.frozen
class Chain:
    """The chain every profile reads: what decides its TRUSTCERTS, and the files on the way.

    ``files`` holds every file the chain reached, as served (or as given in ``overrides``).
    """

    decisions: list[Decision]
    files: dict[str, bytes]
    elsewhere: list[Elsewhere]
    loops: list[str]

    def deciding(self) -> dict[str, list[Decision]]:
        """The files that give some profile a non-empty TRUSTCERTS, with those profiles."""
        found: dict[str, list[Decision]] = {}
        for decision in self.decisions:
            if decision.names and decision.file is not None:
                found.setdefault(decision.file, []).append(decision)
        return found

    def decision(self, profile: str) -> Decision:
        return next(d for d in self.decisions if d.profile == profile)


def follow(
    fetch: Fetch,
    *,
    overrides: Mapping[str, bytes] | None = None,
    profiles: Sequence[Phone] | None = None,
) -> Chain:
    """Walk every profile's chain on the server ``fetch`` reads from.

    ``overrides`` replaces files by name (what the server will serve once staged).

    >>> files = {
    ...     "46xxsettings.txt": b'SET TRUSTCERTS "Root-CA-0214515C.pem"\\nGET 46xxspecials.txt',
    ...     "46xxspecials.txt": b"SET TRUSTCERTS Root-CA-0214515C.pem,Mine.pem",
    ... }
    >>> chain = follow(files.get)
    >>> sorted(chain.deciding())
    ['46xxspecials.txt']
    """
    given = dict(overrides or {})
    cache: dict[str, bytes | None] = {}

    def get(name: str) -> bytes | None:
        if name in given:
            return given[name]
        if name not in cache:
            cache[name] = None if _foreign(name) else fetch(name)
        return cache[name]

    documents: dict[str, SettingsFile] = {}

    def loader(name: str) -> SettingsFile | None:
        data = get(name)
        if data is None:
            return None
        if name not in documents:
            documents[name] = parse(data, name=name)
        return documents[name]

    decisions: list[Decision] = []
    elsewhere: dict[tuple[str, int, str], list[str]] = {}
    loops: list[str] = []
    for phone in profiles if profiles is not None else phone_profiles():
        profile = profile_name(phone)
        start = upgrade_script(phone)
        first = loader(start) if start is not None else None
        if first is None:
            first = loader(SETTINGS)
        if first is None:
            decisions.append(Decision(profile, None, None, None))
            continue
        result = evaluate(first, phone, loader)
        setting = result.settings.get("TRUSTCERTS")
        decisions.append(
            Decision(
                profile,
                None if setting is None else setting.value,
                None if setting is None else setting.file,
                None if setting is None else setting.line,
            )
        )
        loops += [f"{f.file}:{f.line}" for f in result.findings if f.code.endswith("loop")]
        for step in result.trace:
            doc = documents.get(step.file)
            statement = doc.line(step.line).statement if doc is not None else None
            if isinstance(statement, GetStatement):
                target, _missing = substitute(statement.filename, phone)
                if _foreign(target) or _VARIABLE.search(target):
                    key = (step.file, step.line, target)
                    elsewhere.setdefault(key, []).append(profile)
    files = {name: data for name, data in {**cache, **given}.items() if data is not None}
    return Chain(
        decisions,
        {name: files[name] for name in documents if name in files},
        [Elsewhere(f, line, t, p) for (f, line, t), p in elsewhere.items()],
        sorted(set(loops)),
    )


def _foreign(name: str) -> bool:
    """A name this server cannot give: a URL, or a path outside its folder."""
    return "://" in name or "/" in name or "\\" in name
