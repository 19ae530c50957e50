"""An IP Office's identity certificate, read the way a phone meets it: over TLS.

:func:`check_certificates` connects to each TLS endpoint of an IP Office **without
verifying** (it only reads what is presented), and states the facts: subject, issuer,
validity, fingerprint, key, and the problems that strand phones (``expired``,
``expires-soon``, ``not-yet-valid``, ``malformed``: not DER, which OpenSSL reads and
stricter parsers refuse) or explain them (``clock-never-set``: an IP Office whose clock was
never set dates its certificate from 00:00:00 on 1 January of its release year, DESIGN
2b).  ``cryptography`` is imported only here, in :mod:`.paths` and where certificates are
made.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from ..errors import InputError, out_of_files
from .connect import connect
from .ports import HTTPS_PORT, host_of, served_tls_ports, tls_ports

if TYPE_CHECKING:
    from cryptography import x509

__all__ = [
    "BLOCKING",
    "CLOCK_NEVER_SET_WINDOW",
    "DEFAULT_DAYS",
    "Certificate",
    "CertificateReport",
    "Endpoint",
    "check_certificates",
    "host_of",
    "load_certificates",
    "read_endpoint",
    "tls_ports",
]

DEFAULT_DAYS = 180
"""Manager warns this many days before its certificate expires (the advisory)."""

BLOCKING = ("expired", "expires-soon", "not-yet-valid", "malformed")
"""Problems that fail a check; ``clock-never-set`` is a warning that explains them."""

CLOCK_NEVER_SET_WINDOW = dt.timedelta(hours=1)
"""An IP Office whose clock was never set believes it is 00:00:00 on 1 January of its
release year when it boots (DESIGN 2b, IP Office Security Guidelines), and makes its
certificate minutes later: a certificate valid from this first stretch of 1 January was
made without a clock.  One with a set clock lands here only when made in the first hour
of 2 January (valid from is creation minus 24 hours)."""


@attrs.frozen
class Certificate:
    """The facts of one X.509 certificate, as ``ipo46xx cert`` states them."""

    subject: str
    issuer: str
    serial: str
    not_before: dt.datetime
    not_after: dt.datetime
    self_signed: bool
    sha256: str
    key: str
    signature_algorithm: str
    san: list[str]
    der: bytes = attrs.field(repr=False)
    oddities: list[str] = attrs.field(factory=list)
    """What is wrong with its encoding, though OpenSSL reads it (``malformed``)."""

    @classmethod
    def from_der(cls, der: bytes) -> Certificate:
        """Read a DER certificate.

        >>> Certificate.from_der(b"junk")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ipo46xx.errors.InputError: not an X.509 certificate ...
        """
        from cryptography import x509  # noqa: PLC0415

        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as exc:
            raise InputError(f"not an X.509 certificate ({exc})") from None
        return cls._of(cert, der)

    @classmethod
    def _of(cls, cert: x509.Certificate, der: bytes) -> Certificate:
        from cryptography import x509  # noqa: PLC0415

        from .paths import names_match, signature_valid  # noqa: PLC0415

        san: list[str] = []
        oddities: list[str] = []
        try:
            names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            san = [f"DNS:{n}" for n in names.get_values_for_type(x509.DNSName)] + [
                f"IP:{a}" for a in names.get_values_for_type(x509.IPAddress)
            ]
        except x509.ExtensionNotFound:
            pass
        except ValueError as exc:
            # BER where X.509 demands DER (a BOOLEAN TRUE written 0x01, say): OpenSSL reads
            # it, strict parsers (and so perhaps some phones) refuse the whole certificate.
            oddities.append(_oddity(str(exc)))
        algorithm = cert.signature_algorithm_oid
        subject, issuer = cert.subject, cert.issuer  # each built in Python on every access
        return cls(
            subject=subject.rfc4514_string(),
            issuer=issuer.rfc4514_string(),
            serial=format(cert.serial_number, "X"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            self_signed=names_match(issuer, subject) and signature_valid(cert, cert),
            sha256=hashlib.sha256(der).hexdigest(),
            key=_describe_key(cert),
            signature_algorithm=getattr(algorithm, "_name", algorithm.dotted_string),
            san=san,
            der=der,
            oddities=oddities,
        )

    def days_left(self, now: dt.datetime) -> int:
        """Whole days until it expires (negative once expired)."""
        return (self.not_after - now) // dt.timedelta(days=1)

    @property
    def clock_never_set(self) -> bool:
        """Valid from the first hour of 1 January (:data:`CLOCK_NEVER_SET_WINDOW`): made by
        an IP Office without a clock."""
        start = self.not_before
        new_year = start.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
        return start - new_year < CLOCK_NEVER_SET_WINDOW

    def problems(self, now: dt.datetime, days: int = DEFAULT_DAYS) -> list[str]:
        """The problem codes of this certificate at ``now``."""
        found = []
        if now > self.not_after:
            found.append("expired")
        elif self.days_left(now) < days:
            found.append("expires-soon")
        if now < self.not_before:
            found.append("not-yet-valid")
        if self.oddities:
            found.append("malformed")
        if self.clock_never_set:
            found.append("clock-never-set")
        return found

    def signs(self, other: Certificate) -> bool:
        """Whether this certificate issued ``other``: names match (RFC 5280) and the
        signature verifies."""
        from cryptography import x509  # noqa: PLC0415

        from .paths import names_match, signature_valid  # noqa: PLC0415

        issuer = x509.load_der_x509_certificate(self.der)
        subject = x509.load_der_x509_certificate(other.der)
        return names_match(subject.issuer, issuer.subject) and signature_valid(subject, issuer)


def _oddity(error: str) -> str:
    """cryptography's parse error in words: which field, and the likely BER habit.

    >>> _oddity('error parsing asn1 value: ParseError { kind: InvalidValue, '
    ...         'location: ["BasicConstraints::ca"] }')
    'its BasicConstraints ca field is not valid DER (InvalidValue; a BOOLEAN must be 00 or FF)'
    """
    found = re.search(r"kind: (\w+).*location: \[\"(\w+)::(\w+)\"", error)
    if found is None:
        return f"its extensions are not valid DER ({error})"
    kind, extension, field = found.groups()
    booleans = ("ca", "critical")  # the BOOLEAN fields of an extension
    hint = "; a BOOLEAN must be 00 or FF" if field in booleans and kind == "InvalidValue" else ""
    return f"its {extension} {field} field is not valid DER ({kind}{hint})"


def _describe_key(cert: x509.Certificate) -> str:
    from cryptography.exceptions import UnsupportedAlgorithm  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa  # noqa: PLC0415

    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError) as exc:
        return f"a key ipo46xx cannot read ({exc})"
    if isinstance(key, rsa.RSAPublicKey):
        return f"RSA {key.key_size}"
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}"
    if isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
        return type(key).__name__.replace("PublicKey", "").lstrip("_")
    return type(key).__name__


def load_certificates(data: bytes) -> list[Certificate]:
    """Every certificate in a PEM file (several may follow each other) or one DER file.

    >>> load_certificates(b"<html>login</html>")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: holds no certificate ...
    """
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    if b"-----BEGIN CERTIFICATE-----" in data:
        try:
            certs = x509.load_pem_x509_certificates(data)
        except ValueError as exc:
            raise InputError(f"holds a damaged PEM certificate ({exc})") from None
        return [Certificate._of(c, c.public_bytes(Encoding.DER)) for c in certs]
    try:
        return [Certificate.from_der(data)]
    except InputError:
        head = data[:40].decode("ascii", "replace").strip()
        raise InputError(
            f"holds no certificate (neither PEM nor DER; it starts {head!r})"
        ) from None


@attrs.frozen
class Endpoint:
    """One TLS endpoint of an IP Office: the certificate it presents, or why none."""

    host: str
    port: int
    error: str | None
    certificate: Certificate | None
    problems: list[str]
    days_left: int | None
    chain: list[Certificate] = attrs.field(factory=list)
    """Every certificate presented, the identity certificate first."""

    @property
    def presented(self) -> list[Certificate]:
        """The chain presented, or the identity certificate alone when only it is known."""
        return self.chain or ([self.certificate] if self.certificate is not None else [])


@attrs.frozen
class CertificateReport:
    """What every endpoint of an IP Office presents, and the problems in total."""

    ipo: str
    checked_at: dt.datetime
    days: int
    endpoints: list[Endpoint]
    problems: list[str]
    notes: list[str]

    @property
    def answered(self) -> list[Endpoint]:
        """The endpoints that presented a certificate."""
        return [e for e in self.endpoints if e.certificate is not None]

    @property
    def ok(self) -> bool:
        """True when some endpoint answered and none has a blocking problem."""
        return bool(self.answered) and not set(self.problems) & set(BLOCKING)


@functools.cache
def _read_context() -> ssl.SSLContext:
    """A client that accepts anything an old IP Office offers: this connection only reads.

    TLS 1.0, 1024-bit RSA and SHA-1 must not stop an inspection; downloads never use it.
    One for the process: it holds no state of a connection, and a fleet makes thousands.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.set_ciphers("ALL:@SECLEVEL=0")
    return context


