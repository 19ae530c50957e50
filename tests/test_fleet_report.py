"""The fleet report: the rows, the CSV and the HTML page built from fleet results, and
``fleet cert --html --csv`` end to end over stand-in IP Offices."""

from __future__ import annotations

import csv
import html
import io
import pathlib
import re

import pytest

from ipo46xx.cli.report import csv_text, report_rows, write_reports
from ipo46xx.cli.report_html import render_html
from ipo46xx.fleet.report import CERTIFICATE_STATES, site_certificate
from ipo46xx.fleet.runner import SiteResult
from ipo46xx.office.certificates import BLOCKING, CertificateReport, Endpoint

from .fleet_reports import DAY, NOW, cert_result, certificate, clockless, fleet, unanswered
from .fleet_sites import Fleet, certificate_sites, closed_port
from .test_fleet import fleet_command

NASTY = "<script>alert('x')</script> & \"quoted\""


def bars(page: str) -> dict[str, str]:
    """Each timeline bar's site (from its label) and colour class."""
    found = re.findall(
        r'<g class="site (s-[a-z-]+|plain)"[^>]*><title>[^<]*</title><text[^>]*>([^<]*)</text>',
        page,
    )
    return {html.unescape(label): colour for colour, label in found}


# -- the facts: the library decides state and days left ---------------------------------


def test_each_certificate_gets_the_worst_state_of_its_problems() -> None:
    cases = {
        "expired-clockless": (clockless(2011), "expired"),
        "soon": ((NOW - 700 * DAY, NOW + 30 * DAY), "expires-soon"),
        "clockless-valid": (clockless(2022), "clock-never-set"),
        "healthy": ((NOW - 10 * DAY, NOW + 800 * DAY), "ok"),
        "future": ((NOW + 3 * DAY, NOW + 800 * DAY), "not-yet-valid"),
    }
    for name, ((start, end), state) in cases.items():
        found = site_certificate(cert_result(name, start, end))
        assert found.state == state, name
        assert found.days_left == (end - NOW) // DAY and found.not_after == end
    assert site_certificate(cert_result("x", *clockless(2011))).problems == (
        "expired",
        "clock-never-set",
    )


@pytest.mark.parametrize("problem", BLOCKING)
def test_no_problem_that_fails_cert_is_ever_drawn_as_ok(problem: str) -> None:
    cert = certificate(NOW - 10 * DAY, NOW + 800 * DAY)
    endpoint = Endpoint("192.0.2.1", 443, None, cert, [problem], cert.days_left(NOW))
    report = CertificateReport("h", NOW, 180, [endpoint], [problem], [])
    result = SiteResult("h", "cert", False, "problem", 1, problem, value=report)
    found = site_certificate(result)
    assert found.state == problem
    [row] = report_rows("cert", [result])
    assert row.state == problem and row.next_step != "none"
    assert f"s-{problem}" in render_html("cert", [row], NOW, "sites.toml")


def test_several_endpoints_give_the_soonest_expiry_and_the_worst_state() -> None:
    late = certificate(NOW - 10 * DAY, NOW + 900 * DAY)
    soon = certificate(NOW - 10 * DAY, NOW + 20 * DAY)
    endpoints = [
        Endpoint("h", port, None, cert, cert.problems(NOW), cert.days_left(NOW))
        for port, cert in ((443, late), (411, soon))
    ]
    endpoints.append(Endpoint("h", 8443, "refused", None, [], None))
    report = CertificateReport("h", NOW, 180, endpoints, ["expires-soon"], [])
    result = SiteResult("h", "cert", False, "problem", 1, "expires-soon", value=report)
    found = site_certificate(result)
    assert (found.state, found.days_left, found.port) == ("expires-soon", 20, 411)


def test_a_certificate_that_was_not_read_is_unknown_never_ok() -> None:
    status = SiteResult("a", "status", ok=True, state="new", exit=0, message="")
    failed = SiteResult("b", "cert", ok=False, state="problem", exit=2, message="bad address")
    for result in (status, failed, unanswered("c")):
        assert site_certificate(result).state == "unknown"
    rows = report_rows("status", [status])
    page = render_html("status", rows, NOW)
    shown = re.sub(r'<div class="legend">.*?</div>', "", page.split("<body>")[1], flags=re.S)
    assert "s-ok" not in shown and 'class="badge s-unknown">not read<' in shown
    assert "No certificate read for 1 site(s): a." in page


