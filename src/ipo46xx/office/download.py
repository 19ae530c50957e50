"""Download a settings file from an IP Office over HTTP or HTTPS (advisory step 1).

The IP Office serves ``/46xxsettings.txt`` (the path is case-sensitive): the explicit
file from its SD card when there is one, else a file it generates.  Over HTTPS the
certificate is verified by default; because the certificate being replaced may have
expired already, ``verify=False`` is allowed as an explicit choice, and ``cafile=``
pins a saved root CA instead.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.client
import logging
import os
import socket
import ssl
import urllib.parse

from ..errors import FetchError, InputError, NotServedError, out_of_files
from ..logfilter import redact_address
from .address import SETTINGS_NAME, settings_url, split_address
from .clock import DownloadClock
from .limits import DEADLINE_FACTOR, DEFAULT_TIMEOUT, MAX_TIMEOUT, Deadline, check_timeout
from .sniff import MAX_BYTES, not_settings_reason
from .wire import Exchange, printable

__all__ = [
    "DEADLINE_FACTOR",
    "DEFAULT_TIMEOUT",
    "LIKELY_CAUSES",
    "MAX_BYTES",
    "MAX_TIMEOUT",
    "SETTINGS_NAME",
    "Deadline",
    "check_settings_body",
    "check_timeout",
    "download",
    "fetch",
    "normalize_pin",
    "settings_url",
]

log = logging.getLogger(__name__)


def normalize_pin(pin: str) -> str:
    """A SHA-256 fingerprint as 64 lower-case hex digits; colons, blanks and case ignored.

    >>> normalize_pin("AB:" * 31 + "CD")[:6]
    'ababab'
    """
    text = pin.replace(":", "").replace(" ", "").strip().lower()
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise InputError(
            f"--pin {pin!r} is not a SHA-256 fingerprint (64 hex digits, colons allowed); "
            "copy it from `ipo46xx cert`"
        )
    return text


def _context(url: str, verify: bool, cafile: str | None, pin: str | None) -> ssl.SSLContext | None:
    if not url.lower().startswith("https://"):
        if cafile is not None:  # as a pin is: plain HTTP has nothing to check it against
            raise FetchError(
                f"{url}: plain HTTP presents no certificate to check against --ca-file; "
                "use the IP Office's https:// address, or drop --ca-file"
            )
        return None
    if sum((cafile is not None, not verify, pin is not None)) > 1:
        raise InputError(
            "--ca-file, --pin and --insecure cannot be combined: choose one way to check the "
            "IP Office's certificate"
        )
    if not verify or pin is not None:
        # A pin is checked against the presented certificate itself, after the handshake.
        return _unchecked_context()
    try:
        where = os.path.abspath(cafile) if cafile is not None else None
        return _checking_context(where, _stamp(where))
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"cannot use CA file {cafile}: {exc}; give a PEM certificate") from None


def _stamp(cafile: str | None) -> tuple[int, int, int] | None:
    """What tells a changed CA file from the one a context was made with."""
    try:
        stat = os.stat(cafile) if cafile is not None else None
    except OSError:
        return None  # the context fails to load it, and says why
    return None if stat is None else (stat.st_ino, stat.st_mtime_ns, stat.st_size)


# Loading the system's CA store takes some 30 ms of CPU: a fleet of HTTPS sites makes
# ten downloads per site.  A context holds no state of a connection and is shared.
@functools.lru_cache(maxsize=16)
def _checking_context(cafile: str | None, stamp: tuple[int, int, int] | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cafile)


@functools.cache
def _unchecked_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(
    url: str,
    *,
    verify: bool = True,
    cafile: str | None = None,
    pin: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Download ``url`` and return its bytes, refusing anything not a settings file.

    ``timeout`` bounds the whole download, not each read.  ``pin`` accepts an HTTPS
    server only when its certificate has that SHA-256 fingerprint.

    >>> fetch("ftp://ipo/46xxsettings.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: ftp://ipo/46xxsettings.txt: only http:// and https:// ...
    """
    body, content_type = download(url, verify=verify, cafile=cafile, pin=pin, timeout=timeout)
    check_settings_body(url, body, content_type)
    return body


