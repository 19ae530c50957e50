"""Every file a phone reads, the way it reads them: its upgrade script, ``46xxsettings.txt``
and every file a ``GET`` reaches, and which file and line decides its ``TRUSTCERTS``.

A ``GET`` hands the phone to another file and a later ``SET`` wins, so blanking
``TRUSTCERTS`` in ``46xxsettings.txt`` alone changes nothing for a phone whose
``46xxspecials.txt`` sets it again.  :func:`follow` walks the chain for every phone profile
on one file server (the IP Office's own); the staging flow uses it to find every file it
must blank.  It knows nothing of storage: it is given a function that fetches a file by
name (``None`` when the server has none), and may be given one that lists its files.

The walk is done once for all phones (:mod:`.reach`): phones that behave alike travel
together, and a condition on a value no profile fixes (``$GROUP``, ``$MACADDR``,
``$HWVERS``, a model missing from the table) is taken both ways.  :attr:`Chain.decisions`
is what the default phone of each model gets (group 0, no MAC); :attr:`Chain.outcomes`
is everything any phone may get, and decides which files a run must change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from .document import SettingsFile, parse
from .evaluation import Phone, evaluate
from .phonemodels import MODELS, find_model
from .profiles import phone_profiles, profile_name
from .reach import End, Paths, Walker, walk_paths
from .statements import AddStatement, Assignment, SetStatement, Statement
from .trustlist import names_of

__all__ = [
    "ALL_SCRIPTS",
    "OTHER_MODELS",
    "SETTINGS",
    "UPGRADE_SCRIPTS",
    "Chain",
    "Decision",
    "Elsewhere",
    "follow",
    "upgrade_script",
    "upgrade_scripts",
]

SETTINGS = "46xxsettings.txt"

UPGRADE_SCRIPTS: dict[tuple[str, str], tuple[str, ...]] = {
    # The upgrade scripts a phone of each family may fetch first, newest guide first
    # (sources and what is unknown: docs/format.md, "Upgrade scripts").  Which one a phone
    # falls back to, and whether it does, is not documented: every one the server gives
    # is followed, and 46xxsettings.txt directly when one of them is missing.
    ("16xx", "H323"): ("16xxupgrade.txt",),
    ("16xx", "SIP"): ("16xxupgrade.txt",),
    ("96x0", "H323"): ("96xxupgrade.txt",),
    ("96x0", "SIP"): ("96xxupgrade.txt",),
    ("96x1", "H323"): ("96x1Hupgrade.txt", "96xxupgrade.txt"),
    ("96x1", "SIP"): ("96x1Supgrade.txt", "96xxupgrade.txt"),
    ("J1x9", "H323"): ("96x1Hupgrade.txt", "96xxupgrade.txt"),
    ("J1x9", "SIP"): ("J100Supgrade.txt",),
    ("K1xx", "SIP"): ("K1xxSupgrade.txt", "K100Supgrade.txt"),
}
ALL_SCRIPTS: tuple[str, ...] = tuple(
    dict.fromkeys(name for names in UPGRADE_SCRIPTS.values() for name in names)
)
"""Every upgrade script some family may fetch."""

OTHER_MODELS = "a model not in the table"
"""How reports name the phones of models the table lacks (a 9601, say)."""

Fetch = Callable[[str], "bytes | None"]
_KNOWN = ("MODEL4", "MODEL", "GROUP", "SIG", "SIG_IN_USE", "MACADDR", "SERIALNO")


def upgrade_scripts(phone: Phone) -> tuple[str, ...]:
    """The upgrade scripts ``phone`` may fetch first, newest guide first.

    >>> upgrade_scripts(Phone("9611", sig="SIP"))
    ('96x1Supgrade.txt', '96xxupgrade.txt')
    """
    row = find_model(phone.model4, phone.sig)
    return () if row is None else UPGRADE_SCRIPTS.get((row.family, row.sig), ())


def upgrade_script(phone: Phone) -> str | None:
    """The upgrade script ``phone`` fetches first, by the newest guide.

    >>> upgrade_script(Phone("J179", sig="SIP"))
    'J100Supgrade.txt'
    """
    return next(iter(upgrade_scripts(phone)), None)


@attrs.frozen
class Decision:
    """What decides one profile's ``TRUSTCERTS``: the file and line, or nothing.

    ``lines`` are the ``(file, line)`` of every line that makes up the value (a ``SET``
    and the ``ADD`` lines after it), when known.
    """

    profile: str
    value: str | None
    file: str | None
    line: int | None
    lines: tuple[tuple[str, int], ...] = ()
    of: str = attrs.field(default="", eq=False, repr=False)
    """The profile whose phones these are (in ``outcomes``, who may be some of them)."""

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
    ``decisions`` is one per profile (its default phone); ``outcomes`` every TRUSTCERTS
    any phone may end with, naming who (``9611 H323 with $GROUP 1``).
    """

    decisions: list[Decision]
    files: dict[str, bytes]
    elsewhere: list[Elsewhere]
    loops: list[str]
    outcomes: list[Decision] = attrs.field(factory=list)
    paths: Paths | None = attrs.field(default=None, eq=False, repr=False)

    def deciding(self) -> dict[str, list[Decision]]:
        """The files that give some phone a non-empty TRUSTCERTS, with who and the line."""
        found: dict[str, list[Decision]] = {}
        documents = self.paths.documents if self.paths is not None else {}
        for outcome in self.outcomes or self.decisions:
            if not outcome.names:
                continue
            lines = outcome.lines or ((outcome.file, outcome.line),)
            for file, line in lines:
                if file is None or line is None:
                    continue
                doc = documents.get(file)
                statement = doc.line(line).statement if doc is not None else None
                if isinstance(statement, Assignment) and not statement.value:
                    continue  # an empty ADD adds nothing
                found.setdefault(file, []).append(attrs.evolve(outcome, file=file, line=line))
        return found

    def decision(self, profile: str) -> Decision:
        return next(d for d in self.decisions if d.profile == profile)

    def still(self, replaced: Mapping[str, SettingsFile]) -> list[Decision] | None:
        """The outcomes that still name a certificate once ``replaced`` are served instead,
        when they differ from the files walked only in their TRUSTCERTS lines (``None``
        otherwise: walk the chain again)."""
        if self.paths is None:
            return None
        documents = dict(self.paths.documents)
        for name, doc in replaced.items():
            if name in documents:
                if _flow(documents[name]) != _flow(doc):
                    return None
                documents[name] = doc
        return [
            attrs.evolve(outcome, value=value)
            for outcome in self.outcomes
            if (value := _value(outcome.lines, documents))
        ]


