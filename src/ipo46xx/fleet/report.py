"""The certificate facts a fleet report shows for each site, decided once, here.

A fleet report (``ipo46xx fleet cert|status|verify --html/--csv``) draws every site's
certificate expiry and colours it by state.  The state and the days left come from the
site's own result: the :class:`~ipo46xx.office.certificates.CertificateReport` of
``cert``, the endpoints that ``verify``'s trust check read.  ``status`` contacts no IP
Office, so its sites' certificates are ``unknown``, never ``ok``: a site whose
certificate was not read is never drawn as healthy.

How it is presented (HTML, CSV, sentences) is the command line's business.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..office.certificates import Endpoint
    from .runner import SiteResult

__all__ = ["CERTIFICATE_STATES", "SiteCertificate", "site_certificate"]

CERTIFICATE_STATES = (
    "expired",
    "not-yet-valid",
    "malformed",
    "expires-soon",
    "clock-never-set",
    "ok",
    "unknown",
)
"""A site's certificate state, worst first: phones refuse the first two, the third is not
strict DER (OpenSSL reads it, stricter parsers refuse it), the fourth is refused soon, the
fifth is a certificate its IP Office made without a clock (it will be regenerated the same
way unless the clock is set), ``unknown`` no certificate was read.  Every problem that
fails ``cert`` (``BLOCKING``) is a state here: none is ever drawn as ``ok``."""


@attrs.frozen
class SiteCertificate:
    """One site's certificate as the report shows it: the soonest expiry of the
    certificates its TLS endpoints present, and the worst state among them.

    >>> SiteCertificate("unknown").days_left is None
    True
    """

    state: str
    days_left: int | None = None
    not_before: dt.datetime | None = None
    not_after: dt.datetime | None = None
    port: int | None = None
    problems: tuple[str, ...] = ()

    @property
    def known(self) -> bool:
        """Whether a certificate was read at all."""
        return self.not_after is not None


def site_certificate(result: SiteResult) -> SiteCertificate:
    """The certificate facts of one site's ``cert`` or ``verify`` result; ``unknown``
    for any other result, or when no endpoint presented a certificate.

    >>> from ipo46xx.fleet.runner import SiteResult
    >>> site_certificate(SiteResult("hq", "status", ok=True, state="new", exit=0, message=""))
    SiteCertificate(state='unknown', days_left=None, not_before=None, not_after=None, port=None, problems=())
    """  # noqa: E501
    return _of_endpoints(_endpoints(result))


def _endpoints(result: SiteResult) -> Sequence[Endpoint]:
    value: Any = result.value
    if value is None:
        return ()
    if result.action == "cert":
        return list(value.endpoints)
    if result.action == "verify" and getattr(value, "trust", None) is not None:
        return list(value.trust.endpoints)
    return ()


def _of_endpoints(endpoints: Sequence[Endpoint]) -> SiteCertificate:
    answered = [e for e in endpoints if e.certificate is not None and e.days_left is not None]
    if not answered:
        return SiteCertificate("unknown")
    soonest = min(answered, key=lambda e: e.days_left or 0)
    problems = tuple(dict.fromkeys(p for e in answered for p in e.problems))
    state = next((s for s in CERTIFICATE_STATES if s in problems), "ok")
    certificate = soonest.certificate
    assert certificate is not None
    return SiteCertificate(
        state,
        soonest.days_left,
        certificate.not_before,
        certificate.not_after,
        soonest.port,
        problems,
    )
