"""``check_certificates``, ``read_endpoint`` and ``ipo46xx cert`` against real TLS servers."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import pathlib
import subprocess
import sys
from typing import Any

import pytest

from ipo46xx import FetchError, InputError
from ipo46xx.cli import main
from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.office.certificates import (
    CLOCK_NEVER_SET_WINDOW,
    Certificate,
    check_certificates,
    load_certificates,
    read_endpoint,
)
from ipo46xx.office.download import fetch
from ipo46xx.storage import MemoryStorage

from .tls_servers import (
    CLOCK_NEVER_SET,
    dropping_server,
    file_server,
    free_port,
    make_cert,
    now,
    openssl_sha1_cert,
    tls_server,
)

SRC = pathlib.Path(__file__).resolve().parent.parent / "src"
DAY = dt.timedelta(days=1)
ISO = "%Y-%m-%dT%H:%M:%SZ"


def read(port: int, days: int = 180) -> Any:
    return read_endpoint("127.0.0.1", port, timeout=5, now=now(), days=days)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    return subprocess.run(
        [sys.executable, "-m", "ipo46xx", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def cert_json(port: int, *extra: str) -> tuple[int, dict[str, Any]]:
    result = cli("cert", "--ipo", "127.0.0.1", "--port", str(port), "--json", *extra)
    return result.returncode, json.loads(result.stdout)


# -- problem codes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "problems", "status"),
    [
        ({"not_before": now() - 800 * DAY, "not_after": now() - 3 * DAY}, ["expired"], 1),
        ({"days": 30}, ["expires-soon"], 1),
        ({"days": 800}, [], 0),
        ({"not_before": now() + 10 * DAY, "not_after": now() + 800 * DAY}, ["not-yet-valid"], 1),
        (
            {"not_before": CLOCK_NEVER_SET, "not_after": now() + 800 * DAY},
            ["clock-never-set"],
            0,
        ),
        (
            {"not_before": CLOCK_NEVER_SET, "not_after": CLOCK_NEVER_SET + 7 * 365 * DAY},
            ["expired", "clock-never-set"],
            1,
        ),
    ],
    ids=["expired", "expires-soon", "healthy", "not-yet-valid", "clock-never-set", "advisory"],
)
def test_each_problem_code_and_exit_status(
    when: dict[str, Any], problems: list[str], status: int
) -> None:
    made = make_cert(**when)
    with tls_server(made) as server:
        endpoint = read(server.port)
        assert endpoint.error is None
        assert endpoint.problems == problems
        code, document = cert_json(server.port)
    assert code == status
    assert document["problems"] == problems
    assert document["endpoints"][0]["problems"] == problems


@pytest.mark.parametrize(
    ("offset", "flagged"),
    [
        (dt.timedelta(0), True),
        (dt.timedelta(seconds=1), True),
        (dt.timedelta(minutes=7, seconds=31), True),  # a boot that took a few minutes
        (CLOCK_NEVER_SET_WINDOW - dt.timedelta(seconds=1), True),
        (CLOCK_NEVER_SET_WINDOW, False),
        (dt.timedelta(days=1, minutes=5), False),  # 2 January: made with a set clock
        (-dt.timedelta(seconds=1), False),  # 31 December
    ],
)
def test_item8_clock_never_set_is_the_first_hour_of_1_january(
    offset: dt.timedelta, flagged: bool
) -> None:
    made = make_cert(not_before=CLOCK_NEVER_SET + offset, not_after=now() + 800 * DAY)
    cert = Certificate.from_der(made.der)
    assert cert.clock_never_set is flagged
    assert ("clock-never-set" in cert.problems(now())) is flagged


def test_days_changes_expires_soon() -> None:
    made = make_cert(days=30)
    with tls_server(made) as server:
        assert read(server.port, days=180).problems == ["expires-soon"]
        assert read(server.port, days=10).problems == []
        assert 28 <= read(server.port).days_left <= 30
        assert cert_json(server.port, "--days", "10")[0] == 0
        assert cert_json(server.port, "--days", "60")[0] == 1
        assert cert_json(server.port, "--days", "60")[1]["days"] == 60


def test_negative_days_is_bad_input() -> None:
    with pytest.raises(InputError, match="--days"):
        check_certificates("127.0.0.1", ports=[free_port()], days=-1)
    result = cli("cert", "--ipo", "127.0.0.1", "--port", str(free_port()), "--days", "-1")
    assert result.returncode == 2


# -- the JSON document --------------------------------------------------------------------

ENDPOINT_KEYS = {
    "host",
    "port",
    "error",
    "subject",
    "issuer",
    "serial",
    "not_before",
    "not_after",
    "days_left",
    "self_signed",
    "sha256",
    "key",
    "signature_algorithm",
    "san",
    "problems",
}


def test_json_shape_dates_and_fingerprint() -> None:
    made = make_cert(days=400)
    with tls_server(made) as server:
        code, document = cert_json(server.port)
    assert code == 0
    assert set(document) == {"ipo", "checked_at", "days", "endpoints", "problems"}
    assert document["ipo"] == "127.0.0.1"
    assert document["days"] == 180
    checked = dt.datetime.strptime(document["checked_at"], ISO).replace(tzinfo=dt.timezone.utc)
    assert abs(checked - now()) < dt.timedelta(minutes=5)
    [endpoint] = document["endpoints"]
    assert set(endpoint) == ENDPOINT_KEYS
    assert endpoint["host"] == "127.0.0.1"
    assert endpoint["port"] == server.port
    assert endpoint["error"] is None
    assert endpoint["sha256"] == hashlib.sha256(made.der).hexdigest()
    assert endpoint["not_before"] == made.cert.not_valid_before_utc.strftime(ISO)
    assert endpoint["not_after"] == made.cert.not_valid_after_utc.strftime(ISO)
    assert endpoint["not_after"].endswith("Z") and endpoint["not_before"].endswith("Z")
    assert endpoint["serial"] == format(made.cert.serial_number, "X")
    assert endpoint["self_signed"] is True
    assert endpoint["key"] == "RSA 2048"
    assert endpoint["signature_algorithm"] == "sha256WithRSAEncryption"
    assert "CN=ipoffice-00E00701A2B3.avaya.com" in endpoint["subject"]
    assert endpoint["issuer"] == endpoint["subject"]
    assert endpoint["san"] == ["DNS:ipoffice-00E00701A2B3.avaya.com", "IP:127.0.0.1"]
    assert endpoint["days_left"] in (398, 399, 400)


def test_a_leaf_issued_by_a_ca_is_not_self_signed() -> None:
    ca = make_cert(common_name="Site CA", key_slot=1)
    leaf = make_cert(issuer=ca, ca=False)
    with tls_server(leaf) as server:
        endpoint = read(server.port)
    assert endpoint.certificate is not None
    assert not endpoint.certificate.self_signed
    assert endpoint.certificate.issuer == "CN=Site CA,O=Avaya Inc"
    assert Certificate.from_der(ca.der).signs(endpoint.certificate)
    assert not endpoint.certificate.signs(Certificate.from_der(ca.der))


def test_json_of_an_endpoint_that_does_not_answer() -> None:
    closed = free_port()
    with tls_server(make_cert()) as server:
        code, document = cert_json(server.port, "--port", str(closed))
    assert code == 0  # one endpoint answered: not an error
    assert [e["port"] for e in document["endpoints"]] == [server.port, closed]
    silent = document["endpoints"][1]
    assert set(silent) == ENDPOINT_KEYS
    assert silent["error"] == "connection refused"
    assert all(silent[k] is None for k in ENDPOINT_KEYS - {"host", "port", "error", "problems"})
    assert silent["problems"] == []


# -- old IP Offices: 1024-bit RSA, SHA-1, TLS 1.0 -----------------------------------------


def test_a_1024_bit_sha1_certificate_is_read(tmp_path: pathlib.Path) -> None:
    made = openssl_sha1_cert(tmp_path)
    with tls_server(made) as server:
        code, document = cert_json(server.port)
    [endpoint] = document["endpoints"]
    assert endpoint["error"] is None, endpoint
    assert endpoint["key"] == "RSA 1024"
    assert endpoint["signature_algorithm"] == "sha1WithRSAEncryption"
    assert endpoint["sha256"] == hashlib.sha256(made.der).hexdigest()
    assert endpoint["self_signed"] is True
    assert code == 0


def test_tls_1_0_with_an_old_certificate_is_read(tmp_path: pathlib.Path) -> None:
    made = openssl_sha1_cert(tmp_path)
    with tls_server(made, legacy=True) as server:
        endpoint = read(server.port)
        assert endpoint.error is None, endpoint.error
        assert endpoint.certificate is not None
        assert endpoint.certificate.key == "RSA 1024"
        # Only the read-only inspection lowers its security: a download refuses TLS 1.0.
        with pytest.raises(FetchError, match="TLS handshake failed"):
            fetch(f"https://127.0.0.1:{server.port}/46xxsettings.txt", verify=False, timeout=5)


# -- endpoints that do not answer ---------------------------------------------------------


def test_a_dropped_handshake_is_reported() -> None:
    with dropping_server() as server:
        endpoint = read(server.port)
    assert endpoint.certificate is None
    assert endpoint.error is not None and endpoint.error.startswith("no TLS here")


def test_a_plain_http_port_given_as_tls_port(tmp_path: pathlib.Path) -> None:
    with file_server(tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        endpoint = read(port)
        assert endpoint.certificate is None
        assert endpoint.error is not None and "no TLS here" in endpoint.error
        result = cli("cert", "--ipo", "127.0.0.1", "--port", str(port))
    assert result.returncode == 2
    assert "no TLS endpoint of 127.0.0.1 answered" in result.stderr
    assert "Traceback" not in result.stderr


def test_nothing_answers_exit_2_json_still_printed() -> None:
    closed = free_port()
    with dropping_server() as dropping:
        result = cli(
            "cert",
            "--ipo",
            "127.0.0.1",
            "--port",
            str(closed),
            "--port",
            str(dropping.port),
            "--json",
        )
    assert result.returncode == 2
    document = json.loads(result.stdout)
    assert [e["port"] for e in document["endpoints"]] == [closed, dropping.port]
    assert all(e["error"] for e in document["endpoints"])
    assert "no TLS endpoint" in result.stderr


def test_report_properties() -> None:
    with tls_server(make_cert(days=30)) as server:
        report = check_certificates(
            "127.0.0.1", ports=[server.port, free_port(), server.port], timeout=5
        )
    assert [e.port for e in report.endpoints][::2] == [server.port]  # each port once
    assert len(report.endpoints) == 2
    assert [e.port for e in report.answered] == [server.port]
    assert report.problems == ["expires-soon"]
    assert not report.ok


# -- default ports: 443 and the TLSPORT of the served file --------------------------------


def test_default_ports_come_from_the_served_file() -> None:
    with IpOfficeEmulator(MemoryStorage()) as office:
        assert f"SET TLSPORT {office.tls_port}".encode() in office.generated()
        report = check_certificates(office.url, timeout=5)
        ports = [e.port for e in report.endpoints]
        # 411: the phones' default, for the profiles the file gives no TLSPORT (16xx, SIP).
        assert ports == [443, 411, office.tls_port]
        served = report.endpoints[2]
        assert served.certificate is not None
        assert served.certificate.der == load_certificates(office.certificate_pem)[0].der
        assert report.problems == ["expired", "clock-never-set"]
        assert not report.ok
        assert report.notes == []


def test_cli_on_the_emulator_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    with IpOfficeEmulator(MemoryStorage()) as office:
        code = main(["cert", "--ipo", office.url, "--json"])
        document = json.loads(capsys.readouterr().out)
        assert code == 1
        assert [e["port"] for e in document["endpoints"]] == [443, 411, office.tls_port]
        assert document["problems"] == ["expired", "clock-never-set"]
        assert document["endpoints"][2]["not_before"] == "2011-01-01T00:00:00Z"

        office.regenerate_certificate()
        code = main(["cert", "--ipo", office.url])
        text = capsys.readouterr().out
        assert code == 0, text
        assert f"port {office.tls_port}:" in text
        assert "ok: no problem" in text
        pin = hashlib.sha256(load_certificates(office.certificate_pem)[0].der).hexdigest()
        assert ":".join(pin[i : i + 2] for i in range(0, 64, 2)).upper() in text


def test_cli_unknown_settings_file_is_a_note_not_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: pathlib.Path
) -> None:
    # The address serves no settings file: only 443 is tried, and the reason is a note.
    with file_server(tmp_path) as base:
        report = check_certificates(base, timeout=5)
    assert [e.port for e in report.endpoints] == [443]
    assert report.notes and "TLSPORT" in report.notes[0]
