"""Every download: framing checked, an overall deadline, answers that are not settings
files refused, and ``--pin``; all against real servers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import pathlib
import time

import pytest

from ipo46xx import FetchError, InputError
from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.office.download import download, fetch, normalize_pin
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import MemoryStorage

from .staging_site import ADMIN, SETTINGS
from .tls_servers import dripping_server, make_cert, raw_http_server, tls_server

BODY = b"SET TRUSTCERTS Root-CA-0214515C.pem\r\nSET TLSSRVRID 0\r\n"


def head(length: int | None, extra: str = "") -> bytes:
    lines = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
    if length is not None:
        lines += f"Content-Length: {length}\r\n"
    return (lines + extra + "\r\n").encode()


def chunked(*parts: bytes, end: bool = True) -> bytes:
    body = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts)
    return head(None, "Transfer-Encoding: chunked\r\n") + body + (b"0\r\n\r\n" if end else b"")


def get(raw: bytes) -> bytes:
    with raw_http_server(raw) as server:
        return fetch(f"http://{server.base}/46xxsettings.txt", timeout=5)


# -- framing ------------------------------------------------------------------------------


def test_well_framed_bodies_are_accepted() -> None:
    assert get(head(len(BODY)) + BODY) == BODY
    assert get(chunked(BODY[:10], BODY[10:])) == BODY
    assert get(head(None, "Connection: close\r\n") + BODY) == BODY  # framed by the close


def test_a_body_shorter_than_its_content_length() -> None:
    with pytest.raises(FetchError, match=rf"cut short \({len(BODY) - 5} of {len(BODY)} bytes"):
        get(head(len(BODY)) + BODY[:-5])


def test_a_body_longer_than_its_content_length() -> None:
    with pytest.raises(FetchError, match="longer than its Content-Length"):
        get(head(len(BODY)) + BODY + b"SET EXTRA 1\r\n")


def test_a_cut_chunked_body() -> None:
    with pytest.raises(FetchError, match="cut short"):
        get(chunked(BODY[:10], BODY[10:], end=False))
    # Cut inside a chunk, too.
    with pytest.raises(FetchError, match="cut short"):
        get(chunked(BODY)[:-20])


# -- the overall deadline -----------------------------------------------------------------


@pytest.mark.parametrize("headers_first", [True, False], ids=["body-drips", "headers-drip"])
def test_a_dripping_server_hits_the_deadline(headers_first: bool) -> None:
    timeout = 3.0
    with dripping_server(interval=0.5, headers_first=headers_first) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="no answer within 3 s"):
            fetch(f"http://{server.base}/46xxsettings.txt", timeout=timeout)
        assert time.monotonic() - started < timeout + 5  # hang guard only


def test_stage_gives_up_on_a_server_dripping_every_two_seconds(tmp_path: pathlib.Path) -> None:
    card = MemoryStorage()
    card.write(SETTINGS, ADMIN)
    with dripping_server(interval=2.0) as server:
        stager = Stager(f"http://{server.base}", card, tmp_path / "state", timeout=3)
        started = time.monotonic()
        with pytest.raises(FetchError, match="no answer within"):
            stager.stage()
        assert time.monotonic() - started < 3 + 5  # hang guard only
    assert card.list() == [SETTINGS] and card.read(SETTINGS) == ADMIN


# -- answers that are not settings files --------------------------------------------------

NOT_SETTINGS = {
    "login-page-after-text": (
        b"Welcome to IP Office\r\n<html><body><form>Password</form></body></html>",
        "an HTML page",
    ),
    "json-error": (b'{"error": "authentication required"}', "a JSON document"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("case", NOT_SETTINGS, ids=list(NOT_SETTINGS))
def test_not_a_settings_file_names_the_likely_causes(case: str) -> None:
    body, what = NOT_SETTINGS[case]
    with pytest.raises(FetchError) as error:
        get(head(len(body)) + body)
    message = str(error.value)
    assert f"the answer is {what}, not a settings file" in message
    assert "Avaya HTTP Clients Only" in message and "login" in message


def test_html_after_more_than_a_line_of_text_is_still_html() -> None:
    body = b"# " + b"x" * 2000 + b"\r\n<HTML><head></head></HTML>"
    with pytest.raises(FetchError, match="HTML page"):
        get(head(len(body)) + body)


# -- pinning ------------------------------------------------------------------------------


def colons(digest: str) -> str:
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)).upper()


def test_pin_accepts_the_right_certificate_and_refuses_another() -> None:
    made, other = make_cert(), make_cert(key_slot=3, common_name="someone else")
    right = hashlib.sha256(made.der).hexdigest()
    wrong = hashlib.sha256(other.der).hexdigest()
    with tls_server(made, body=BODY) as server:
        url = f"https://{server.base}/46xxsettings.txt"
        with pytest.raises(FetchError, match="certificate could not be verified"):
            fetch(url, timeout=5)  # self-signed: refused without a pin
        assert fetch(url, pin=right, timeout=5) == BODY
        assert fetch(url, pin=colons(right), timeout=5) == BODY
        assert fetch(url, pin=right.upper(), timeout=5) == BODY
        with pytest.raises(FetchError) as error:
            fetch(url, pin=colons(wrong), timeout=5)
    assert right in str(error.value) and wrong in str(error.value)


def test_pin_on_plain_http_is_refused() -> None:
    with (
        raw_http_server(head(len(BODY)) + BODY) as server,
        pytest.raises(FetchError, match="no certificate"),
    ):
        fetch(f"http://{server.base}/46xxsettings.txt", pin="ab" * 32, timeout=5)


def test_bad_pins_and_combinations() -> None:
    with pytest.raises(InputError, match="not a SHA-256 fingerprint"):
        normalize_pin("abc")
    with pytest.raises(InputError, match="not a SHA-256 fingerprint"):
        normalize_pin("zz" * 32)
    assert normalize_pin(colons("ab" * 32)) == "ab" * 32
    with pytest.raises(InputError, match="cannot be combined"):
        download("https://127.0.0.1:1/x", pin="ab" * 32, verify=False)


def test_pin_on_the_emulators_https_service() -> None:
    with IpOfficeEmulator(MemoryStorage()) as office:
        der_hash = hashlib.sha256(make_cert_der(office.certificate_pem)).hexdigest()
        url = office.https_url + "/46xxsettings.txt"
        assert b"TRUSTCERTS" in fetch(url, pin=colons(der_hash), timeout=5)
        office.regenerate_certificate()
        with pytest.raises(FetchError, match="regenerated"):
            fetch(url, pin=der_hash, timeout=5)


def make_cert_der(pem: bytes) -> bytes:
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    return x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
