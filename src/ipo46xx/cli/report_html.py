"""The fleet report as one self-contained HTML page: the template ``report.html`` beside
this module, filled with escaped text and an inline SVG timeline.

Every value that reaches the page goes through :func:`html.escape`: site names, problems
and the inventory's name are the user's text.
"""

from __future__ import annotations

import datetime as dt
import html
import importlib.resources
from collections import Counter
from collections.abc import Callable, Sequence

from .. import __version__
from .report import NOT_RUN, TITLES, Row, cells, columns

CHART_WIDTH = 1100
LABEL_WIDTH = 190
TOP = 34
"""Room above the bars for the years and the ``today`` label."""

Scale = Callable[[dt.datetime | None], float]


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _state_class(state: str) -> str:
    """The CSS class that colours a state (only the certificate's states have colours)."""
    return f"s-{state}" if state in TITLES and state != NOT_RUN else "plain"


def render_html(action: str, rows: Sequence[Row], now: dt.datetime, inventory: str = "") -> str:
    """The report page for ``rows`` as of ``now``.

    >>> from ipo46xx.fleet.report import SiteCertificate
    >>> row = Row("<b>hq</b>", "unknown", SiteCertificate("unknown"), "failed", "", "")
    >>> page = render_html("cert", [row], dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc))
    >>> "&lt;b&gt;hq&lt;/b&gt;" in page and "<b>hq" not in page
    True
    """
    where = f" of {inventory}" if inventory else ""
    title = f"Certificate report{where}" if action == "cert" else f"fleet {action}{where}"
    subtitle = (
        f"{len(rows)} site(s), fleet {action}, made {now:%Y-%m-%d %H:%M} UTC by ipo46xx "
        f"{__version__}. Days left count from the time each site was checked."
    )
    template = importlib.resources.files("ipo46xx.cli").joinpath("report.html").read_text("utf-8")
    parts = {
        "title": _e(title),
        "subtitle": _e(subtitle),
        "cards": _cards(rows, action),
        "legend": _legend(),
        "chart": timeline(rows, now),
        "options": _options(rows),
        "head": _head(action),
        "rows": "\n".join(_row(action, row) for row in rows),
        "footer": _e(
            "Expired and not-yet-valid certificates are refused by phones, even with "
            "TLSSRVRID 0; Manager warns 180 days before expiry. A certificate that was not "
            "read is shown as not read, never as ok."
        ),
    }
    for key, value in parts.items():
        template = template.replace("{{" + key + "}}", value)
    return template


def _cards(rows: Sequence[Row], action: str) -> str:
    counts = Counter(row.certificate.state for row in rows if row.state != NOT_RUN)
    found = [f'<div class="card"><b>{len(rows)}</b><span>sites</span></div>']
    for state, title in TITLES.items():
        if counts[state]:
            found.append(
                f'<div class="card {_state_class(state)}"><b>{counts[state]}</b>'
                f"<span>{_e(title)}</span></div>"
            )
    not_run = sum(1 for row in rows if row.state == NOT_RUN)
    if not_run:
        found.append(f'<div class="card"><b>{not_run}</b><span>not run</span></div>')
    if action != "cert":
        failing = sum(1 for row in rows if row.result in ("problem", "FAILED"))
        found.append(f'<div class="card"><b>{failing}</b><span>{_e(action)} problems</span></div>')
    return "".join(found)


def _legend() -> str:
    return "".join(
        f'<span class="{_state_class(state)}"><i></i>{_e(title)}</span>'
        for state, title in TITLES.items()
        if state not in ("unknown", NOT_RUN)
    )


def _options(rows: Sequence[Row]) -> str:
    order = list(TITLES)
    states = sorted({row.state for row in rows}, key=lambda s: (s not in order, _rank(s), s))
    return "".join(
        f'<option value="{_e(s)}">{_e(TITLES.get(s, s))} ({sum(r.state == s for r in rows)})'
        "</option>"
        for s in states
    )


def _rank(state: str) -> int:
    order = list(TITLES)
    return order.index(state) if state in order else len(order)


def _head(action: str) -> str:
    numeric = {"days"}
    return "".join(
        f'<th data-key="{key}" data-type="{"num" if key in numeric else "text"}" scope="col">'
        f"{_e(heading)}</th>"
        for key, heading in columns(action)
    )


def _row(action: str, row: Row) -> str:
    values = cells(row)
    out = []
    for key, _ in columns(action):
        text = values[key]
        if key in ("state", "certificate"):
            rank = _rank(text)
            shown = TITLES.get(text, text)
            out.append(
                f'<td data-v="{rank:02d}{_e(text)}"><span class="badge {_state_class(text)}">'
                f"{_e(shown)}</span></td>"
            )
        elif key == "days":
            out.append(f'<td class="num" data-v="{_e(text)}">{_e(text) or "?"}</td>')
        elif key == "next":
            out.append(f"<td>{_code(text)}</td>")
        else:
            kind = ' class="site"' if key == "site" else ""
            out.append(f"<td{kind}>{_e(text)}</td>")
    return f'<tr data-site="{_e(row.site)}" data-state="{_e(row.state)}">' + "".join(out) + "</tr>"