# -- rows, CSV and HTML ------------------------------------------------------------------


def test_every_site_is_in_the_csv_and_the_page_with_its_days_and_state() -> None:
    results = fleet(40)
    rows = report_rows("cert", results, "sites.toml")
    table = list(csv.DictReader(io.StringIO(csv_text("cert", rows))))
    days = {r.name: site_certificate(r).days_left for r in results}
    results.sort(key=lambda r: (days[r.name] is None, days[r.name] or 0))  # soonest first
    assert [r["site"] for r in table] == [r.name for r in results]
    assert list(table[0]) == ["site", "state", "days left", "expires (UTC)", "problem", "next step"]
    for result, line in zip(results, table, strict=True):
        cert = site_certificate(result)
        assert line["state"] == cert.state
        assert line["days left"] == ("" if cert.days_left is None else str(cert.days_left))
    page = render_html("cert", rows, NOW, "sites.toml")
    listed = re.findall(r'<tr data-site="([^"]*)" data-state="([^"]*)">', page)
    assert listed == [(r.name, site_certificate(r).state) for r in results]
    assert {s for s in CERTIFICATE_STATES if s not in ("not-yet-valid", "malformed")} <= {
        s for _, s in listed
    }


def test_the_timeline_colours_each_site_by_its_certificate_state() -> None:
    results = [*fleet(14), cert_result("future", NOW + 2 * DAY, NOW + 900 * DAY)]
    page = render_html("cert", report_rows("cert", results), NOW)
    drawn = bars(page)
    expected = {
        r.name: f"s-{site_certificate(r).state}"
        for r in results
        if site_certificate(r).state != "unknown"
    }
    assert drawn == expected
    # (a malformed certificate: test_no_problem_that_fails_cert_is_ever_drawn_as_ok)
    assert set(drawn.values()) == {
        f"s-{s}" for s in CERTIFICATE_STATES if s not in ("unknown", "malformed")
    }
    assert "today 2026-11-30" in page


def test_user_text_is_escaped_everywhere() -> None:
    evil = SiteResult(NASTY, "cert", ok=False, state="problem", exit=2, message=f"bad {NASTY}")
    clockless_site = cert_result(NASTY + "2", *clockless(2011))
    rows = report_rows("cert", [evil, clockless_site], inventory="<i>sites</i>.toml")
    page = render_html("cert", rows, NOW, "<i>sites</i>.toml")
    assert "<script>alert" not in page and "<i>sites" not in page
    assert page.count("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;") >= 4
    assert len(re.findall(r"<script>", page)) == 1  # the page's own
    assert bars(page) == {NASTY[:25] + "\u2026": "s-expired"}
    table = list(csv.reader(io.StringIO(csv_text("cert", rows))))
    assert table[2][0] == NASTY and table[2][4] == f"bad {NASTY}"  # not read: last


def test_a_cell_a_spreadsheet_would_run_is_made_inert() -> None:
    rows = report_rows("cert", [cert_result("=HYPERLINK(1)", NOW - DAY, NOW - DAY + 825 * DAY)])
    line = list(csv.reader(io.StringIO(csv_text("cert", rows))))[1]
    assert line[0] == "'=HYPERLINK(1)"
    expired = report_rows("cert", [cert_result("a", *clockless(2011))])
    assert list(csv.reader(io.StringIO(csv_text("cert", expired))))[1][2].startswith("-")


def test_the_page_fetches_nothing() -> None:
    page = render_html("cert", report_rows("cert", fleet(30)), NOW)
    for needle in ("<link", "src=", "@import", "url(", "http:", "https:", "//cdn", "<iframe"):
        assert needle not in page, needle


def test_status_and_verify_rows_carry_the_run_state_and_the_next_step() -> None:
    staged = SiteResult("hq", "status", ok=True, state="staged", exit=0, message="staged")
    broken = SiteResult("b", "verify", ok=False, state="restored", exit=1, message="untrusted")
    (row,) = report_rows("status", [staged], "s.csv")
    assert row.state == "staged" and "`ipo46xx fleet restore --inventory s.csv --site hq`" in (
        row.next_step
    )
    (row,) = report_rows("verify", [broken])
    assert row.problem == "untrusted" and row.next_step.startswith("do not restart the phones")
    header = csv_text("verify", [row]).splitlines()[0]
    assert header == "site,state,certificate,days left,expires (UTC),problem,next step"