def download(
    url: str,
    *,
    verify: bool = True,
    cafile: str | None = None,
    pin: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[bytes, str]:
    """The body and content type at ``url``, whatever it holds (a PEM file, say).

    Everything :func:`fetch` checks of the transfer is checked: the deadline, the pin,
    a body that does not match its ``Content-Length`` or a cut chunked body.

    >>> download("http://ipo/x.pem", timeout=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: the download time limit must be more than 0 and at most 3600 ...
    """
    check_timeout(timeout)
    parts = split_address(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{redact_address(url)}: only http:// and https:// URLs can be fetched")
    wanted = normalize_pin(pin) if pin is not None else None
    context = _context(url, verify, cafile, wanted)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    exchange = Exchange(parts.hostname, parts.port, path, timeout=timeout, context=context)
    clock = DownloadClock(exchange, timeout)
    try:
        with clock:
            exchange.connect()
            if wanted is not None:
                _check_pin(url, exchange.sock, wanted)
            exchange.send()
            # From here the clock bounds the reads, and shuts the socket when time is up: a
            # socket timeout too would poll() before every read, and each system call
            # hands the interpreter lock to another worker of a busy fleet.
            exchange.block()
            clock.start()
            exchange.read_head()
            if exchange.status >= 400:
                raise _http_error(url, exchange.status, exchange.reason)
            if 300 <= exchange.status < 400 and exchange.status != 304:
                raise _redirected(url, exchange)
            content_type = exchange.headers.get("content-type", "")
            body = _read_body(url, exchange)
    except FetchError:
        if clock.expired:  # the shut socket reads as a body cut short
            raise _late(url, timeout) from None
        raise
    except (OSError, http.client.HTTPException, UnicodeError) as exc:  # UnicodeError: IDNA
        if clock.expired:
            raise _late(url, timeout) from None
        # After a status line the port speaks HTTP: no probe (a second connection).
        probe = context is None and exchange.status == 0
        if probe and _speaks_tls(exc, parts.hostname, parts.port, timeout):
            https = urllib.parse.urlunsplit(("https", *parts[1:]))
            raise FetchError(f"{url}: this port speaks TLS: use https://, e.g. {https}") from None
        raise _network_error(url, exc, timeout) from None
    finally:
        exchange.close()
    if clock.expired:
        raise _late(url, timeout)
    log.debug("%s: %d bytes (%s)", url, len(body), content_type or "no content type")
    return body, content_type


def _speaks_tls(exc: Exception, host: str, port: int | None, timeout: float) -> bool:
    """True when plain HTTP failed because the port wants a TLS handshake.

    Servers answer HTTP on a TLS port in several ways (an alert, a bare close, a reset):
    a handshake of our own is the one test that tells.
    """
    if not isinstance(exc, (http.client.BadStatusLine, ConnectionResetError)):
        return False
    try:
        with (
            socket.create_connection((host, port or 80), timeout=min(timeout, 5.0)) as sock,
            # Only whether TLS answers; nothing is read.
            _unchecked_context().wrap_socket(sock, server_hostname=host),
        ):
            return True
    except (OSError, ValueError):
        return False


def _late(url: str, timeout: float) -> FetchError:
    return FetchError(
        f"{url}: no answer within {timeout:g} s (the whole download); check the address and "
        "that the IP Office is up, or allow more time with --timeout"
    )


def _check_pin(url: str, sock: socket.socket | None, wanted: str) -> None:
    der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
    if not der:
        raise FetchError(f"{url}: the server presented no certificate to check the pin against")
    presented = hashlib.sha256(der).hexdigest()
    if presented != wanted:
        raise FetchError(
            f"{url}: the certificate's SHA-256 fingerprint is {presented}, not the pinned "
            f"{wanted}; this is not the IP Office you pinned, or its certificate was "
            "regenerated (check with `ipo46xx cert`)"
        )


def _too_large(url: str) -> FetchError:
    return FetchError(
        f"{url}: the answer is larger than {MAX_BYTES // (1024 * 1024)} MiB, which no "
        "settings file is; check the URL"
    )


def _cut_short(url: str, got: int, expected: int | str) -> FetchError:
    return FetchError(
        f"{url}: the download was cut short ({got} of {expected} bytes); nothing was "
        "changed. Check the network and try again"
    )


def _redirected(url: str, exchange: Exchange) -> FetchError:
    where = exchange.headers.get("location")
    to = f" to {printable(redact_address(where))}" if where else ""
    return FetchError(
        f"{url}: the server redirects (HTTP {exchange.status} {exchange.reason}){to}; "
        "ipo46xx does not follow redirects: if that is the IP Office, give that address"
    )


def _read_body(url: str, exchange: Exchange) -> bytes:
    """The whole body, checked against its framing: never half a file."""
    coding = exchange.headers.get("transfer-encoding", "")
    if coding and not exchange.chunked and coding.lower() != "identity":
        # Chunk sizes and compressed bytes would be kept as the file.
        raise FetchError(
            f"{url}: the answer is sent with Transfer-Encoding {printable(coding)}, which "
            "ipo46xx did not ask for and does not decode; nothing was changed. Is a proxy "
            "between this PC and the IP Office rewriting answers?"
        )
    if exchange.chunked:
        try:
            return exchange.chunks(MAX_BYTES)
        except ValueError:
            raise _too_large(url) from None
        except http.client.IncompleteRead as exc:
            raise _cut_short(url, len(exc.partial), "a chunked body") from None
    length = exchange.length
    if length is not None and length > MAX_BYTES:
        raise _too_large(url)
    body = bytearray()
    # Read on past Content-Length: a short body and extra bytes behind it both show.
    while length is None or len(body) < length:
        data = exchange.read1(65536)
        if not data:
            break
        body += data
        if len(body) > MAX_BYTES:
            raise _too_large(url)
    if length is None:
        return bytes(body)
    if len(body) < length:
        raise _cut_short(url, len(body), length)
    extra = len(body) > length
    if not extra and exchange.will_close:
        with contextlib.suppress(OSError):
            extra = bool(exchange.read1(1))
    if extra:
        raise FetchError(
            f"{url}: the answer is longer than its Content-Length ({length} bytes); the "
            "transfer is garbled, nothing was changed. Try again"
        )
    return bytes(body)


def _http_error(url: str, code: int, reason: object) -> FetchError:
    name = urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]
    if code == 404 and name.lower() != SETTINGS_NAME.lower():
        return NotServedError(f"{url}: not found (HTTP 404); the IP Office does not serve {name}")
    if code == 404:
        return NotServedError(
            f"{url}: not found (HTTP 404). The path is case-sensitive: it must be "
            f"/{SETTINGS_NAME} exactly; check also that this is the IP Office's address"
        )
    if code in (401, 403):
        return FetchError(
            f"{url}: refused (HTTP {code} {reason}); check the IP Office's HTTP settings "
            "(System > System > Avaya HTTP Clients Only must be off to fetch from a PC)"
        )
    return FetchError(f"{url}: the IP Office answered HTTP {code} {reason}; try again later")


def _network_error(url: str, reason: object, timeout: float) -> FetchError:
    files = out_of_files(reason) if isinstance(reason, OSError) else None
    if files is not None:  # not the network's fault: no advice about addresses
        return FetchError(f"{url}: cannot connect: {files}")
    if isinstance(reason, ssl.SSLCertVerificationError):
        return FetchError(
            f"{url}: the certificate could not be verified ({reason.verify_message}). If the "
            "IP Office certificate has expired, pass the saved root CA with --ca-file, or "
            "choose --insecure knowingly"
        )
    if isinstance(reason, ssl.SSLError):
        return FetchError(
            f"{url}: the TLS handshake failed ({reason}); try http:// or check the port"
        )
    if isinstance(reason, ConnectionRefusedError):
        return FetchError(
            f"{url}: connection refused; check the address and port, and that the IP Office's "
            "HTTP server is enabled"
        )
    if isinstance(reason, TimeoutError):
        return _late(url, timeout)
    if isinstance(reason, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError)):
        return FetchError(f"{url}: the connection dropped in the middle; try again")
    if isinstance(reason, http.client.HTTPException):
        return FetchError(
            f"{url}: the answer is not valid HTTP ({type(reason).__name__}); is this the IP "
            "Office's HTTP port?"
        )
    if isinstance(reason, (socket.gaierror, UnicodeError)):
        return FetchError(f"{url}: the host name cannot be resolved; check its spelling")
    return FetchError(f"{url}: cannot connect ({reason}); check the address and the network")


LIKELY_CAUSES = (
    "Likely causes: the wrong address or port; a login or proxy page in front of the IP "
    "Office; or 'Avaya HTTP Clients Only' set on the IP Office (System > System), which "
    "serves the file to phones only"
)


def check_settings_body(url: str, body: bytes, content_type: str = "") -> None:
    """Refuse ``body`` from ``url`` when it cannot be a settings file, naming the likely causes."""
    reason = not_settings_reason(body, content_type)
    if reason is not None:
        raise FetchError(f"{url}: the answer is {reason}, not a settings file. {LIKELY_CAUSES}")