def _code(text: str) -> str:
    """Escaped text with its `backquoted` commands set as code."""
    pieces = text.split("`")
    return "".join(
        f"<code>{_e(piece)}</code>" if index % 2 else _e(piece)
        for index, piece in enumerate(pieces)
    )


# -- the timeline ----------------------------------------------------------------------


def timeline(rows: Sequence[Row], now: dt.datetime) -> str:
    """An inline SVG: one bar per site whose certificate was read, from valid-from to
    expiry, coloured by the certificate's state, with a line at ``now``."""
    known = [r for r in rows if r.certificate.not_after is not None and r.state != NOT_RUN]
    unread = [r.site for r in rows if r not in known]
    note = ""
    if unread:
        named = ", ".join(unread[:12]) + (
            f" and {len(unread) - 12} more" if len(unread) > 12 else ""
        )
        note = f'<p class="muted">No certificate read for {len(unread)} site(s): {_e(named)}.</p>'
    if not known:
        return note or '<p class="muted">No sites.</p>'
    known.sort(key=lambda r: (r.certificate.not_after, r.site))
    ends = [r.certificate.not_after for r in known if r.certificate.not_after is not None]
    starts = [r.certificate.not_before or end for r, end in zip(known, ends, strict=True)]
    first = min([*starts, now], key=_when)
    last = max([*ends, now], key=_when)
    pad = max((_when(last) - _when(first)) * 0.02, 30.0)
    low, high = _when(first) - pad, _when(last) + pad
    step = 18 if len(known) <= 20 else 14 if len(known) <= 60 else 11
    height = TOP + step * len(known) + 8

    def x(moment: dt.datetime | None) -> float:
        span = CHART_WIDTH - LABEL_WIDTH - 16
        return LABEL_WIDTH + (_when(moment or now) - low) / (high - low) * span

    parts = [
        f'<svg width="{CHART_WIDTH}" height="{height}" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" role="img" '
        'aria-label="certificate validity of every site against today">'
    ]
    parts.extend(_years(first, last, x, height))
    for index, row in enumerate(known):
        parts.append(_bar(row, TOP + index * step, step, x))
    today = x(now)
    parts.append(
        f'<g class="today"><line x1="{today:.1f}" y1="{TOP - 8}" x2="{today:.1f}" '
        f'y2="{height}"/><text x="{today + 4:.1f}" y="{TOP - 10}">today {now:%Y-%m-%d}'
        "</text></g>"
    )
    parts.append("</svg>")
    return "".join(parts) + note


def _when(moment: dt.datetime | None) -> float:
    assert moment is not None
    return moment.timestamp() / 86400.0


def _years(first: dt.datetime, last: dt.datetime, x: Scale, height: int) -> list[str]:
    years = list(range(first.year + 1, last.year + 1))
    every = 1 if len(years) <= 14 else 2 if len(years) <= 28 else 5
    ticks = []
    for year in years:
        if year % every:
            continue
        where = x(dt.datetime(year, 1, 1, tzinfo=dt.timezone.utc))
        ticks.append(
            f'<g class="tick"><line x1="{where:.1f}" y1="{TOP - 4}" x2="{where:.1f}" '
            f'y2="{height}"/><text x="{where:.1f}" y="12" text-anchor="middle">{year}</text></g>'
        )
    return ticks


def _bar(row: Row, top: int, step: int, x: Scale) -> str:
    cert = row.certificate
    start, end = x(cert.not_before or cert.not_after), x(cert.not_after)
    middle = top + step / 2
    label = row.site if len(row.site) <= 26 else row.site[:25] + "\u2026"
    days = cert.days_left
    when = f"{cert.not_after:%Y-%m-%d}" if cert.not_after else "?"
    tip = f"{row.site}: {TITLES.get(cert.state, cert.state)}, expires {when} ({days} day(s) left)"
    size = max(step - 6, 4)
    return (
        f'<g class="site {_state_class(cert.state)}" data-state="{_e(row.state)}">'
        f"<title>{_e(tip)}</title>"
        f'<text x="{LABEL_WIDTH - 8}" y="{middle + 4:.1f}" text-anchor="end">{_e(label)}</text>'
        f'<rect class="bar" x="{start:.1f}" y="{middle - size / 2:.1f}" '
        f'width="{max(end - start, 1.0):.1f}" height="{size}" rx="2"/>'
        f'<circle cx="{end:.1f}" cy="{middle:.1f}" r="{size / 2 + 1.5:.1f}"/></g>'
    )
