"""Certificates made in the test, and real servers on 127.0.0.1 that present or misuse them.

* :func:`make_cert` builds certificates with ``cryptography`` (expired, expiring, healthy,
  not yet valid, clock-never-set, a CA and a leaf it issued, a "wrong" CA);
  :func:`openssl_sha1_cert` makes a 1024-bit SHA-1 one with ``openssl req``, which
  ``cryptography`` will not sign.
* :func:`tls_server` presents a certificate on a real ``ssl`` server (optionally TLS 1.0
  only, ``@SECLEVEL=0``) and answers one HTTP request per connection with a fixed body.
* :func:`dropping_server` accepts and closes, :func:`raw_http_server` answers every
  request with fixed raw bytes (to break ``Content-Length`` or chunked framing),
  :func:`dripping_server` sends one byte every ``interval`` seconds, and
  :func:`file_server` is a plain ``http.server`` over a folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import ipaddress
import pathlib
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator

import attrs
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

UTC = dt.timezone.utc
CLOCK_NEVER_SET = dt.datetime(2011, 1, 1, tzinfo=UTC)


@attrs.frozen
class Made:
    """A certificate made here: PEM, DER, key PEM, and the objects to sign others with."""

    pem: bytes
    der: bytes
    key_pem: bytes
    cert: x509.Certificate
    key: rsa.RSAPrivateKey = attrs.field(repr=False)


@functools.cache
def _key(size: int, slot: int) -> rsa.RSAPrivateKey:
    # A few keys per process: RSA key generation is the slow part.
    return rsa.generate_private_key(public_exponent=65537, key_size=size)


def now() -> dt.datetime:
    return dt.datetime.now(UTC).replace(microsecond=0)


def make_cert(
    *,
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    days: float | None = None,
    common_name: str = "ipoffice-00E00701A2B3.avaya.com",
    issuer: Made | None = None,
    ca: bool = True,
    key_slot: int = 0,
    key_size: int = 2048,
) -> Made:
    """A certificate valid ``not_before``..``not_after`` (or from yesterday for ``days``).

    Self-signed unless ``issuer`` is given.  ``key_slot`` picks one of a few cached keys, so
    that a CA and a leaf (or two CAs) differ.
    """
    start = not_before or now() - dt.timedelta(days=1)
    if not_after is None:
        not_after = now() + dt.timedelta(days=800 if days is None else days)
    key = _key(key_size, key_slot)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Avaya Inc"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    signer_name = issuer.cert.subject if issuer else name
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(signer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(common_name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    )
    cert = builder.sign(signer_key, hashes.SHA256())
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return Made(
        cert.public_bytes(serialization.Encoding.PEM),
        cert.public_bytes(serialization.Encoding.DER),
        key_pem,
        cert,
        key,
    )


def openssl_sha1_cert(folder: pathlib.Path, days: int = 3650) -> Made:
    """A self-signed 1024-bit RSA certificate signed with SHA-1, made by ``openssl req``."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed (CI installs it): no SHA-1 certificate")
    cert_path, key_path = folder / "sha1.pem", folder / "sha1.key"
    result = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-sha1",
            "-nodes",
            "-days",
            str(days),
            "-subj",
            "/O=Avaya Inc/CN=ipoffice-old.avaya.com",
            "-keyout",
            str(key_path),
            "-out",
            str(cert_path),
        ],
        capture_output=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        pytest.skip(f"openssl req refuses a 1024-bit SHA-1 certificate: {result.stderr!r}")
    pem = cert_path.read_bytes()
    cert = x509.load_pem_x509_certificate(pem)
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Made(
        pem, cert.public_bytes(serialization.Encoding.DER), key_path.read_bytes(), cert, key
    )


# -- servers ------------------------------------------------------------------------------


@attrs.define
class Server:
    """A running test server: its port and how many connections it accepted."""

    port: int
    accepted: int = 0

    @property
    def base(self) -> str:
        return f"127.0.0.1:{self.port}"


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.1)
    return sock


