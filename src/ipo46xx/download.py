"""Download a settings file from an IP Office over HTTP or HTTPS (advisory step 1).

The IP Office serves ``/46xxsettings.txt`` (the path is case-sensitive): the explicit
file from its SD card when there is one, else a file it generates.  Over HTTPS the
certificate is verified by default; because the certificate being replaced may have
expired already, ``verify=False`` is allowed as an explicit choice, and ``cafile=``
pins a saved root CA instead.
"""

from __future__ import annotations

import http.client
import logging
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

from .errors import FetchError, InputError
from .sniff import not_settings_reason

__all__ = ["DEFAULT_TIMEOUT", "MAX_BYTES", "SETTINGS_NAME", "fetch", "settings_url"]

DEFAULT_TIMEOUT = 15.0
"""Seconds to wait for the IP Office to connect and to answer."""

MAX_BYTES = 4 * 1024 * 1024
"""A larger body is not a settings file (Avaya's whole template is about 1 MB)."""

SETTINGS_NAME = "46xxsettings.txt"

log = logging.getLogger(__name__)


def settings_url(address: str, name: str = SETTINGS_NAME) -> str:
    """The URL of a file on an IP Office given as an address or base URL.

    >>> settings_url("192.168.42.1")
    'http://192.168.42.1/46xxsettings.txt'
    >>> settings_url("https://192.168.42.1:411/")
    'https://192.168.42.1:411/46xxsettings.txt'
    >>> settings_url("http://ipo/46xxsettings.txt")
    'http://ipo/46xxsettings.txt'
    """
    text = address.strip()
    if not text:
        raise InputError("the IP Office address is empty; give an address such as 192.168.42.1")
    if "://" not in text:
        text = "http://" + text
    parts = _split(text)
    if parts.scheme not in ("http", "https"):
        raise InputError(
            f"{address}: the IP Office is reached over http:// or https://, not {parts.scheme}://"
        )
    if not parts.hostname:
        raise InputError(f"{address}: no host; give an address such as 192.168.42.1")
    path = parts.path
    if path.rsplit("/", 1)[-1].lower().endswith(".txt"):
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path.rstrip("/") + "/" + name, "", "")
    )


def _split(url: str) -> urllib.parse.SplitResult:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018  (validates the port)
    except ValueError as exc:
        raise InputError(f"{url} is not a valid URL ({exc})") from None
    return parts


def _context(url: str, verify: bool, cafile: str | None) -> ssl.SSLContext | None:
    if not url.lower().startswith("https://"):
        return None
    if cafile is not None and not verify:
        raise InputError("a CA file pins the certificate; it cannot be combined with verify=False")
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise InputError(f"cannot use CA file {cafile}: {exc}; give a PEM certificate") from None


def fetch(
    url: str,
    *,
    verify: bool = True,
    cafile: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes:
    """Download ``url`` and return its bytes, refusing anything not a settings file.

    >>> fetch("ftp://ipo/46xxsettings.txt")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: ftp://ipo/46xxsettings.txt: only http:// and https:// ...
    """
    parts = _split(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url}: only http:// and https:// URLs can be fetched")
    context = _context(url, verify, cafile)
    try:
        request = urllib.request.Request(url, headers={"User-Agent": "ipo46xx"})
    except ValueError as exc:
        raise InputError(f"{url} is not a valid URL ({exc})") from None
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            body: bytes = response.read(MAX_BYTES + 1)
            content_type = response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        raise _http_error(url, exc.code, exc.reason) from None
    except urllib.error.URLError as exc:
        raise _network_error(url, exc.reason, timeout) from None
    except TimeoutError:
        raise FetchError(
            f"{url}: no answer within {timeout:g} s; check the address and that the IP Office is up"
        ) from None
    except (http.client.HTTPException, ConnectionError, OSError) as exc:
        raise FetchError(f"{url}: the download failed ({exc}); try again") from None
    except ValueError as exc:
        raise InputError(f"{url} is not a valid URL ({exc})") from None
    if len(body) > MAX_BYTES:
        raise FetchError(
            f"{url}: the answer is larger than {MAX_BYTES // (1024 * 1024)} MiB, which no "
            "settings file is; check the URL"
        )
    _check_body(url, body, content_type)
    log.debug("%s: %d bytes (%s)", url, len(body), content_type or "no content type")
    return body


def _http_error(url: str, code: int, reason: object) -> FetchError:
    if code == 404:
        return FetchError(
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
        return FetchError(f"{url}: no answer within {timeout:g} s; check the address")
    if isinstance(reason, socket.gaierror):
        return FetchError(f"{url}: the host name cannot be resolved; check its spelling")
    return FetchError(f"{url}: cannot connect ({reason}); check the address and the network")


def _check_body(url: str, body: bytes, content_type: str) -> None:
    reason = not_settings_reason(body, content_type)
    if reason == "an HTML page":
        raise FetchError(
            f"{url}: the answer is an HTML page, not a settings file (a login or error page?); "
            "check the URL"
        )
    if reason is not None:
        raise FetchError(f"{url}: the answer is {reason}, not a settings file; check the URL")