# -- the command line ---------------------------------------------------------------------


def test_fleet_cert_writes_both_reports_end_to_end(tmp_path: pathlib.Path) -> None:
    page, sheet = tmp_path / "report.html", tmp_path / "report.csv"
    page.write_text("the report of last week")
    with certificate_sites(tmp_path) as inventory:
        done = fleet_command(
            "cert", "--inventory", str(inventory), "--html", str(page), "--csv", str(sheet)
        )
    assert done.returncode == 1, done.stderr
    assert f"wrote {page}: 4 site(s), HTML" in done.stderr
    table = {r["site"]: r for r in csv.DictReader(io.StringIO(sheet.read_text()))}
    assert {n: r["state"] for n, r in table.items()} == {
        "healthy": "ok",
        "advisory": "expired",
        "soon": "expires-soon",
        "gone": "unknown",
    }
    assert int(table["soon"]["days left"]) in (29, 30)
    assert "no TLS endpoint answered" in table["gone"]["problem"]
    text = page.read_text()
    assert bars(text) == {"advisory": "s-expired", "soon": "s-expires-soon", "healthy": "s-ok"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.csv", "report.html", "sites.toml"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["cert", "--html", "{tmp}/missing/r.html"], "the folder {tmp}/missing does not exist"),
        (["status", "--csv", "{tmp}"], "that is a folder; name a file in it"),
        (["stage", "--html", "{tmp}/r.html"], "--html applies to fleet cert, status, verify"),
        (["cert", "--html", "{tmp}/r", "--csv", "{tmp}/r"], "name the same file"),
    ],
)
def test_a_report_that_cannot_be_written_is_refused_before_any_site_runs(
    tmp_path: pathlib.Path, args: list[str], says: str
) -> None:
    inventory = tmp_path / "sites.toml"
    inventory.write_text(
        f'[[site]]\nname = "a"\nipo = "127.0.0.1:{closed_port()}"\ntarget = "{tmp_path}/card"\n'
    )
    given = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = fleet_command(*given, "--inventory", str(inventory), "--state-dir", str(tmp_path / "j"))
    assert done.returncode == 2, done.stderr
    assert says.replace("{tmp}", str(tmp_path)) in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert done.stdout == "" and not (tmp_path / "j").exists()


def test_a_write_that_fails_after_the_run_is_one_line_exit_2(tmp_path: pathlib.Path) -> None:
    results = fleet(3)
    with pytest.raises(Exception, match=r"^--csv /proc/r.csv: cannot write it \(") as caught:
        write_reports("cert", results, html=None, csv_path="/proc/r.csv", inventory="")
    assert type(caught.value).__name__ == "UsageError"
    (tmp_path / "r.html").write_text("old")
    write_reports("cert", results, html=str(tmp_path / "r.html"), csv_path=None, inventory="")
    assert (tmp_path / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]  # no temporary left behind


def test_fleet_verify_reports_the_run_state_and_the_certificates_it_read(
    tmp_path: pathlib.Path,
) -> None:
    sites = Fleet(tmp_path, 2)
    try:
        inventory = sites.write_toml()
        text = inventory.read_text()  # each stand-in presents its certificate on its own port
        for site in sites.sites:
            text = text.replace(
                f'name = "{site.name}"\n', f'name = "{site.name}"\ntls_port = {site.ipo.tls_port}\n'
            )
        inventory.write_text(text)
        common = ["--inventory", str(inventory), "--state-dir", str(tmp_path / "j")]
        assert fleet_command("stage", *common, "--yes", "--site", "site-00").returncode == 0
        sheet = tmp_path / "verify.csv"
        done = fleet_command("verify", *common, "--csv", str(sheet))
    finally:
        sites.close()
    assert done.returncode == 1, done.stderr  # site-01 was never staged
    table = {r["site"]: r for r in csv.DictReader(io.StringIO(sheet.read_text()))}
    assert table["site-00"]["state"] == "staged"
    assert table["site-00"]["certificate"] == "expired"  # the stand-in's clockless default
    assert int(table["site-00"]["days left"]) < 0
    assert "Step 8" in table["site-00"]["next step"]
    assert table["site-01"]["state"] == "new" and table["site-01"]["certificate"] == "unknown"
    assert "verify needs a run started with stage" in table["site-01"]["problem"]
