"""The phones' view of trust: will each phone profile trust the IP Office it talks to?

A phone reads ``TRUSTCERTS`` from the settings file, downloads each named file from the
same file server, and accepts the IP Office's identity certificate only when one of them
issued it and it is valid now.  :func:`check_trust` does the same for every profile.
Only the IP Office's own root CAs (``Root-CA-XXXXXXXX.pem``) are judged; other names
(``WebRootCA.pem``, an administrator's own CA) are reported as they are.  The path is
judged as :func:`~.paths.judge_path` does: every certificate the IP Office presents and
every certificate of the file count (dates, CA constraints, key usage, path length).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import attrs

from ..errors import Ipo46xxError
from ..format.chain import Chain, Decision
from ..format.document import SettingsFile
from ..format.evaluation import Loader
from ..format.profiles import settings_per_profile
from ..format.trustlist import ROOT_CA_PATTERN, names_of
from .certificates import Endpoint, load_certificates
from .paths import PathVerdict, judge_path

__all__ = ["ProfileTrust", "RootCa", "TrustReport", "check_trust"]

FileFetcher = Callable[[str], bytes]
"""Given a file name, its bytes from the IP Office's file service; raises when it cannot."""


@attrs.frozen
class RootCa:
    """One root CA file a profile is told to trust, and what it is worth."""

    name: str
    signs: bool | None
    """Whether a valid path leads from what the IP Office presents to this file;
    ``None`` when it cannot be told."""
    reason: str


@attrs.frozen
class ProfileTrust:
    """What one phone profile trusts, and whether it will trust the IP Office.

    ``trusted`` is ``None`` when the profile names no IP Office root CA (nothing to judge)
    or when it cannot be told (no TLS endpoint answered).
    """

    profile: str
    names: list[str]
    source: str | None
    trusted: bool | None
    reason: str
    root_cas: list[RootCa]


@attrs.frozen
class TrustReport:
    """Every profile's trust; ``ok`` is false when a profile meant to trust will not."""

    profiles: list[ProfileTrust]
    endpoints: list[Endpoint]

    @property
    def failing(self) -> list[ProfileTrust]:
        return [p for p in self.profiles if p.trusted is False]

    @property
    def unknown(self) -> list[ProfileTrust]:
        return [p for p in self.profiles if p.trusted is None and _judged(p)]

    @property
    def verdict(self) -> bool | None:
        """True: every profile meant to trust will; False: some will not; None: cannot tell."""
        return False if self.failing else None if self.unknown else True

    @property
    def ok(self) -> bool:
        """No profile that names an IP Office root CA fails, and none is left unjudged."""
        return not self.failing and not self.unknown

    def summary(self) -> str:
        """One sentence for the operator."""
        meant = [p for p in self.profiles if _judged(p)]
        if self.failing:
            first = self.failing[0]
            return (
                f"{len(self.failing)} of {len(meant)} phone profiles that should trust the IP "
                f"Office will not ({', '.join(p.profile for p in self.failing[:4])}"
                f"{', ...' if len(self.failing) > 4 else ''}): {first.reason}"
            )
        if self.unknown:
            return f"cannot tell whether phones will trust the IP Office: {self.unknown[0].reason}"
        if not meant:
            return "no phone profile is told to trust an IP Office root CA"
        names = sorted({c.name for p in meant for c in p.root_cas if c.signs})
        return (
            f"every phone profile that names an IP Office root CA ({len(meant)}) will trust "
            f"the certificate it presents ({', '.join(names)})"
        )


def _judged(profile: ProfileTrust) -> bool:
    return any(ROOT_CA_PATTERN.match(n) for n in profile.names)


