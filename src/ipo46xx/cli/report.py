"""``fleet cert|status|verify --html FILE --csv FILE``: the fleet report.

The rows (site, state, days left, expiry, problem, next step) are built once from the
fleet results and written two ways: a spreadsheet's CSV and one self-contained HTML page
(inline CSS, a little inline script, an inline SVG chart; nothing fetched) that a partner
can hand to a customer.  The state of each site's certificate and its days left come from
:func:`ipo46xx.fleet.report.site_certificate`; this module only words and draws them.
Both files are written atomically, next to where they go.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import pathlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

import attrs

from .common import UsageError

if TYPE_CHECKING:
    from ..fleet.report import SiteCertificate
    from ..fleet.runner import SiteResult

REPORTING = ("cert", "status", "verify")
"""The fleet actions whose results make a report."""

NOT_RUN = "not-run"

TITLES = {
    "expired": "expired",
    "not-yet-valid": "not yet valid",
    "malformed": "malformed",
    "expires-soon": "expires soon",
    "clock-never-set": "clock never set",
    "ok": "ok",
    "unknown": "not read",
    NOT_RUN: "not run",
}


@attrs.frozen
class Row:
    """One site's line of the report.

    ``state`` is what the report filters on: for ``cert`` the certificate's state, for
    ``status`` and ``verify`` the state of the site's run (the certificate's is shown
    beside it).
    """

    site: str
    state: str
    certificate: SiteCertificate
    result: str
    problem: str
    next_step: str


def columns(action: str) -> list[tuple[str, str]]:
    """The report's columns, as ``(key, heading)``; CSV and HTML share them.

    >>> [key for key, _ in columns("cert")]
    ['site', 'state', 'days', 'expires', 'problem', 'next']
    """
    extra = [] if action == "cert" else [("certificate", "certificate")]
    return [
        ("site", "site"),
        ("state", "state"),
        *extra,
        ("days", "days left"),
        ("expires", "expires (UTC)"),
        ("problem", "problem"),
        ("next", "next step"),
    ]


def cells(row: Row) -> dict[str, str]:
    """A row's cells as text, by column key."""
    cert = row.certificate
    return {
        "site": row.site,
        "state": row.state,
        "certificate": cert.state,
        "days": "" if cert.days_left is None else str(cert.days_left),
        "expires": "" if cert.not_after is None else cert.not_after.date().isoformat(),
        "problem": row.problem,
        "next": row.next_step,
    }


def report_rows(action: str, results: Sequence[SiteResult], inventory: str = "") -> list[Row]:
    """One row per site, the soonest expiry first (as ``fleet cert`` prints them; sites
    whose certificate was not read last, in the order of ``results``); ``inventory`` (the
    file name) goes into the commands of the next steps.

    >>> from ipo46xx.fleet.runner import SiteResult
    >>> done = SiteResult("hq", "status", ok=True, state="staged", exit=0, message="")
    >>> report_rows("status", [done])[0].next_step[:29]
    'restart the phones (Step 6), '
    """
    from ..fleet.report import site_certificate  # noqa: PLC0415

    rows = []
    for result in results:
        cert = site_certificate(result)
        if not result.ran:
            state = NOT_RUN
        elif action == "cert":
            state = cert.state
        else:
            state = result.state
        problem = _problem(action, result, cert)
        step = _next_step(action, result, cert, state, _command(inventory, result.name))
        rows.append(Row(result.name, state, cert, result_word(result), problem, step))
    days = [row.certificate.days_left for row in rows]
    order = sorted(range(len(rows)), key=lambda i: (days[i] is None, days[i] or 0))
    return [rows[i] for i in order]


def result_word(result: SiteResult) -> str:
    """``ok``, ``problem`` (the check found one), ``FAILED`` (the site could not be
    checked) or ``not run``."""
    if not result.ran:
        return "not run"
    if result.ok:
        return "ok"
    return "problem" if result.exit == 1 else "FAILED"


def _command(inventory: str, site: str) -> str:
    where = f" --inventory {inventory}" if inventory else ""
    return f"{where} --site {site}"


def _problem(action: str, result: SiteResult, cert: SiteCertificate) -> str:
    if not result.ran:
        return result.message
    words = []
    if cert.known and cert.days_left is not None:
        days = cert.days_left
        if "expired" in cert.problems:
            words.append(f"expired {-days} day(s) ago: phones refuse it")
        elif "expires-soon" in cert.problems:
            words.append(f"expires in {days} day(s)")
        if "not-yet-valid" in cert.problems and cert.not_before is not None:
            words.append(f"not valid before {cert.not_before:%Y-%m-%d}: phones refuse it")
        if "malformed" in cert.problems:
            words.append(
                "not strict DER: stricter parsers refuse it (`ipo46xx cert` names the field)"
            )
        if "clock-never-set" in cert.problems:
            words.append("made by an IP Office whose clock was never set")
    if action == "cert":
        return "; ".join(words) if cert.known else result.message
    if not result.ok:
        words.insert(0, result.message)
    return "; ".join(words)