def read_endpoint(
    host: str,
    port: int,
    *,
    timeout: float,
    now: dt.datetime,
    days: int = DEFAULT_DAYS,
) -> Endpoint:
    """Connect to ``host:port``, read the certificate presented, and judge it.

    >>> import datetime
    >>> now = datetime.datetime.now(datetime.timezone.utc)
    >>> read_endpoint("127.0.0.1", 9, timeout=1, now=now).error
    'connection refused'
    """
    try:
        with (
            connect(host, port, timeout) as raw,
            _read_context().wrap_socket(raw, server_hostname=None) as tls,
        ):
            der = tls.getpeercert(binary_form=True)
            presented = _presented_chain(tls)
    except ConnectionRefusedError:
        return Endpoint(host, port, "connection refused", None, [], None)
    except TimeoutError:
        return Endpoint(host, port, f"no answer within {timeout:g} s", None, [], None)
    except ssl.SSLError as exc:
        reason = exc.reason or str(exc)
        return Endpoint(host, port, f"no TLS here ({reason})", None, [], None)
    except OSError as exc:
        files = out_of_files(exc)  # this process's limit, not the endpoint's fault
        error = files if files is not None else f"no TLS here ({exc.strerror or exc})"
        return Endpoint(host, port, error, None, [], None)
    if not der:
        return Endpoint(host, port, "no certificate presented", None, [], None)
    try:
        cert = Certificate.from_der(der)
        chain = [cert] + [Certificate.from_der(d) for d in presented[1:]]
    except InputError as exc:
        return Endpoint(host, port, str(exc), None, [], None)
    problems, left = cert.problems(now, days), cert.days_left(now)
    return Endpoint(host, port, None, cert, problems, left, chain)


