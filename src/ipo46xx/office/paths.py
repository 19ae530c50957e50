"""Certification paths judged as a phone's TLS stack judges them.

A phone trusts the IP Office when a path leads from the certificate it presents (with any
intermediates it presents after it) to a self-issued certificate in a file its
``TRUSTCERTS`` names, and every certificate on that path is valid now, every issuer is a
CA allowed to sign certificates, and no path length constraint is exceeded.  The rules
follow ``openssl verify -CAfile ROOTS [-untrusted PRESENTED] LEAF`` (OpenSSL 3, no
``-partial_chain``, no ``-purpose``), which the tests run on the same certificates:

* issuers are found by name, compared as RFC 5280 section 7.1 and OpenSSL do (case of
  ASCII letters and runs of white space do not matter), and by key identifier when both
  certificates carry one; trust anchors are looked at before presented certificates;
* an issuer needs ``CA:TRUE`` and, when it has key usage, ``keyCertSign``; the root
  may instead lack basic constraints when it has ``keyCertSign`` or is a self-signed
  version 1 certificate;
* the path must end at a self-issued certificate from the trusted file: a file that holds
  only an intermediate is not enough;
* the self-issued anchor's own signature is not checked; its validity dates are.

Names are not checked (``TLSSRVRID 0``, the IP Office default for remote phones).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from cryptography import x509

    from .certificates import Certificate

__all__ = ["PathVerdict", "judge_path", "names_match", "signature_valid"]

MAX_DEPTH = 10
"""Longer paths are refused: no phone builds one, and a loop of cross-signed CAs ends here."""

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


@attrs.frozen
class PathVerdict:
    """Whether a phone that trusts ``anchors`` accepts what the server presents.

    ``trusted`` is ``None`` when a certificate cannot be read well enough to tell.
    """

    trusted: bool | None
    reason: str
    path: list[Certificate]
    linked: bool = True
    """False when no chain of names and signatures leads to the file at all."""


class _UnreadableError(Exception):
    pass


@attrs.frozen
class _Facts:
    """What path building needs of one certificate, read once."""

    cert: Certificate
    x509: x509.Certificate
    subject: tuple[frozenset[tuple[str, object]], ...]
    issuer: tuple[frozenset[tuple[str, object]], ...]
    ca: bool | None  # basic constraints' cA, None without the extension
    path_length: int | None
    cert_sign: bool | None  # key usage's keyCertSign, None without the extension
    ski: bytes | None
    aki: bytes | None
    aki_serial: int | None
    v1: bool

    @classmethod
    def of(cls, cert: Certificate) -> _Facts:
        from cryptography import x509  # noqa: PLC0415

        parsed = x509.load_der_x509_certificate(cert.der)
        try:
            extensions = parsed.extensions
        except ValueError as exc:
            raise _UnreadableError(f"{cert.subject}: extensions not readable ({exc})") from None

        def get(kind: type[x509.ExtensionType]) -> x509.ExtensionType | None:
            try:
                return extensions.get_extension_for_class(kind).value
            except x509.ExtensionNotFound:
                return None

        basic = get(x509.BasicConstraints)
        usage = get(x509.KeyUsage)
        ski = get(x509.SubjectKeyIdentifier)
        aki = get(x509.AuthorityKeyIdentifier)
        assert basic is None or isinstance(basic, x509.BasicConstraints)
        assert usage is None or isinstance(usage, x509.KeyUsage)
        assert ski is None or isinstance(ski, x509.SubjectKeyIdentifier)
        assert aki is None or isinstance(aki, x509.AuthorityKeyIdentifier)
        return cls(
            cert,
            parsed,
            canonical_name(parsed.subject),
            canonical_name(parsed.issuer),
            None if basic is None else basic.ca,
            None if basic is None else basic.path_length,
            None if usage is None else usage.key_cert_sign,
            None if ski is None else ski.digest,
            None if aki is None else aki.key_identifier,
            None if aki is None else aki.authority_cert_serial_number,
            parsed.version == x509.Version.v1,
        )

    def may_have_issued(self, other: _Facts) -> bool:
        """Name, key identifier and key usage allow ``self`` to be ``other``'s issuer."""
        if self.subject != other.issuer or self.cert_sign is False:
            return False
        if other.aki is not None and self.ski is not None and other.aki != self.ski:
            return False
        return other.aki_serial is None or other.aki_serial == self.x509.serial_number

    @property
    def self_issued(self) -> bool:
        return self.may_have_issued(self)

    @property
    def is_ca(self) -> bool:
        """OpenSSL's ``X509_check_ca`` without the Netscape certificate type."""
        if self.cert_sign is False:
            return False
        if self.ca is not None:
            return self.ca
        return self.cert_sign is True or (self.v1 and self.self_issued)


