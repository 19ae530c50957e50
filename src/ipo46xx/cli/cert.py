"""``ipo46xx cert``: an IP Office's identity certificate, as its phones meet it."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from .common import (
    EXIT_FOUND,
    EXIT_OK,
    Command,
    add_json,
    add_tls,
    out,
    print_json,
    tls_options,
)

if TYPE_CHECKING:
    from ..office.certificates import CertificateReport, Endpoint

EXAMPLES: dict[str, list[str]] = {
    "cert": [
        "ipo46xx cert --ipo 192.168.42.1",
        "ipo46xx cert --ipo 192.168.42.1 --port 411 --port 443 --days 60 --json",
    ],
}

MEANINGS = {
    "expired": "phones refuse it, even with TLSSRVRID 0",
    "expires-soon": "regenerate it before phones refuse it (the advisory's nine steps)",
    "not-yet-valid": "phones refuse it until then; the IP Office's clock may be wrong",
    # The README's examples show this line as it is; it covers the first hour of 1 January
    # (CLOCK_NEVER_SET_WINDOW), where "00:00" is the common case.
    "clock-never-set": (
        "valid from 00:00 on 1 January: the IP Office made it without a clock; set its time "
        "(SNTP) before you regenerate, or the new certificate is dated the same way"
    ),
    "malformed": (
        "not encoded as X.509 requires (DER); OpenSSL reads it, stricter TLS stacks may "
        "refuse it and ipo46xx cannot judge what it allows: regenerate it"
    ),
}


def _iso(value: Any) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%dT%H:%M:%SZ")


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    """One endpoint as the ``cert`` JSON shows it."""
    cert = endpoint.certificate
    return {
        "host": endpoint.host,
        "port": endpoint.port,
        "error": endpoint.error,
        "subject": cert and cert.subject,
        "issuer": cert and cert.issuer,
        "serial": cert and cert.serial,
        "not_before": _iso(cert and cert.not_before),
        "not_after": _iso(cert and cert.not_after),
        "days_left": endpoint.days_left,
        "self_signed": cert and cert.self_signed,
        "sha256": cert and cert.sha256,
        "key": cert and cert.key,
        "signature_algorithm": cert and cert.signature_algorithm,
        "san": cert and cert.san,
        "problems": endpoint.problems,
    }


def report_json(report: CertificateReport) -> dict[str, Any]:
    """The ``cert --json`` document."""
    return {
        "ipo": report.ipo,
        "checked_at": _iso(report.checked_at),
        "days": report.days,
        "endpoints": [endpoint_json(e) for e in report.endpoints],
        "problems": report.problems,
    }


def fingerprint(sha256: str) -> str:
    """``AB:CD:...``, the way certificate tools print a fingerprint."""
    return ":".join(sha256[i : i + 2] for i in range(0, len(sha256), 2)).upper()


def print_report(report: CertificateReport, indent: str = "") -> None:
    """The certificate facts in words, one endpoint after the other."""
    for endpoint in report.endpoints:
        cert = endpoint.certificate
        if cert is None:
            out(f"{indent}port {endpoint.port}: {endpoint.error}")
            continue
        days = endpoint.days_left or 0
        when = (
            f"EXPIRED {-days} days ago" if "expired" in endpoint.problems else f"{days} days left"
        )
        issuer = "itself (self-signed)" if cert.self_signed else cert.issuer
        out(f"{indent}port {endpoint.port}: {cert.subject}")
        out(f"{indent}  issued by {issuer}, serial {cert.serial}")
        out(
            f"{indent}  valid {cert.not_before:%Y-%m-%d %H:%M:%S} to "
            f"{cert.not_after:%Y-%m-%d %H:%M:%S} UTC: {when}"
        )
        out(f"{indent}  {cert.key}, {cert.signature_algorithm}")
        out(f"{indent}  SHA-256 {fingerprint(cert.sha256)}")
        if cert.san:
            out(f"{indent}  names: {', '.join(cert.san)}")
        for problem in endpoint.problems:
            out(f"{indent}  {problem}: {MEANINGS[problem]}")
        for oddity in cert.oddities:
            out(f"{indent}    {oddity}")
    for note in report.notes:
        out(f"{indent}note: {note}")


def cmd_cert(args: argparse.Namespace) -> int:
    from ..errors import FetchError  # noqa: PLC0415
    from ..office.certificates import check_certificates  # noqa: PLC0415

    report = check_certificates(
        args.ipo, ports=args.port or (), days=args.days, **tls_options(args)
    )
    if args.json:
        print_json(report_json(report))
    else:
        out(f"IP Office {args.ipo}, checked {report.checked_at:%Y-%m-%d %H:%M} UTC:")
        print_report(report, "  ")
        blocking = [p for p in report.problems if p != "clock-never-set"]
        if report.answered:
            out("ok: no problem" if not blocking else f"PROBLEM: {', '.join(blocking)}")
    if not report.answered:
        tried = ", ".join(str(e.port) for e in report.endpoints)
        raise FetchError(
            f"no TLS endpoint of {args.ipo} answered (tried port {tried}); check the address, "
            "or name the IP Office's TLS ports with --port"
        )
    return EXIT_OK if report.ok else EXIT_FOUND


def register(command: Command) -> None:
    """Add ``cert`` to the parser."""
    cert = command("cert", cmd_cert, "Read the IP Office's identity certificate over TLS.")
    cert.add_argument("--ipo", metavar="ADDRESS", required=True, help="IP Office address or URL")
    cert.add_argument(
        "--port",
        metavar="N",
        type=int,
        action="append",
        help="a TLS port to read (repeatable; default: 443 and every TLSPORT the settings "
        "file gives a phone)",
    )
    cert.add_argument(
        "--days",
        metavar="N",
        type=int,
        default=180,
        help="expires-soon within this many days (default 180, Manager's own warning)",
    )
    add_tls(cert)
    add_json(cert)