def follow(
    fetch: Fetch,
    *,
    overrides: Mapping[str, bytes] | None = None,
    profiles: Sequence[Phone] | None = None,
    lister: Callable[[], Iterable[str]] | None = None,
) -> Chain:
    """Walk every phone's chain on the server ``fetch`` reads from, once for all.

    ``overrides`` replaces files by name (what the server will serve once staged);
    ``profiles`` walks only those phones, as given; ``lister`` lists the server's files,
    so that ``GET $MACADDR.txt`` reaches each device's file (without it, such a ``GET``
    is one to elsewhere).

    >>> files = {
    ...     "46xxsettings.txt": b'SET TRUSTCERTS "Root-CA-0214515C.pem"\\nGET 46xxspecials.txt',
    ...     "46xxspecials.txt": b"SET TRUSTCERTS Root-CA-0214515C.pem,Mine.pem",
    ... }
    >>> chain = follow(files.get)
    >>> sorted(chain.deciding())
    ['46xxspecials.txt']
    """
    given = dict(overrides or {})
    raw: dict[str, bytes | None] = {}
    documents: dict[str, SettingsFile | None] = {}

    def loader(name: str) -> SettingsFile | None:
        if name not in documents:
            if name in given:
                raw[name] = given[name]
            elif name not in raw:
                raw[name] = None if _foreign(name) else fetch(name)
            data = raw[name]
            documents[name] = None if data is None else parse(data, name=name)
        return documents[name]

    phones = list(profiles) if profiles is not None else phone_profiles()
    walkers, defaults = _walkers(phones, loader, given=profiles is not None)
    known = {} if profiles is not None else {"MODEL4": frozenset(r.model4 for r in MODELS)}
    paths = walk_paths(
        walkers,
        loader,
        known=dict(known),
        lister=lister,
        exclude={SETTINGS, *ALL_SCRIPTS},
        foreign=_foreign,
    )
    decisions = [
        _default(paths, number, phone, defaults[number], loader)
        for number, phone in enumerate(phones)
    ]
    outcomes = [
        _outcome(paths, end, number, defaults[number], paths.documents)
        for end in paths.ends
        for number in sorted(end.who)
    ]
    return Chain(
        decisions,
        {name: data for name in paths.documents if (data := raw.get(name)) is not None},
        [
            Elsewhere(file, line, target, [walkers[n].name for n in sorted(who)])
            for (file, line, target), who in paths.elsewhere.items()
        ],
        paths.loops,
        outcomes,
        paths,
    )