def _next_step(
    action: str, result: SiteResult, cert: SiteCertificate, state: str, site: str
) -> str:
    if not result.ran:
        return "run the same command again"
    if result.exit not in (0, 1):
        return "fix what the problem names, then run the same command again"
    if action != "cert":
        by_run = _run_step(action, result, state, site)
        if by_run:
            return by_run
    clock = "set the IP Office's clock (SNTP), then " if "clock-never-set" in cert.problems else ""
    if cert.state in ("expired", "expires-soon"):
        return (
            f"{clock}renew it with the advisory's nine steps: `ipo46xx fleet stage{site}`, "
            f"regenerate the certificate, `ipo46xx fleet restore{site}`"
        )
    if cert.state == "not-yet-valid":
        return "set the IP Office's clock (SNTP), then check again"
    if cert.state == "malformed":
        return (
            f"{clock}regenerate the certificate in Manager with the advisory's steps: "
            f"`ipo46xx fleet stage{site}`, regenerate, `ipo46xx fleet restore{site}`"
        )
    if cert.state == "clock-never-set":
        return "set the IP Office's clock (SNTP) before the certificate is next regenerated"
    if cert.state == "ok":
        return "none"
    if action == "cert":
        return "check the address and the TLS ports (tls_port in the inventory); check again"
    return f"`ipo46xx fleet cert{site}` tells whether it needs the advisory"


def _run_step(action: str, result: SiteResult, state: str, site: str) -> str:
    if state == "staged":
        return (
            "restart the phones (Step 6), regenerate the certificate (Step 7), then "
            f"`ipo46xx fleet restore{site}` (Step 8)"
        )
    if state == "restored":
        if action == "verify" and not result.ok:
            return f"do not restart the phones yet: see the problem; `ipo46xx fleet verify{site}`"
        return "restart the phones again (Step 9)"
    if state in ("staging", "restoring", "rolling-back"):
        return (
            "interrupted: run the same fleet action again to finish it, or "
            f"`ipo46xx fleet rollback{site}`"
        )
    if state == "rolled-back":
        return "none: the card is as it was before stage"
    return ""


# -- files -----------------------------------------------------------------------------


def csv_text(action: str, rows: Sequence[Row]) -> str:
    """The rows as CSV with a header row; a text cell that a spreadsheet would run as a
    formula (``=``, ``+``, ``-``, ``@``) is written with a leading ``'``.

    >>> from ipo46xx.fleet.report import SiteCertificate
    >>> row = Row("=1+1", "unknown", SiteCertificate("unknown"), "ok", "", "none")
    >>> csv_text("cert", [row]).splitlines()[1]
    "'=1+1,unknown,,,,none"
    """
    keys = columns(action)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([heading for _, heading in keys])
    for row in rows:
        values = cells(row)
        writer.writerow([_inert(values[key], numeric=key == "days") for key, _ in keys])
    return buffer.getvalue()


def _inert(text: str, *, numeric: bool) -> str:
    if not numeric and text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def check_writable(option: str, path: str) -> pathlib.Path:
    """The report's path, refused (exit 2) before the run when it cannot be written.

    >>> check_writable("--html", "/nonexistent-folder/report.html")
    Traceback (most recent call last):
    ...
    ipo46xx.cli.common.UsageError: --html /nonexistent-folder/report.html: the folder /nonexistent-folder does not exist; create it or choose another file
    """  # noqa: E501
    target = pathlib.Path(path)
    if target.is_symlink():
        target = pathlib.Path(os.path.realpath(target))
    folder = target.parent
    if target.is_dir():
        raise UsageError(f"{option} {path}: that is a folder; name a file in it")
    if not folder.is_dir():
        raise UsageError(
            f"{option} {path}: the folder {folder} does not exist; create it or choose another file"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(
            f"{option} {path}: the folder {folder} is not writable; choose another file"
        )
    return target


def write_report(option: str, path: str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a temporary file beside it, then a rename),
    or raise :class:`UsageError` with what went wrong."""
    from ..errors import StorageError  # noqa: PLC0415
    from ..storage import LocalStorage  # noqa: PLC0415

    target = check_writable(option, path)
    try:
        LocalStorage(target.parent).write(target.name, text.encode("utf-8"))
    except StorageError as exc:
        cause = exc.__cause__
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(exc)
        raise UsageError(
            f"{option} {path}: cannot write it ({reason}); choose another file"
        ) from None


def write_reports(
    action: str,
    results: Sequence[SiteResult],
    *,
    html: str | None,
    csv_path: str | None,
    inventory: str,
    now: dt.datetime | None = None,
) -> list[str]:
    """Write the HTML and CSV reports asked for; the sentences saying what was written."""
    rows = report_rows(action, results, inventory)
    written = []
    if csv_path:
        write_report("--csv", csv_path, csv_text(action, rows))
        written.append(f"wrote {csv_path}: {len(rows)} site(s), CSV")
    if html:
        from .report_html import render_html  # noqa: PLC0415

        when = now or dt.datetime.now(dt.timezone.utc)
        write_report("--html", html, render_html(action, rows, when, inventory))
        written.append(f"wrote {html}: {len(rows)} site(s), HTML")
    return written
