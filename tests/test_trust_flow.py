"""The issue's wrong results 1-7, each reproduced on the emulator (a real HTTP and TLS peer)
and a real folder, through ``ipo46xx.cli.main`` and the library."""

from __future__ import annotations

import hashlib
import json
import pathlib
from collections.abc import Iterator

import pytest

from ipo46xx import FetchError, StateError
from ipo46xx.cli import main
from ipo46xx.emulator import INITIAL_ROOT_CA, IpOfficeEmulator
from ipo46xx.office.certificates import load_certificates
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import LocalStorage

from .staging_site import ADMIN, BACKUP, SETTINGS
from .tls_servers import raw_http_server


class Site:
    """An IP Office emulator over a real SD card folder, and a journal folder."""

    def __init__(self, root: pathlib.Path, explicit: bool) -> None:
        self.folder = root / "sd"
        self.folder.mkdir(parents=True)
        self.card = LocalStorage(self.folder)
        if explicit:
            self.card.write(SETTINGS, ADMIN)
        self.state = root / "state"
        self.ipo = IpOfficeEmulator(self.card).start()

    def snapshot(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in sorted(self.folder.iterdir())}

    def args(self, command: str, *extra: str, ipo: str | None = None) -> list[str]:
        given = ["--ipo", ipo] if ipo else []
        target = ["--target", str(self.folder), "--state-dir", str(self.state)]
        confirm = ["--yes"] if command in ("stage", "restore", "rollback") else []
        return [command, *given, *target, *confirm, *extra]

    def stager(self, **options: object) -> Stager:
        return Stager(self.ipo.url, self.card, self.state, **options)  # type: ignore[arg-type]


@pytest.fixture
def site(tmp_path: pathlib.Path) -> Iterator[Site]:
    made = Site(tmp_path / "a", explicit=True)
    yield made
    made.ipo.stop()


@pytest.fixture
def auto_site(tmp_path: pathlib.Path) -> Iterator[Site]:
    made = Site(tmp_path / "auto", explicit=False)
    yield made
    made.ipo.stop()


@pytest.fixture
def other(tmp_path: pathlib.Path) -> Iterator[Site]:
    made = Site(tmp_path / "b", explicit=False)
    yield made
    made.ipo.stop()


def run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stage(site: Site, capsys: pytest.CaptureFixture[str], *extra: str) -> str:
    code, out, err = run(capsys, site.args("stage", *extra, ipo=site.ipo.url))
    assert code == 0, (out, err)
    return out


def sha256_of(office: IpOfficeEmulator) -> str:
    return hashlib.sha256(load_certificates(office.certificate_pem)[0].der).hexdigest()


# -- 1: restore --ipo <another IP Office> --------------------------------------------------


def test_1_restore_with_another_ip_office_is_refused(
    site: Site, other: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    stage(site, capsys)
    site.ipo.regenerate_certificate()
    staged = site.snapshot()
    for command in ("restore", "verify", "status", "rollback", "stage"):
        code, out, err = run(capsys, site.args(command, ipo=other.ipo.url))
        assert code == 2, (command, out, err)
        assert site.ipo.settings_url in err and other.ipo.settings_url in err, err
        assert site.snapshot() == staged
    assert site.stager().status().state == "staged"
    # Without --ipo, the recorded one is used.
    code, out, err = run(capsys, site.args("status"))
    assert code == 0 and site.ipo.settings_url in out


# -- 2: --replace OLD=NEW before regeneration, and a NEW nobody serves ----------------------


def test_2_replace_before_regeneration_is_refused(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    stage(site, capsys)
    staged = site.snapshot()
    replace = f"{INITIAL_ROOT_CA}=Root-CA-0BADCAFE.pem"
    code, out, err = run(capsys, site.args("restore", "--replace", replace))
    assert code == 3, (out, err)
    assert "not been regenerated" in err and INITIAL_ROOT_CA in err
    assert site.snapshot() == staged
    assert site.stager().status().state == "staged"


def test_2_replace_with_a_name_neither_named_nor_served(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    stage(site, capsys)
    new = site.ipo.regenerate_certificate()
    stranger = "Root-CA-0BADCAFE.pem"
    assert stranger != new
    code, out, err = run(capsys, site.args("restore", "--replace", f"{INITIAL_ROOT_CA}={stranger}"))
    assert code == 1, (out, err)
    assert f"warning: {stranger} is neither named nor served by this IP Office" in out
    assert "PROBLEM:" in out and "will not" in out
    # Restarting the phones now would take them out of service: no Step 9, and status agrees.
    assert "Step 9" not in out and "Do not restart the phones" in out and "rollback" in out
    code, status_out, _ = run(capsys, site.args("status"))
    assert "Step 9" not in status_out and "Do not restart the phones" in status_out
    assert stranger.encode() in site.card.read(SETTINGS)
    # Library: the same warning, and the trust check failing.
    outcome_state = site.stager().status().state
    assert outcome_state == "restored"
    code, out, _ = run(capsys, site.args("verify", "--json"))
    document = json.loads(out)
    assert code == 1
    assert document["trust"]["ok"] is False
    failing = [p for p in document["trust"]["profiles"] if p["trusted"] is False]
    assert failing and all(stranger in p["names"] for p in failing)
    assert any("cannot be downloaded" in p["reason"] for p in failing)


def test_2_replace_with_the_new_name_is_trusted(site: Site) -> None:
    stager = site.stager()
    stager.stage()
    new = site.ipo.regenerate_certificate()
    outcome = stager.restore({INITIAL_ROOT_CA: new})
    assert outcome.ok, outcome.problems
    assert outcome.warnings == []
    assert outcome.trust is not None and outcome.trust.ok


# -- 3: a download cut short ---------------------------------------------------------------


def _framed(body: bytes, length: int, tail: bytes = b"") -> bytes:
    return f"HTTP/1.1 200 OK\r\nContent-Length: {length}\r\n\r\n".encode() + body + tail


def _chunked_cut(body: bytes) -> bytes:
    half = len(body) // 2
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:]))
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks  # no last chunk