def _walkers(
    phones: Sequence[Phone], loader: Callable[[str], SettingsFile | None], *, given: bool
) -> tuple[list[Walker], list[str]]:
    """A walker per phone (and one for every model the table lacks), and where each
    reads first by default."""
    walkers, defaults = [], []
    for phone in phones:
        scripts = upgrade_scripts(phone)
        served = [name for name in scripts if loader(name) is not None]
        starts = served + ([SETTINGS] if len(served) < len(scripts) or not scripts else [])
        if given:
            fixed = {k: v for k in _KNOWN if (v := phone.variable(k)) is not None}
            fixed.update((k.lstrip("$").upper(), v) for k, v in phone.variables.items())
        else:  # the model's own values; its group, MAC, and all else may be anything
            fixed = {
                k: v for k in ("MODEL4", "MODEL", "SIG", "SIG_IN_USE") if (v := phone.variable(k))
            }
        walkers.append(Walker(profile_name(phone), fixed, phone.ignores_case, tuple(starts)))
        defaults.append(starts[0])
    if not given:
        served = [name for name in ALL_SCRIPTS if loader(name) is not None]
        walkers.append(Walker(OTHER_MODELS, {}, None, (*served, SETTINGS)))
        defaults.append(SETTINGS)
    return walkers, defaults


def _default(
    paths: Paths,
    number: int,
    phone: Phone,
    start: str,
    loader: Callable[[str], SettingsFile | None],
) -> Decision:
    """What the default phone of a profile (group 0 unless given, no other value) gets."""
    walker = paths.walkers[number]
    for end in paths.ends:
        if number in end.who and end.start == start and _defaults_hold(end, walker):
            return _outcome(paths, end, number, start, paths.documents, walker.name)
    # Every default phone ends somewhere; should the walk not say where, ask evaluate().
    first = loader(start)
    setting = None if first is None else evaluate(first, phone, loader).settings.get("TRUSTCERTS")
    if setting is None:
        return Decision(walker.name, None, None, None, of=walker.name)
    return Decision(walker.name, setting.value, setting.file, setting.line, of=walker.name)


def _defaults_hold(end: End, walker: Walker) -> bool:
    for name, assumed in end.known.items():
        if name in walker.fixed:
            continue
        default = "0" if name == "GROUP" else None
        if isinstance(assumed, str):
            if default is None or assumed != default:
                return False
        elif default is not None and default in assumed:
            return False
    return True


def _outcome(
    paths: Paths,
    end: End,
    number: int,
    start: str,
    documents: Mapping[str, SettingsFile],
    name: str | None = None,
) -> Decision:
    walker = paths.walkers[number]
    if name is None:
        name = walker.name
        said = []
        for variable, assumed in sorted(end.known.items()):
            if isinstance(assumed, str) and variable not in walker.fixed:
                if variable == "MODEL4" and walker.name == OTHER_MODELS:
                    name = f"{assumed} ({OTHER_MODELS})"
                else:
                    said.append(f"${variable} {assumed}")
        name += f" with {', '.join(said)}" if said else ""
        if end.start != start:
            name += f"{',' if said else ''} reading {end.start} first"
    last = end.contributions[-1] if end.contributions else (None, None)
    value = _value(end.contributions, documents)
    return Decision(name, value, last[0], last[1], end.contributions, of=walker.name)


def _value(lines: Sequence[tuple[str, int]], documents: Mapping[str, SettingsFile]) -> str | None:
    """The value the ``SET`` and ``ADD`` lines at ``lines`` make, in order."""
    value: str | None = None
    for file, line in lines:
        statement = documents[file].line(line).statement
        if isinstance(statement, SetStatement):
            value = statement.value
        elif isinstance(statement, AddStatement):
            added = statement.value
            value = (f"{value},{added}" if added else value) if value else added
    return value


def _flow(doc: SettingsFile) -> list[Statement]:
    """The statements that decide where a phone goes: all but the TRUSTCERTS lines."""
    return [
        s
        for s in doc.statements()
        if not (isinstance(s, Assignment) and s.name.upper() == "TRUSTCERTS")
    ]


def _foreign(name: str) -> bool:
    """A name this server cannot give: a URL, or a path outside its folder."""
    return "://" in name or "/" in name or "\\" in name
