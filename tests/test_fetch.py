"""fetch() against real HTTP and HTTPS servers on 127.0.0.1."""

from __future__ import annotations

import http.server
import pathlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from ipo46xx import FetchError, InputError, fetch, settings_url
from ipo46xx.office.download import MAX_BYTES

SETTINGS = b'SET TRUSTCERTS "Root-CA-0214515C.pem"\r\n'
ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/46xxsettings.txt": (200, "text/plain", SETTINGS),
    "/login.html": (200, "text/html", b"<html><body>Login</body></html>"),
    "/sneaky.txt": (200, "text/plain", b"\n  <!DOCTYPE html><html></html>"),
    "/binary.txt": (200, "application/octet-stream", bytes(range(256)) * 16),
    "/huge.txt": (200, "text/plain", b"## x\r\n" * (MAX_BYTES // 6 + 10)),
    "/broken.txt": (500, "text/plain", b"oops"),
    "/secret.txt": (403, "text/plain", b"no"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        code, kind, body = ROUTES.get(self.path, (404, "text/plain", b"not found"))
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def _serve(server: http.server.HTTPServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def http_host() -> Iterator[str]:
    yield from _serve(http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler))


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[pathlib.Path, pathlib.Path]:
    """A self-signed certificate for 127.0.0.1, like an IP Office's own."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl not found (apt-get install openssl)")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.fixture
def https_host(certificate: tuple[pathlib.Path, pathlib.Path]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*map(str, certificate))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def test_plain_http_download(http_host: str) -> None:
    assert fetch(f"http://{http_host}/46xxsettings.txt") == SETTINGS


def test_404_mentions_the_case_sensitive_path(http_host: str) -> None:
    with pytest.raises(FetchError, match=r"HTTP 404.*case-sensitive"):
        fetch(f"http://{http_host}/46XXSETTINGS.TXT")


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/broken.txt", "HTTP 500"),
        ("/secret.txt", "HTTP 403"),
        ("/login.html", "HTML page"),
        ("/sneaky.txt", "HTML page"),
        ("/binary.txt", "binary data"),
        ("/huge.txt", "larger than 4 MiB"),
    ],
)
def test_answers_that_are_not_settings_files(http_host: str, path: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        fetch(f"http://{http_host}{path}")


def test_connection_refused() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="connection refused"):
        fetch(f"http://127.0.0.1:{port}/46xxsettings.txt")


def test_a_server_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection in the kernel, never answers
        port = silent.getsockname()[1]
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"no answer within 0\.5 s"):
            fetch(f"http://127.0.0.1:{port}/46xxsettings.txt", timeout=0.5)
        assert time.monotonic() - started < 5


def test_https_verifies_by_default(https_host: str) -> None:
    with pytest.raises(FetchError, match=r"could not be verified.*--ca-file.*--insecure"):
        fetch(f"https://{https_host}/46xxsettings.txt")


def test_https_with_the_saved_root_ca(
    https_host: str, certificate: tuple[pathlib.Path, pathlib.Path]
) -> None:
    url = f"https://{https_host}/46xxsettings.txt"
    assert fetch(url, cafile=str(certificate[0])) == SETTINGS


def test_https_insecure_is_an_explicit_choice(https_host: str) -> None:
    assert fetch(f"https://{https_host}/46xxsettings.txt", verify=False) == SETTINGS
    with pytest.raises(InputError, match="cannot be combined"):
        fetch(f"https://{https_host}/46xxsettings.txt", verify=False, cafile="x.pem")


def test_a_bad_ca_file_is_an_input_error(https_host: str, tmp_path: pathlib.Path) -> None:
    bogus = tmp_path / "ca.pem"
    bogus.write_text("not a certificate")
    with pytest.raises(InputError, match="cannot use CA file"):
        fetch(f"https://{https_host}/46xxsettings.txt", cafile=str(bogus))


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("192.168.42.1", "http://192.168.42.1/46xxsettings.txt"),
        ("http://192.168.42.1", "http://192.168.42.1/46xxsettings.txt"),
        ("https://192.168.42.1:411", "https://192.168.42.1:411/46xxsettings.txt"),
        ("https://192.168.42.1:411/", "https://192.168.42.1:411/46xxsettings.txt"),
        ("http://ipo.example/46xxsettings.txt", "http://ipo.example/46xxsettings.txt"),
        (" ipo.example ", "http://ipo.example/46xxsettings.txt"),
    ],
)
def test_settings_url(address: str, url: str) -> None:
    assert settings_url(address) == url


@pytest.mark.parametrize("address", ["", "ftp://ipo", "http://ipo:notaport", "http://"])
def test_settings_url_refuses_nonsense(address: str) -> None:
    with pytest.raises(InputError):
        settings_url(address)


@pytest.mark.parametrize(
    ("address", "url"),
    [
        ("::1", "http://[::1]/46xxsettings.txt"),
        ("fe80::1", "http://[fe80::1]/46xxsettings.txt"),
        ("[::1]:8080", "http://[::1]:8080/46xxsettings.txt"),
        ("https://[2001:db8::7]:411/", "https://[2001:db8::7]:411/46xxsettings.txt"),
    ],
)
def test_ipv6_addresses_are_written_in_brackets(address: str, url: str) -> None:
    assert settings_url(address) == url


@pytest.mark.parametrize("address", ["http://ipo:0/", "ipo:0", "https://ipo:65536"])
def test_out_of_range_ports_are_refused(address: str) -> None:
    with pytest.raises(InputError, match="port must be a number from 1 to 65535"):
        settings_url(address)


@pytest.mark.parametrize(
    "address",
    ["http://admin:s3cret-pw@ipo/", "https://admin:s3cret-pw@10.0.0.1:411", ":s3cret-pw@ipo"],
)
def test_an_address_with_a_password_is_refused_without_echoing_it(address: str) -> None:
    functions = (settings_url, fetch) if "://" in address else (settings_url,)
    for function in functions:
        with pytest.raises(InputError, match="password") as info:
            function(address)
        assert "s3cret-pw" not in str(info.value)


@pytest.mark.parametrize("timeout", [0, -5, float("nan")])
def test_a_time_limit_must_be_positive(http_host: str, timeout: float) -> None:
    with pytest.raises(InputError, match="time limit"):
        fetch(f"http://{http_host}/46xxsettings.txt", timeout=timeout)


def test_a_ca_file_changed_between_downloads_is_read_again(
    https_host: str, certificate: tuple[pathlib.Path, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    # Contexts are shared between downloads (loading CAs is slow); the file's content rules.
    url = f"https://{https_host}/46xxsettings.txt"
    ca = tmp_path / "ca.pem"
    ca.write_bytes(certificate[0].read_bytes())
    assert fetch(url, cafile=str(ca)) == SETTINGS
    other = tmp_path / "other"
    other.mkdir()
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-keyout", str(other / "key.pem"), "-out", str(ca), "-subj", "/CN=another"],
        check=True, capture_output=True,
    )  # fmt: skip
    with pytest.raises(FetchError, match="could not be verified"):
        fetch(url, cafile=str(ca))
    ca.unlink()
    with pytest.raises(InputError, match="cannot use CA file"):
        fetch(url, cafile=str(ca))
