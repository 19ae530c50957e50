"""What a run must stage: every file of the phones' chain that gives one a TRUSTCERTS.

The advisory blanks ``TRUSTCERTS`` in ``46xxsettings.txt``; a phone that reads
``46xxspecials.txt`` (or any file a ``GET`` reaches) after it gets whatever that file sets
last.  :func:`survey` follows the chain on the IP Office's own file service once for
every phone (:func:`~ipo46xx.format.chain.follow`), finds each file that gives any phone
a non-empty ``TRUSTCERTS``, checks that the card holds it as served, and proves that once
the blanked copies are served, no phone has one any more.  Anything it cannot reach
stops the run before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import attrs

from ..errors import InputError, TargetChangedError
from ..format.chain import SETTINGS, Chain, Decision, follow
from ..format.document import Edit, parse
from ..format.trustlist import ROOT_CA_PATTERN, blank_trustcerts
from ..storage import Storage, digest_of
from .flow import Expect, Unit

__all__ = ["Extra", "Survey", "deciding_lines", "survey"]

Fetch = Callable[[str], "bytes | None"]


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

    def lines(self) -> list[str]:
        """What decides TRUSTCERTS for each profile's default phone, then for the other
        phones that get one from a line no default phone's comes from, in words."""
        told = {(d.file, d.line) for d in self.chain.decisions}
        others = [d for d in self.chain.outcomes if d.names and (d.file, d.line) not in told]
        return deciding_lines(self.chain.decisions) + deciding_lines(others)


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


def survey(
    fetch: Fetch, served: bytes, staged: bytes, card: Storage, *, chain: Chain | None = None
) -> Survey:
    """Follow every phone's chain once (``fetch`` reads the IP Office's file service by
    name, ``None`` for a file it does not serve) with ``served`` as its
    ``46xxsettings.txt``; return the other files on ``card`` that must be blanked, or
    raise when a TRUSTCERTS is out of reach.  ``staged`` is the blanked
    ``46xxsettings.txt``; ``chain``, when given, is that walk already done.

    A file joins the run when *any* phone may end with a TRUSTCERTS from it: a phone in
    another group, with another MAC address or hardware, of a model the table lacks, or
    reading a per-device file (``GET $MACADDR.txt`` reaches each file on the card named
    like a device).
    """
    if chain is None:
        chain = follow(fetch, overrides={SETTINGS: served}, lister=card.list)
    problems = [
        f"{elsewhere.file} line {elsewhere.line}: GET {elsewhere.target} sends "
        f"{_who(elsewhere.profiles)} to a file this IP Office does not serve; what it "
        "sets cannot be seen or changed here"
        for elsewhere in chain.elsewhere
    ]
    if problems:
        raise InputError("; ".join(dict.fromkeys(problems)) + ". Nothing was changed")
    extras: dict[str, Extra] = {}
    for name, decisions in chain.deciding().items():
        if name == SETTINGS:
            continue
        if not card.exists(name):
            problems.append(
                f"{name} line {decisions[0].line} gives "
                f"{', '.join(dict.fromkeys(d.profile for d in decisions))} a TRUSTCERTS, but "
                f"{name} is not on "
                f"{card.url}: the IP Office generates it or it comes from elsewhere, so it "
                "cannot be changed there"
            )
            continue
        extras[name] = _extra(card, name, chain.files[name])
    if problems:
        raise InputError("; ".join(dict.fromkeys(problems)) + ". Nothing was changed")
    replaced = {SETTINGS: parse(staged, name=SETTINGS)}
    replaced.update((x.name, x.edit.document) for x in extras.values())
    still = chain.still(replaced)
    if still is None:  # the staged files branch otherwise: walk them as they will be
        overrides = {name: doc.to_bytes() for name, doc in replaced.items()}
        again = follow(fetch, overrides=overrides, lister=card.list)
        still = [d for d in again.outcomes if d.names]
    if still:
        raise InputError(
            "once staged, phones would still be told to trust a certificate: "
            + "; ".join(deciding_lines(still))
            + ". Nothing was changed"
        )
    had = [d.profile for d in chain.decisions if any(ROOT_CA_PATTERN.match(n) for n in d.names)]
    return Survey(chain, list(extras.values()), had)


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