def _presented_chain(tls: ssl.SSLSocket) -> list[bytes]:
    """Every certificate the server sent, leaf first, as DER; ``[]`` when it cannot be read.

    Python 3.13 has ``SSLSocket.get_unverified_chain()`` (DER bytes); 3.10-3.12 have the
    same OpenSSL call (``SSL_get_peer_cert_chain``) on the private ``_sslobj``, returning
    ``_ssl.Certificate`` objects.
    """
    reader = getattr(tls, "get_unverified_chain", None)
    if reader is None:
        reader = getattr(getattr(tls, "_sslobj", None), "get_unverified_chain", None)
    if reader is None:
        return []
    chain = reader() or []
    return [
        item if isinstance(item, bytes) else item.public_bytes(ssl._ssl.ENCODING_DER)  # type: ignore[attr-defined]
        for item in chain
    ]


def check_certificates(
    ipo: str,
    *,
    ports: Sequence[int] = (),
    days: int = DEFAULT_DAYS,
    timeout: float = 15.0,
    verify: bool = True,
    cafile: str | None = None,
    pin: str | None = None,
    now: dt.datetime | None = None,
) -> CertificateReport:
    """The identity certificate on each TLS endpoint of the IP Office at ``ipo``.

    Without ``ports``: 443, the port of an ``https://`` address, and every ``TLSPORT``
    the settings file the IP Office serves gives any phone profile.  ``verify``,
    ``cafile`` and ``pin`` apply to that download only.

    >>> from ipo46xx.emulator import IpOfficeEmulator
    >>> from ipo46xx.storage import MemoryStorage
    >>> with IpOfficeEmulator(MemoryStorage()) as office:
    ...     report = check_certificates(office.url)
    >>> report.problems
    ['expired', 'clock-never-set']
    """
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise InputError(f"--days must be a whole number of days, 0 or more, not {days!r}")
    for port in ports:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise InputError(f"--port {port!r} is not a TCP port (1-65535)")
    now = now or dt.datetime.now(dt.timezone.utc)
    host, url_port = host_of(ipo)
    notes: list[str] = []
    if ports:
        wanted = list(dict.fromkeys(ports))
    else:
        wanted = [HTTPS_PORT] + ([url_port] if url_port else [])
        try:
            wanted += served_tls_ports(ipo, verify=verify, cafile=cafile, pin=pin, timeout=timeout)
        except Exception as exc:
            from ..errors import Ipo46xxError  # noqa: PLC0415

            if not isinstance(exc, Ipo46xxError):
                raise
            notes.append(f"the TLSPORT of the settings file is unknown: {exc}")
        wanted = list(dict.fromkeys(wanted))
    endpoints = [read_endpoint(host, port, timeout=timeout, now=now, days=days) for port in wanted]
    problems = list(dict.fromkeys(p for e in endpoints for p in e.problems))
    return CertificateReport(ipo, now, days, endpoints, problems, notes)
