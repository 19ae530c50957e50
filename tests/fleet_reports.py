"""Fleet results made in code, for the report tests and the screenshot: each site's
certificate is built from its dates, and its problems are decided by the library
(:meth:`Certificate.problems`), exactly as ``fleet cert`` decides them."""

from __future__ import annotations

import datetime as dt
import pathlib
import random

from ipo46xx.fleet.runner import SiteResult
from ipo46xx.office.certificates import BLOCKING, Certificate, CertificateReport, Endpoint

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.timezone.utc)
DAY = dt.timedelta(days=1)


def certificate(not_before: dt.datetime, not_after: dt.datetime) -> Certificate:
    return Certificate(
        subject="CN=ipoffice-00e007000000.avaya.com",
        issuer="CN=ipoffice-00e007000000.avaya.com",
        serial="1A2B",
        not_before=not_before,
        not_after=not_after,
        self_signed=True,
        sha256="00" * 32,
        key="RSA 2048",
        signature_algorithm="sha256WithRSAEncryption",
        san=[],
        der=b"",
    )


def cert_result(
    name: str, not_before: dt.datetime, not_after: dt.datetime, *, now: dt.datetime = NOW
) -> SiteResult:
    """A site whose IP Office presented one certificate on port 443."""
    cert = certificate(not_before, not_after)
    endpoint = Endpoint("192.0.2.1", 443, None, cert, cert.problems(now), cert.days_left(now))
    report = CertificateReport(name, now, 180, [endpoint], endpoint.problems, [])
    ok = not set(endpoint.problems) & set(BLOCKING)
    message = "; ".join(endpoint.problems) or f"valid for {endpoint.days_left} more day(s)"
    return SiteResult(
        name, "cert", ok, "ok" if ok else "problem", 0 if ok else 1, message, value=report
    )


def unanswered(name: str) -> SiteResult:
    """A site where no TLS endpoint answered."""
    endpoint = Endpoint("192.0.2.9", 443, "connection refused", None, [], None)
    report = CertificateReport(name, NOW, 180, [endpoint], [], [])
    message = "no TLS endpoint answered (tried 443 (connection refused))"
    return SiteResult(name, "cert", False, "problem", 1, message, value=report)


def clockless(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The dates of a certificate made by an IP Office without a clock (DESIGN 2b)."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc)
    return start, start.replace(year=year + 7)


def fleet(count: int, seed: int = 20) -> list[SiteResult]:
    """``count`` sites of every kind: clockless and expired, expiring within 180 days,
    healthy, clockless but still valid, and not answering."""
    rng = random.Random(seed)
    results = []
    for number in range(count):
        name = f"site-{number:03d}"
        kind = number % 7
        if kind == 0:
            results.append(cert_result(name, *clockless(rng.choice((2011, 2014, 2016)))))
        elif kind == 1:
            end = NOW + rng.randint(1, 170) * DAY
            results.append(cert_result(name, end - 825 * DAY, end))
        elif kind == 2:
            results.append(cert_result(name, *clockless(rng.choice((2020, 2021, 2022)))))
        elif kind == 6:
            results.append(unanswered(name))
        else:
            start = NOW - rng.randint(1, 600) * DAY
            results.append(cert_result(name, start, start + 825 * DAY))
    return results


BRANCHES = (
    "leeds-hq",
    "york-branch",
    "hull-depot",
    "sheffield-sales",
    "bradford-clinic",
    "wakefield-office",
    "harrogate-hotel",
    "doncaster-yard",
    "halifax-library",
    "huddersfield-campus",
    "scarborough-pier",
    "whitby-museum",
    "ripon-cathedral",
    "selby-warehouse",
    "barnsley-surgery",
    "rotherham-school",
    "goole-docks",
    "skipton-estate",
    "otley-dental",
    "ilkley-spa",
    "pontefract-council",
    "keighley-works",
    "batley-mill",
    "dewsbury-garage",
    "castleford-retail",
    "beverley-racecourse",
    "bridlington-marina",
    "thirsk-vets",
    "malton-farm",
    "northallerton-court",
)


def realistic_fleet() -> list[SiteResult]:
    """A partner's 30 customers: the advisory's expired certificates, some about to
    expire, clockless ones still valid, healthy ones, and two that did not answer."""
    kinds = "EsOcOOEsOuOcOOsEOOcOsOOuOEOOcO"
    results = []
    for number, (name, kind) in enumerate(zip(BRANCHES, kinds, strict=True)):
        if kind == "E":
            results.append(cert_result(name, *clockless((2011, 2014, 2016)[number % 3])))
        elif kind == "s":
            end = NOW + (12 + number * 5) * DAY
            results.append(cert_result(name, end - 825 * DAY, end))
        elif kind == "c":
            results.append(cert_result(name, *clockless((2021, 2022)[number % 2])))
        elif kind == "u":
            results.append(unanswered(name))
        else:
            start = NOW - (40 + number * 23) * DAY
            results.append(cert_result(name, start, start + 825 * DAY))
    return results


def picture(program: str, png: pathlib.Path, folder: pathlib.Path) -> None:
    """The documentation's picture of the report of :func:`realistic_fleet`."""
    from ipo46xx.cli.report import write_reports  # noqa: PLC0415

    from .browser import screenshot  # noqa: PLC0415

    page = folder / "report.html"
    write_reports(
        "cert", realistic_fleet(), html=str(page), csv_path=None, inventory="partner.toml", now=NOW
    )
    screenshot(program, page, png, folder / "profile")


def main(argv: list[str]) -> None:
    """``python -m tests.fleet_reports docs/fleet-report.png``: the documentation's picture."""
    import shutil  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    program = shutil.which("chromium")
    assert program is not None, "install chromium"
    with tempfile.TemporaryDirectory() as folder:
        picture(program, pathlib.Path(argv[0]), pathlib.Path(folder))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