def check_trust(
    doc: SettingsFile,
    endpoints: Sequence[Endpoint],
    fetch_file: FileFetcher,
    *,
    loader: Loader | None = None,
    chain: Chain | None = None,
    now: dt.datetime | None = None,
) -> TrustReport:
    """Judge every profile's ``TRUSTCERTS`` in ``doc`` against the identity certificates
    the IP Office presents at ``endpoints``.

    ``fetch_file`` downloads a root CA file by name from the IP Office's file service;
    ``loader`` gives the files a ``GET`` reaches (as for :func:`ipo46xx.evaluate`);
    ``chain``, when given, is what each profile gets from its whole chain (upgrade script
    first), and ``doc`` and ``loader`` are not evaluated: every branch of it is judged
    (``Chain.outcomes``: a group, a MAC address, a per-device file), each as its own
    profile when it differs from what the profile's default phone gets.

    >>> from ipo46xx import parse
    >>> report = check_trust(parse(b'SET TRUSTCERTS ""'), [], lambda name: b"")
    >>> report.ok, report.profiles[0].reason
    (True, 'TRUSTCERTS is empty: trusts no IP Office root CA')
    """
    now = now or dt.datetime.now(dt.timezone.utc)
    identities = [e for e in endpoints if e.certificate is not None]
    verdicts: dict[str, RootCa] = {}
    profiles = []
    if chain is not None:
        decided = [
            (d.profile, d.value, None if d.file is None else f"{d.file} line {d.line}")
            for d in _branches(chain)
        ]
    else:
        decided = [
            (profile, None, None)
            if setting is None
            else (profile, setting.value, f"{setting.file} line {setting.line}")
            for profile, setting in settings_per_profile(doc, "TRUSTCERTS", loader).items()
        ]
    for profile, value, source in decided:
        names = names_of(value) if value is not None else []
        own = [n for n in names if ROOT_CA_PATTERN.match(n)]
        if not own:
            reason = (
                "TRUSTCERTS is not set"
                if value is None
                else "TRUSTCERTS is empty: trusts no IP Office root CA"
                if not names
                else f"names no IP Office root CA ({', '.join(names)}; not judged)"
            )
            profiles.append(ProfileTrust(profile, names, source, None, reason, []))
            continue
        for name in own:  # each file once, however many profiles name it
            if name not in verdicts:
                verdicts[name] = _judge(name, identities, fetch_file, now)
        cas = [verdicts[n] for n in own]
        trusted: bool | None
        problem = _validity(identities, now)
        if not identities:
            trusted, reason = None, _nothing_answered(endpoints)
        elif problem:
            trusted, reason = False, problem
        elif any(c.signs for c in cas):
            trusted, reason = True, next(c.reason for c in cas if c.signs)
        elif any(c.signs is None for c in cas):
            trusted, reason = None, next(c.reason for c in cas if c.signs is None)
        else:
            trusted, reason = False, "; ".join(c.reason for c in cas)
        profiles.append(ProfileTrust(profile, names, source, trusted, reason, cas))
    return TrustReport(profiles, list(endpoints))


def _branches(chain: Chain) -> list[Decision]:
    """What the default phone of each profile gets, each followed by what some of its
    phones get otherwise (a group, a MAC address, another file): a phone in group 2 told
    to trust the old root CA will not trust the IP Office, whatever group 0 is told.

    A branch with its default's value would be judged the same, so it is left out; so is
    one of a model the table lacks that some model's default already shows.
    """
    branches: dict[str, list[Decision]] = {}
    for outcome in chain.outcomes:
        branches.setdefault(outcome.of, []).append(outcome)
    entries: list[Decision] = []
    for decision in chain.decisions:
        entries.append(decision)
        entries += [o for o in branches.pop(decision.profile, []) if o.value != decision.value]
    shown = {d.value for d in chain.decisions}
    for others in branches.values():  # models the table lacks: no default of their own
        entries += [o for o in others if o.value not in shown]
    unique = {(d.profile, d.value, d.file, d.line): d for d in entries}
    return list(unique.values())


def _nothing_answered(endpoints: Sequence[Endpoint]) -> str:
    tried = "; ".join(f"port {e.port}: {e.error}" for e in endpoints) or "no port known"
    return (
        f"no TLS endpoint of the IP Office answered ({tried}), so the certificate phones "
        "will meet is unknown. Name the port phones use with --tls-port, or run from a "
        "network that reaches the IP Office as the phones do"
    )


def _judge(
    name: str, identities: Sequence[Endpoint], fetch_file: FileFetcher, now: dt.datetime
) -> RootCa:
    try:
        data = fetch_file(name)
    except Ipo46xxError as exc:
        return RootCa(name, False, f"{name} cannot be downloaded from the IP Office ({exc})")
    try:
        cas = load_certificates(data)
    except Ipo46xxError as exc:
        return RootCa(name, False, f"{name} as served {exc}")
    if not identities:
        return RootCa(name, False, f"{name} was downloaded; no identity certificate to check")
    for endpoint in identities:
        # The identity's own dates are judged once per profile (_validity), not per file.
        verdict = judge_path(endpoint.presented, cas, now, leaf_dates=False)
        if verdict.trusted is None:
            return RootCa(name, None, f"{name}, port {endpoint.port}: {verdict.reason}")
        if not verdict.trusted:
            return RootCa(name, False, _refusal(name, endpoint.port, verdict))
    return RootCa(name, True, f"{name} issued the certificate the IP Office presents")


def _refusal(name: str, port: int, verdict: PathVerdict) -> str:
    if not verdict.linked:
        return (
            f"{name} did not issue the certificate the IP Office presents on port {port} "
            f"({verdict.reason}; the certificate was regenerated after this file was named, "
            "or it belongs to another IP Office)"
        )
    return f"{name} does not make the certificate on port {port} trusted: {verdict.reason}"


def _validity(identities: Sequence[Endpoint], now: dt.datetime) -> str | None:
    for endpoint in identities:
        cert = endpoint.certificate
        assert cert is not None
        if now > cert.not_after:
            return (
                f"the certificate on port {endpoint.port} expired on "
                f"{cert.not_after:%Y-%m-%d}; phones refuse it even with TLSSRVRID 0"
            )
        if now < cert.not_before:
            return (
                f"the certificate on port {endpoint.port} is not valid before "
                f"{cert.not_before:%Y-%m-%d}"
            )
    return None