def canonical_name(name: x509.Name) -> tuple[frozenset[tuple[str, object]], ...]:
    """A distinguished name as RFC 5280 compares it: RDN by RDN, attribute values with
    ASCII case and runs of white space folded.

    >>> from cryptography import x509
    >>> a = x509.Name.from_rfc4514_string("CN=IPO  Root,O=Avaya")
    >>> canonical_name(a) == canonical_name(x509.Name.from_rfc4514_string("CN=ipo root,O=AVAYA"))
    True
    """
    return tuple(
        frozenset(
            (
                a.oid.dotted_string,
                " ".join(a.value.split()).translate(_ASCII_LOWER)
                if isinstance(a.value, str)
                else a.value,
            )
            for a in rdn
        )
        for rdn in name.rdns
    )


def names_match(a: x509.Name, b: x509.Name) -> bool:
    """Whether two names are the same name (RFC 5280 section 7.1).

    >>> from cryptography import x509
    >>> names_match(x509.Name.from_rfc4514_string("CN=A"), x509.Name.from_rfc4514_string("CN=a"))
    True
    """
    return canonical_name(a) == canonical_name(b)


def signature_valid(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s key made ``cert``'s signature (any digest, SHA-1 included).

    >>> from cryptography import x509
    >>> from ipo46xx.emulator import make_identity_certificate
    >>> cert = x509.load_pem_x509_certificate(make_identity_certificate()[0])
    >>> signature_valid(cert, cert)
    True
    """
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import (  # noqa: PLC0415
        dsa,
        ec,
        ed448,
        ed25519,
        padding,
        rsa,
    )

    try:
        key = issuer.public_key()
        algorithm = cert.signature_hash_algorithm
        data, signature = cert.tbs_certificate_bytes, cert.signature
        if isinstance(key, rsa.RSAPublicKey) and algorithm is not None:
            scheme = cert.signature_algorithm_parameters
            if not isinstance(scheme, (padding.PKCS1v15, padding.PSS)):
                scheme = padding.PKCS1v15()
            key.verify(signature, data, scheme, algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey) and algorithm is not None:
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, dsa.DSAPublicKey) and algorithm is not None:
            key.verify(signature, data, algorithm)
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(signature, data)
        else:
            return False
    except (InvalidSignature, UnsupportedAlgorithm, ValueError, TypeError):
        return False
    return True


def judge_path(
    presented: Sequence[Certificate],
    anchors: Sequence[Certificate],
    now: dt.datetime | None,
    *,
    leaf_dates: bool = True,
) -> PathVerdict:
    """Would a phone that trusts ``anchors`` accept ``presented`` (leaf first) at ``now``?
    ``now=None`` judges everything but the validity dates ("did these issue that?");
    ``leaf_dates=False`` leaves the presented certificate's own dates to the caller.

    >>> from ipo46xx.emulator import make_identity_certificate
    >>> from ipo46xx.office.certificates import load_certificates
    >>> [identity] = load_certificates(make_identity_certificate()[0])
    >>> [other] = load_certificates(make_identity_certificate()[0])  # regenerated
    >>> judge_path([identity], [identity], None).trusted
    True
    >>> judge_path([identity], [other], None).reason
    'the presented certificate is self-signed and not the one in the file'
    """
    if not presented:
        return PathVerdict(False, "no certificate presented", [])
    try:
        offered = [_Facts.of(c) for c in presented]
        trusted = [_Facts.of(c) for c in anchors]
    except _UnreadableError as exc:
        return PathVerdict(None, f"cannot tell: {exc}", [])
    path = [offered[0]]
    while not path[-1].self_issued:
        current = path[-1]
        if len(path) > MAX_DEPTH:
            return _verdict(False, "the path is longer than any phone follows", path)
        issuer = _issuer_of(current, trusted, offered[1:], path)
        if issuer is None:
            reason, linked = _missing(current, trusted)
            return _verdict(False, reason, path, linked=linked)
        path.append(issuer)
    top = path[-1]
    if not any(top.cert.der == t.cert.der for t in trusted):
        what = "presented certificate" if len(path) == 1 else f"root {top.cert.subject}"
        reason = f"the {what} is self-signed and not the one in the file"
        return _verdict(False, reason, path, linked=False)
    trusted_now, reason, linked = _check(path, now, leaf_dates)
    return _verdict(trusted_now, reason, path, linked)


def _issuer_of(
    current: _Facts, trusted: list[_Facts], offered: list[_Facts], path: list[_Facts]
) -> _Facts | None:
    candidates = [
        c for c in trusted + offered if c.may_have_issued(current) and all(c is not p for p in path)
    ]
    # Several candidates by name: the one whose key made the signature, as OpenSSL ends up.
    for candidate in candidates:
        if signature_valid(current.x509, candidate.x509):
            return candidate
    return candidates[0] if candidates else None


def _missing(current: _Facts, trusted: list[_Facts]) -> tuple[str, bool]:
    """Why no issuer of ``current`` was found, and whether names led into the file."""
    named = [t for t in trusted if t.subject == current.issuer]
    if any(t.cert_sign is False for t in named):
        return f"{named[0].cert.subject} has key usage without keyCertSign: it may not sign", True
    if trusted and not any(t.self_issued for t in trusted):
        subjects = ", ".join(t.cert.subject for t in trusted)
        return f"the file holds no root (self-signed) CA, only {subjects}", True
    return (
        f"{current.cert.issuer}, issuer of {current.cert.subject}, is neither in the file "
        "nor presented",
        False,
    )


def _check(path: list[_Facts], now: dt.datetime | None, leaf_dates: bool) -> tuple[bool, str, bool]:
    below = 0  # intermediates under the current certificate, self-issued ones not counted
    for index, facts in enumerate(path):
        cert = facts.cert
        role = "presented certificate" if index == 0 else f"CA {cert.subject}"
        if index == 0 and not leaf_dates:
            pass
        elif now is not None and now > cert.not_after:
            return False, f"the {role} expired on {cert.not_after:%Y-%m-%d}", True
        if now is not None and now < cert.not_before:
            return False, f"the {role} is not valid before {cert.not_before:%Y-%m-%d}", True
        if index > 0:
            # OpenSSL tolerates a CA without basic constraints only at the top of a path.
            top = index == len(path) - 1
            if not (facts.is_ca if top else facts.ca is True and facts.cert_sign is not False):
                why = "key usage without keyCertSign" if facts.cert_sign is False else "CA:FALSE"
                return (
                    False,
                    f"{role} is not a CA ({why}): certificates it signed are refused",
                    True,
                )
            if index > 1 and facts.path_length is not None and below > facts.path_length:
                reason = (
                    f"{role} allows {facts.path_length} intermediate CA(s) below it, "
                    f"the path has {below}"
                )
                return False, reason, True
            if not facts.self_issued:
                below += 1
        if index + 1 < len(path) and not signature_valid(facts.x509, path[index + 1].x509):
            return False, f"the signature of {cert.subject} does not verify", False
    return True, "a valid path leads to a root CA in the file", True


def _verdict(trusted: bool, reason: str, path: list[_Facts], linked: bool = True) -> PathVerdict:
    return PathVerdict(trusted, reason, [f.cert for f in path], linked)