BROKEN = {
    "short": _framed(ADMIN[:-100], len(ADMIN)),
    "long": _framed(ADMIN, len(ADMIN), b"SET EXTRA 1\r\n" * 10),
    "chunked-cut": _chunked_cut(ADMIN),
}


@pytest.mark.parametrize("explicit", [True, False], ids=["explicit", "auto"])
@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_3_a_broken_transfer_changes_nothing(
    case: str, explicit: bool, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "sd"
    folder.mkdir()
    card = LocalStorage(folder)
    if explicit:
        card.write(SETTINGS, ADMIN)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with raw_http_server(BROKEN[case]) as server:
        with pytest.raises(FetchError, match=r"cut short|longer than its Content-Length"):
            Stager(f"http://{server.base}", card, tmp_path / "state", timeout=5).stage()
        code, _, err = run(
            capsys,
            ["stage", "--ipo", f"http://{server.base}", "--target", str(folder),
             "--state-dir", str(tmp_path / "state2"), "--yes"],
        )  # fmt: skip
    assert code == 2, err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# -- 4: stage --ipo A --target <B's card> --------------------------------------------------


def test_4_staging_another_ip_offices_card_says_what_to_do(
    auto_site: Site, other: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = other.args("stage", ipo=auto_site.ipo.url)
    code, out, err = run(capsys, argv)
    assert code == 1, (out, err)
    assert "does not serve the staged file" in out
    assert "put it back" in out and "ipo46xx verify" in out
    assert f"ipo46xx rollback --target {other.card.url}" in out
    # The library says the same in the outcome's problems.
    code, out, err = run(capsys, other.args("rollback"))
    assert code == 0, (out, err)
    assert other.snapshot() == {}
    outcome = Stager(auto_site.ipo.url, other.card, other.state).stage()
    assert outcome.state == "staged" and not outcome.ok
    assert any("rollback" in p for p in outcome.problems)


def test_stage_shows_the_certificate_situation_first(
    auto_site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    out = stage(auto_site, capsys)
    shown = out.split("ipo46xx stage: target")[0]
    assert f"port {auto_site.ipo.tls_port}:" in shown
    assert "EXPIRED" in shown and "clock-never-set" in shown
    assert "state: staged" in out  # and it goes on


def test_4_staging_its_own_card_is_ok(site: Site) -> None:
    outcome = site.stager().stage()
    assert outcome.ok, outcome.problems


# -- 6: answers that are not settings files ------------------------------------------------

ANSWERS = {
    "login-page": b"Redirecting...\r\n<html><body><form>Login</form></body></html>",
    "json-error": b'{"error": "forbidden"}',
    "empty": b"",
    "no-statement": b"Service temporarily unavailable\r\nplease retry\r\n",
}


@pytest.mark.parametrize("explicit", [True, False], ids=["explicit", "auto"])
@pytest.mark.parametrize("case", ANSWERS, ids=list(ANSWERS))
def test_6_not_a_settings_file_names_likely_causes(
    case: str, explicit: bool, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "sd"
    folder.mkdir()
    card = LocalStorage(folder)
    if explicit:
        card.write(SETTINGS, ANSWERS[case])  # what the IP Office serves is on its card
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    body = ANSWERS[case]
    with raw_http_server(_framed(body, len(body))) as server:
        code, out, err = run(
            capsys,
            ["stage", "--ipo", f"http://{server.base}", "--target", str(folder),
             "--state-dir", str(tmp_path / "state"), "--yes"],
        )  # fmt: skip
    assert code == 2, (out, err)
    assert "not a settings file" in err
    assert "Avaya HTTP Clients Only" in err and "login" in err and "address" in err
    assert "advisory's flow is not needed" not in err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


# -- 7: the certificate: clock never set, healthy, regenerated again -----------------------


def test_7_restore_onto_a_certificate_made_without_a_clock(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    # The administrator's file names no TLSPORT: the phones' port is given (NAT-style).
    out = stage(site, capsys, "--tls-port", str(site.ipo.tls_port))
    assert "certificate now presented by the IP Office" in out
    assert "clock-never-set" in out and "EXPIRED" in out
    staged = site.snapshot()
    assert BACKUP in staged

    site.ipo.regenerate_certificate(clock_set=False)
    code, out, err = run(capsys, site.args("restore"))
    assert code == 3, (out, err)
    assert "clock" in err and "SNTP" in err and "1 January 2011" in err
    assert site.snapshot() == staged
    assert site.stager().status().state == "staged"

    site.ipo.regenerate_certificate()
    code, out, err = run(capsys, site.args("restore"))
    assert code == 0, (out, err)
    assert "trust: every phone profile that names an IP Office root CA" in out
    code, out, err = run(capsys, site.args("verify", "--json"))
    document = json.loads(out)
    assert code == 0, (document, err)
    assert document["ok"] is True and document["trust"]["ok"] is True
    assert any(p["trusted"] for p in document["trust"]["profiles"])
    ports = {e["port"] for e in document["trust"]["endpoints"]}
    assert site.ipo.tls_port in ports

    site.ipo.regenerate_certificate()  # someone regenerates again, later
    code, out, err = run(capsys, site.args("verify", "--json"))
    document = json.loads(out)
    assert code == 1, (document, err)
    assert document["trust"]["ok"] is False
    # The old root CA is no longer served, and would not sign the new certificate anyway.
    reasons = [p["reason"] for p in document["trust"]["profiles"] if p["trusted"] is False]
    assert reasons and all("cannot be downloaded" in r for r in reasons)
    assert all("46xxsettings.txt exactly" not in r for r in reasons)


def test_7_library_restore_refuses_and_keeps_the_card_staged(auto_site: Site) -> None:
    stager = auto_site.stager()
    stager.stage()
    staged = auto_site.snapshot()
    auto_site.ipo.regenerate_certificate(clock_set=False)
    assert auto_site.ipo.tls_port in [e.port for e in stager.certificates().answered]
    with pytest.raises(StateError, match="clock is not set"):
        stager.restore()
    assert auto_site.snapshot() == staged
    auto_site.ipo.regenerate_certificate()
    outcome = stager.restore()
    assert outcome.ok and outcome.trust is not None and outcome.trust.ok
    assert stager.verify().trust is not None


def test_7_verify_in_the_staged_state_reports_blank_trustcerts(site: Site) -> None:
    stager = site.stager()
    stager.stage()
    verification = stager.verify()
    assert verification.ok, verification.message
    assert verification.trust is not None
    blank = [p for p in verification.trust.profiles if p.reason.startswith("TRUSTCERTS is empty")]
    assert blank


# -- 5 (pin): the flow over HTTPS with --pin ------------------------------------------------


def test_pin_over_https_the_whole_flow(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    pin = sha256_of(site.ipo)
    upper = ":".join(pin[i : i + 2] for i in range(0, 64, 2)).upper()
    code, out, err = run(capsys, site.args("stage", "--pin", upper, ipo=site.ipo.https_url))
    assert code == 0, (out, err)
    assert "--pin" in out  # the next steps carry the pin...
    # ...but Step 8 comes after regenerating, which changes the fingerprint.
    [step8] = [line for line in out.splitlines() if "Step 8" in line]
    assert "--pin NEW-SHA256" in step8 and pin not in step8 and "ipo46xx cert" in step8
    staged = site.snapshot()
    site.ipo.regenerate_certificate()
    new_pin = sha256_of(site.ipo)
    # The old pin is refused now, naming both fingerprints...
    code, out, err = run(capsys, site.args("restore", "--pin", pin))
    assert code == 2, (out, err)
    assert pin in err and new_pin in err
    # ...the staged file is back on the card, so phones never meet the generated file...
    assert site.snapshot() == staged and "put back" in err
    # ...and the new one accepted.
    code, out, err = run(capsys, site.args("restore", "--pin", new_pin))
    assert code == 0, (out, err)


def test_wrong_pin_refused_before_anything_changes(
    site: Site, capsys: pytest.CaptureFixture[str]
) -> None:
    before = site.snapshot()
    wrong = "00" * 32
    code, _, err = run(capsys, site.args("stage", "--pin", wrong, ipo=site.ipo.https_url))
    assert code == 2
    assert wrong in err and sha256_of(site.ipo) in err
    assert site.snapshot() == before


def test_rollback_without_a_journal_on_a_card_with_a_bak_says_so(
    site: Site, tmp_path: pathlib.Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Staged with one state folder, rolled back with another (a fleet run, a moved
    # inventory): "nothing to roll back" would be a wrong ok on a staged card.
    stage(site, capsys)
    staged = site.snapshot()
    elsewhere = ["--state-dir", str(tmp_path / "elsewhere")]
    code, out, err = run(capsys, ["rollback", "--target", str(site.folder), *elsewhere, "--yes"])
    assert code == 3, (out, err)
    assert "46xxsettings.bak" in err and "--state-dir" in err
    assert site.snapshot() == staged
