"""Odd and hostile servers against the HTTP a download speaks (ipo46xx.office.wire):
answers a simple reader takes for a file when they are not one, or tells badly."""

from __future__ import annotations

import socket
import struct
import threading
import time

import pytest

from ipo46xx import FetchError
from ipo46xx.office.download import download

from .tls_servers import _read_request, _serve, raw_http_server

BODY = b"SET TRUSTCERTS Root-CA-0214515C.pem\r\nSET TLSSRVRID 0\r\n"
FRAMED = b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)


def answer(raw: bytes) -> tuple[bytes, str]:
    with raw_http_server(raw) as server:
        return download(f"http://{server.base}/46xxsettings.txt", timeout=5)


def test_a_transfer_coding_other_than_chunked_is_refused_not_kept_as_the_file() -> None:
    # A reader that knows only "chunked" would keep the chunk sizes (and the gzip) as the
    # settings file: a wrong ok.
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n"
    with pytest.raises(FetchError, match=r"Transfer-Encoding gzip, chunked"):
        answer(raw % (len(BODY), BODY))


@pytest.mark.parametrize("interim", [b"102 Processing", b"103 Early Hints\r\nLink: </a.css>"])
def test_every_interim_1xx_answer_is_skipped(interim: bytes) -> None:
    raw = b"HTTP/1.1 %s\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n%s"
    assert answer(raw % (interim, FRAMED))[0] == BODY


@pytest.mark.parametrize("status", [b"099", b"2\xb20"], ids=["below-100", "superscript-digit"])
def test_a_status_that_is_not_three_digits_from_100_is_not_http(status: bytes) -> None:
    with pytest.raises(FetchError, match="not valid HTTP"):
        answer(b"HTTP/1.1 %s Odd\r\n%s" % (status, FRAMED))


@pytest.mark.parametrize("status", [b"301 Moved Permanently", b"302 Found", b"307 Temporary"])
def test_a_redirect_is_not_followed_and_says_where_it_points(status: bytes) -> None:
    raw = (
        b"HTTP/1.1 %s\r\nLocation: https://admin:hunter2@login.example/\x1b[2Jx?y\r\n"
        b"Content-Type: text/html\r\nContent-Length: 15\r\n\r\n<html>x</html>\n"
    ) % status
    with pytest.raises(FetchError) as info:
        answer(raw)
    message = str(info.value)
    assert "redirect" in message and status.decode() in message
    assert "https://admin:***@login.example/" in message
    assert "hunter2" not in message and "\x1b" not in message


def test_the_servers_reason_phrase_cannot_write_control_characters() -> None:
    with pytest.raises(FetchError, match="HTTP 500") as info:
        answer(b"HTTP/1.1 500 \x1b]0;pwned\x07\x1b[2JBad\r\nContent-Length: 0\r\n\r\n")
    assert not any(c in str(info.value) for c in "\x1b\x07")


def test_chunk_lines_ended_by_a_bare_lf_are_read() -> None:
    # As the head's lines are (RFC 9112 section 2.2 lets a recipient accept a bare LF).
    raw = b"HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n%x\n%s\n0\n\n" % (len(BODY), BODY)
    assert answer(raw)[0] == BODY


def test_a_reset_in_the_body_is_not_probed_for_tls() -> None:
    """A server that sent a status line speaks HTTP: a TLS handshake to learn whether the
    port speaks TLS is a second connection, and waits up to 5 s past the time limit."""

    def reset(conn: socket.socket) -> None:
        _read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nSET A 1\r\n")
        time.sleep(0.2)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()

    with _serve(reset) as server:
        with pytest.raises(FetchError, match="dropped in the middle"):
            download(f"http://{server.base}/46xxsettings.txt", timeout=5)
        assert server.accepted == 1


def test_a_host_name_outside_ascii_is_sent_as_idna() -> None:
    requests: list[bytes] = []
    with raw_http_server(b"HTTP/1.1 200 OK\r\n" + FRAMED, requests=requests) as server:
        # Full-width digits: IDNA maps them to 127.0.0.1, as the resolver does.
        wide = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in "127.0.0.1")
        assert download(f"http://{wide}:{server.port}/46xxsettings.txt", timeout=5)[0] == BODY
    assert f"\r\nHost: {server.base}\r\n".encode() in requests[0]


def test_a_host_name_idna_cannot_encode_is_named() -> None:
    with pytest.raises(FetchError, match="host name"):
        download(f"http://{'é' * 64}.example/46xxsettings.txt", timeout=5)


def test_an_ipv6_address_is_reached_and_named_in_brackets() -> None:
    try:
        listener = socket.create_server(("::1", 0), family=socket.AF_INET6)
    except OSError as exc:
        pytest.skip(f"no IPv6 loopback here: {exc}")
    requests: list[bytes] = []

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            requests.append(_read_request(conn))
            conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n" + FRAMED)

    port = listener.getsockname()[1]
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with listener:
        assert download(f"http://[::1]:{port}/46xxsettings.txt", timeout=5)[0] == BODY
        thread.join(5)
    assert f"\r\nHost: [::1]:{port}\r\n".encode() in requests[0]
