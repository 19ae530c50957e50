"""The fleet report page in a real headless Chromium: a 200-site fleet renders without a
script error, every site is in it, and sorting and filtering work (the page's own
``?selftest=sort`` clicks the headers and the filter, and writes what it saw)."""

from __future__ import annotations

import html
import json
import pathlib
import re
import struct
from collections import Counter
from typing import Any

from ipo46xx.cli.report import write_reports
from ipo46xx.fleet.report import site_certificate

from .browser import chromium_or_skip, open_page
from .fleet_reports import NOW, fleet, picture


def selftest(dom: str) -> dict[str, Any]:
    found = re.search(r'<pre id="selftest">(.*?)</pre>', dom, re.S)
    assert found is not None and found.group(1), "the page's self-test wrote nothing"
    result: dict[str, Any] = json.loads(html.unescape(found.group(1)))
    return result


def test_the_browser_check_sees_a_script_error(tmp_path: pathlib.Path) -> None:
    program = chromium_or_skip()
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><p id=x></p><script>undefinedFunction();</script>")
    page = open_page(program, broken, "", tmp_path / "profile")
    assert page.uncaught and "undefinedFunction" in page.uncaught[0]


def test_a_200_site_report_renders_sorts_and_filters_in_chromium(tmp_path: pathlib.Path) -> None:
    program = chromium_or_skip()
    results = fleet(200)
    report = tmp_path / "report.html"
    write_reports("cert", results, html=str(report), csv_path=None, inventory="", now=NOW)

    page = open_page(program, report, "?selftest=sort", tmp_path / "profile")
    assert page.uncaught == [], page.uncaught
    seen = selftest(page.dom)
    assert seen["errors"] == []
    names = [r.name for r in results]
    in_dom = re.findall(r'<tr data-site="([^"]*)"', page.dom)  # as the last sort left it
    assert sorted(in_dom) == sorted(names) and len(set(names)) == 200
    assert seen["rows"] == 200

    days = {r.name: site_certificate(r).days_left for r in results}
    soonest = sorted(names, key=lambda n: (days[n] is None, days[n] or 0))
    assert [n for n, _ in seen["before"]] == soonest  # as written: the soonest expiry first
    by_site = sorted(names, key=str.lower)
    assert [n for n, _ in seen["bySite"]] == by_site != soonest
    ascending = sorted(by_site, key=lambda n: (days[n] is None, days[n] or 0))
    descending = sorted(ascending, key=lambda n: (days[n] is None, -(days[n] or 0)))
    assert [n for n, _ in seen["ascending"]] == ascending
    assert seen["ascendingMark"] == "ascending"
    assert [n for n, _ in seen["descending"]] == descending == in_dom
    shown = [text for _, text in seen["ascending"]]
    assert shown == [("?" if days[n] is None else str(days[n])) for n in ascending]

    states = Counter(site_certificate(r).state for r in results)
    assert seen["filtered"] == {"": 200, **states}
    assert seen["bars"] == 200 - states["unknown"]


def test_a_screenshot_of_the_report(tmp_path: pathlib.Path) -> None:
    png = tmp_path / "report.png"
    picture(chromium_or_skip(), png, tmp_path)
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", head[16:24]) == (1200, 900)