@contextlib.contextmanager
def _serve(handle: Callable[[socket.socket], None]) -> Iterator[Server]:
    """A threaded accept loop on 127.0.0.1 calling ``handle`` per connection."""
    listener = _listener()
    server = Server(listener.getsockname()[1])
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def work(conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            conn.settimeout(10)
            handle(conn)

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except (TimeoutError, OSError):
                continue
            server.accepted += 1
            worker = threading.Thread(target=work, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    thread = threading.Thread(target=loop, daemon=True, name="test-server")
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(5)
        listener.close()
        for worker in workers:
            worker.join(5)


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def http_response(body: bytes, content_type: str = "text/plain") -> bytes:
    return (
        f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body


def server_context(made: Made, *, legacy: bool = False) -> ssl.SSLContext:
    """A server context presenting ``made``; ``legacy``: TLS 1.0 only, ``@SECLEVEL=0``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if legacy:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.maximum_version = ssl.TLSVersion.TLSv1
        context.set_ciphers("ALL:@SECLEVEL=0")
    elif made.cert.public_key().key_size < 2048:  # type: ignore[union-attr]
        context.set_ciphers("DEFAULT:@SECLEVEL=0")  # a 1024-bit key, any modern TLS
    with tempfile.TemporaryDirectory() as folder:
        cert, key = pathlib.Path(folder, "c.pem"), pathlib.Path(folder, "k.pem")
        cert.write_bytes(made.pem)
        key.write_bytes(made.key_pem)
        context.load_cert_chain(str(cert), str(key))
    return context


@contextlib.contextmanager
def tls_server(
    made: Made, *, legacy: bool = False, body: bytes = b"SET TRUSTCERTS x.pem\r\n"
) -> Iterator[Server]:
    """A real TLS server presenting ``made``; answers one HTTP request with ``body``.

    ``legacy=True`` speaks TLS 1.0 only with ``@SECLEVEL=0`` ciphers; the test is skipped
    when this machine's OpenSSL cannot do that.
    """
    try:
        context = server_context(made, legacy=legacy)
    except ssl.SSLError as exc:
        if not legacy:
            raise
        pytest.skip(f"this OpenSSL cannot serve TLS 1.0 with @SECLEVEL=0: {exc}")

    def handle(conn: socket.socket) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:
            if _read_request(tls):
                tls.sendall(http_response(body))

    with _serve(handle) as server:
        if legacy:
            _probe_legacy(server.port)
        yield server


def _probe_legacy(port: int) -> None:
    """Skip unless a TLS 1.0 handshake works here at all (both ends at @SECLEVEL=0)."""
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.check_hostname = False
    client.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client.minimum_version = ssl.TLSVersion.TLSv1
        client.maximum_version = ssl.TLSVersion.TLSv1
    client.set_ciphers("ALL:@SECLEVEL=0")
    try:
        with (
            socket.create_connection(("127.0.0.1", port), timeout=5) as raw,
            client.wrap_socket(raw) as tls,
        ):
            assert tls.version() == "TLSv1"
    except ssl.SSLError as exc:
        pytest.skip(f"this OpenSSL refuses a TLS 1.0 handshake even at @SECLEVEL=0: {exc}")


@contextlib.contextmanager
def dropping_server() -> Iterator[Server]:
    """Accepts TCP connections and closes them at once: a TLS handshake that drops."""
    with _serve(lambda conn: None) as server:
        yield server


@contextlib.contextmanager
def raw_http_server(
    raw: bytes, *, linger: float = 0.0, requests: list[bytes] | None = None
) -> Iterator[Server]:
    """Answers every request with exactly ``raw``, then closes (after ``linger`` s);
    each request's head is appended to ``requests`` when given."""

    def handle(conn: socket.socket) -> None:
        request = _read_request(conn)
        if requests is not None:
            requests.append(request)
        conn.sendall(raw)
        if linger:
            time.sleep(linger)

    with _serve(handle) as server:
        yield server


@contextlib.contextmanager
def dripping_server(
    *, interval: float = 2.0, headers_first: bool = True, total: float = 60.0
) -> Iterator[Server]:
    """Sends one byte every ``interval`` seconds (headers first, or the headers too)."""
    stop = threading.Event()
    body = b"SET TRUSTCERTS Root-CA-0214515C.pem\r\n" * 100
    head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()

    def handle(conn: socket.socket) -> None:
        _read_request(conn)
        stream = body
        if headers_first:
            conn.sendall(head)
        else:
            stream = head + body
        started = time.monotonic()
        for byte in stream:
            if stop.wait(interval) or time.monotonic() - started > total:
                return
            conn.sendall(bytes([byte]))

    with _serve(handle) as server:
        try:
            yield server
        finally:
            stop.set()


@contextlib.contextmanager
def file_server(folder: pathlib.Path) -> Iterator[str]:
    """A plain ``http.server`` over ``folder``; yields its base URL."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(folder), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
