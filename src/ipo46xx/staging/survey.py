"""What a run must stage: every file of the phones' chain that gives one a TRUSTCERTS.

The advisory blanks ``TRUSTCERTS`` in ``46xxsettings.txt``; a phone that reads
``46xxspecials.txt`` (or any file a ``GET`` reaches) after it gets whatever that file sets
last.  :func:`survey` follows the chain on the IP Office's own file service for every
profile, finds each file that decides a non-empty ``TRUSTCERTS``, checks that the card
holds it as served, and proves that once the blanked copies are served, no profile that
had a ``TRUSTCERTS`` has one any more.  Anything it cannot reach stops the run before
anything changes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import attrs

from ..errors import InputError, TargetChangedError
from ..format.chain import SETTINGS, UPGRADE_SCRIPTS, Chain, Decision, Elsewhere, follow
from ..format.document import Edit, parse
from ..format.evaluation import Phone
from ..format.profiles import phone_profiles, profile_name
from ..format.trustlist import ROOT_CA_PATTERN, blank_trustcerts
from ..storage import Storage, digest_of
from .flow import Expect, Unit

__all__ = ["Extra", "Survey", "deciding_lines", "survey"]

Fetch = Callable[[str], "bytes | None"]
_VARIABLE = re.compile(r"\$[A-Za-z0-9_]+")


@attrs.frozen
class Extra:
    """A file besides ``46xxsettings.txt`` that the run blanks: as on the card, and blanked."""

    name: str
    original: bytes
    edit: Edit

    @property
    def staged(self) -> bytes:
        return self.edit.document.to_bytes()

    def expect(self) -> tuple[Unit, Expect]:
        return Unit(self.name), Expect(
            original=digest_of(self.original), staged=digest_of(self.staged)
        )


@attrs.frozen
class Survey:
    """The chain as served, the other files to stage, and who had an IP Office root CA."""

    chain: Chain
    extras: list[Extra]
    had_root_ca: list[str]


def deciding_lines(decisions: Iterable[Decision]) -> list[str]:
    """Which file and line decides TRUSTCERTS, grouped by line, in words.

    >>> deciding_lines([Decision("9611 H323", "a.pem", "46xxspecials.txt", 3)])
    ['46xxspecials.txt line 3 decides TRUSTCERTS "a.pem" for 9611 H323']
    """
    groups: dict[tuple[str | None, int | None, str | None], list[str]] = {}
    for decision in decisions:
        groups.setdefault((decision.file, decision.line, decision.value), []).append(
            decision.profile
        )
    lines = []
    for (file, line, value), profiles in groups.items():
        who = _who(profiles)
        if file is None:
            lines.append(f"no file sets TRUSTCERTS for {who}")
        else:
            lines.append(f'{file} line {line} decides TRUSTCERTS "{value}" for {who}')
    return lines


def survey(fetch: Fetch, served: bytes, staged: bytes, card: Storage) -> Survey:
    """Follow every profile's chain (``fetch`` reads the IP Office's file service by name,
    ``None`` for a file it does not serve) with ``served`` as its ``46xxsettings.txt``;
    return the other files on ``card`` that must be blanked, or raise when a TRUSTCERTS
    is out of reach.  ``staged`` is the blanked ``46xxsettings.txt``.

    A ``GET`` whose name holds a variable (``GET $MACADDR.txt``) reaches the per-device
    files on the card: the chain is followed again for each of them, as that device.
    """
    chain = follow(fetch, overrides={SETTINGS: served})
    problems: list[str] = []
    extras: dict[str, Extra] = {}
    devices: list[Phone] = []
    chains = [chain]
    while chains:
        current = chains.pop()
        _join(current, card, extras, problems)
        for elsewhere in current.elsewhere:
            if _VARIABLE.search(elsewhere.target) and "/" not in elsewhere.target:
                if current is chain:  # one level: a device's own file names no other device
                    found = _devices(card, elsewhere, chain)
                    devices += found
                    if found:
                        chains.append(follow(fetch, overrides={SETTINGS: served}, profiles=found))
                continue
            problems.append(
                f"{elsewhere.file} line {elsewhere.line}: GET {elsewhere.target} sends "
                f"{_who(elsewhere.profiles)} to a file this IP Office does not serve; what it "
                "sets cannot be seen or changed here"
            )
    if problems:
        raise InputError("; ".join(dict.fromkeys(problems)) + ". Nothing was changed")
    overrides = {SETTINGS: staged, **{x.name: x.staged for x in extras.values()}}
    still = [d for d in follow(fetch, overrides=overrides).decisions if d.names]
    if devices:
        still += [
            d for d in follow(fetch, overrides=overrides, profiles=devices).decisions if d.names
        ]
    if still:
        raise InputError(
            "once staged, phones would still be told to trust a certificate: "
            + "; ".join(deciding_lines(still))
            + ". Nothing was changed"
        )
    had = [d.profile for d in chain.decisions if any(ROOT_CA_PATTERN.match(n) for n in d.names)]
    return Survey(chain, list(extras.values()), had)


def _join(chain: Chain, card: Storage, extras: dict[str, Extra], problems: list[str]) -> None:
    """The files of ``chain`` that give a profile a TRUSTCERTS join the run."""
    for name, decisions in chain.deciding().items():
        if name == SETTINGS or name in extras:
            continue
        if not card.exists(name):
            problems.append(
                f"{name} line {decisions[0].line} gives "
                f"{', '.join(d.profile for d in decisions)} a TRUSTCERTS, but {name} is not on "
                f"{card.url}: the IP Office generates it or it comes from elsewhere, so it "
                "cannot be changed there"
            )
            continue
        extras[name] = _extra(card, name, chain.files[name])


def _devices(card: Storage, elsewhere: Elsewhere, chain: Chain) -> list[Phone]:
    """The profiles that reach ``elsewhere``, once as each device whose file is on the card."""
    # A file the chain reaches by name (or an upgrade script) is no device's.
    exclude = {SETTINGS, *chain.files, *UPGRADE_SCRIPTS.values()}
    wanted = set(elsewhere.profiles)
    phones = [p for p in phone_profiles() if profile_name(p) in wanted]
    found = []
    for values in _matching(card, elsewhere.target, exclude):
        for phone in phones:
            found.append(attrs.evolve(phone, variables={**phone.variables, **values}))
    return found


def _extra(card: Storage, name: str, served: bytes | None) -> Extra:
    unit = Unit(name)
    data = card.read(name)
    if served is not None and data != served:
        raise TargetChangedError(
            f"the IP Office serves a different {name} than the one on {card.url}; is the "
            "target the IP Office's SD card folder (system/primary)? Nothing was changed"
        )
    if card.exists(unit.backup):
        raise TargetChangedError(
            f"{unit.backup} already exists on {card.url} and this run did not make it; it may "
            f"be someone's only copy of {name}. Move it away, then run stage again"
        )
    return Extra(name, data, blank_trustcerts(parse(data, name=name)))


def _who(profiles: list[str]) -> str:
    """Up to six profiles by name, and how many more."""
    more = f" and {len(profiles) - 6} more" if len(profiles) > 6 else ""
    return ", ".join(profiles[:6]) + more


# What a variable stands for in a per-device file name: a MAC address is 12 hex digits.
_VALUES = {"$MACADDR": "[0-9A-Fa-f]{12}"}
_ANY = r"[^/\\]+"


def _matching(card: Storage, target: str, exclude: Iterable[str] = ()) -> list[dict[str, str]]:
    """The values of ``target``'s variables for each file on the card it names."""
    parts = re.split(r"(\$[A-Za-z0-9_]+)", target)
    names = [part[1:].upper() for part in parts if _VARIABLE.fullmatch(part)]
    if len(set(names)) != len(names):
        return []  # the same variable twice: no per-device naming we know
    pattern = re.compile(
        "".join(
            f"(?P<{part[1:].upper()}>{_VALUES.get(part.upper(), _ANY)})"
            if _VARIABLE.fullmatch(part)
            else re.escape(part)
            for part in parts
        ),
        re.IGNORECASE,
    )
    skip = {name.lower() for name in exclude}
    found = []
    for name in sorted(card.list()):
        match = pattern.fullmatch(name)
        if match and name.lower() not in skip:
            found.append(match.groupdict())
    return found
