"""The HTTP a download speaks (ipo46xx.office.wire), against raw servers on 127.0.0.1:
what it sends, and the answers real servers give that a simple reader gets wrong."""

from __future__ import annotations

import pytest

from ipo46xx import FetchError
from ipo46xx.office.download import download

from .tls_servers import raw_http_server

BODY = b"SET TRUSTCERTS Root-CA-0214515C.pem\r\nSET TLSSRVRID 0\r\n"


def answer(raw: bytes, path: str = "/46xxsettings.txt") -> tuple[bytes, str]:
    with raw_http_server(raw) as server:
        return download(f"http://{server.base}{path}", timeout=5)


def test_the_request_names_the_host_and_asks_to_close() -> None:
    requests: list[bytes] = []
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    with raw_http_server(raw, requests=requests) as server:
        download(f"http://{server.base}/46xxsettings.txt?x=1", timeout=5)
    lines = requests[0].decode("ascii").split("\r\n")
    assert lines[0] == "GET /46xxsettings.txt?x=1 HTTP/1.1"
    assert f"Host: {server.base}" in lines
    assert "Connection: close" in lines


def test_a_path_outside_ascii_is_sent_escaped() -> None:
    requests: list[bytes] = []
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
    with raw_http_server(raw, requests=requests) as server:
        download(f"http://{server.base}/caf\u00e9/46xxsettings.txt", timeout=5)
    assert requests[0].startswith(b"GET /caf%C3%A9/46xxsettings.txt HTTP/1.1\r\n")


def test_http_1_0_framed_by_the_close() -> None:
    body, kind = answer(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n" + BODY)
    assert (body, kind) == (BODY, "text/plain")


def test_header_names_ignore_case_and_the_first_of_two_counts() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\ncontent-TYPE: text/plain\r\nCONTENT-LENGTH: %d\r\n"
        b"Content-Length: 3\r\nConnection: close\r\n\r\n%s"
    ) % (len(BODY), BODY)
    assert answer(raw) == (BODY, "text/plain")


def test_a_folded_header_line_continues_its_field() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Type: text/\r\n plain\r\nConnection: close\r\n\r\n" + BODY
    assert answer(raw)[1] == "text/ plain"


def test_a_100_continue_before_the_answer_is_skipped() -> None:
    raw = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (
        len(BODY),
        BODY,
    )
    assert answer(raw)[0] == BODY


def test_chunk_extensions_and_trailers() -> None:
    raw = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"%x;name=value\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n"
    ) % (len(BODY), BODY)
    assert answer(raw)[0] == BODY


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "cut short"),
        (b"ICY 200 OK\r\n\r\n", "not valid HTTP"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "not valid HTTP"),
        (b"HTTP/2 200 OK\r\n\r\n", "not valid HTTP"),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 70000 + b"\r\n\r\n", "not valid HTTP"),
        (b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * 101 + b"\r\n", "not valid HTTP"),
        (b"", "dropped|not valid HTTP"),
    ],
    ids=["bad-chunk-size", "not-http", "status", "version", "long-line", "101-headers", "none"],
)
def test_answers_that_are_not_http_are_named(raw: bytes, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        answer(raw)


def test_a_204_has_no_body_to_wait_for() -> None:
    # Kept open after the head: a reader that waits for the close would hit the deadline.
    with raw_http_server(b"HTTP/1.1 204 No Content\r\n\r\n", linger=3) as server:
        assert download(f"http://{server.base}/46xxsettings.txt", timeout=1)[0] == b""
