"""IP Office addresses: ``192.168.42.1``, ``https://ipo:411/``, a bare IPv6 address, as
the URL of a file it serves, checked without ever echoing a password."""

from __future__ import annotations

import functools
import re
import urllib.parse

from ..errors import InputError
from ..logfilter import has_password, redact_address, split_url

__all__ = ["SETTINGS_NAME", "settings_url", "split_address"]

SETTINGS_NAME = "46xxsettings.txt"


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
        if _BARE_IPV6.match(text):
            text = f"[{text}]"  # a bare IPv6 address; a URL writes it in brackets
        text = "http://" + text
    parts = split_address(text)
    if parts.scheme not in ("http", "https"):
        raise InputError(
            f"{redact_address(address)}: the IP Office is reached over http:// or https://, "
            f"not {parts.scheme}://"
        )
    if not parts.hostname:
        raise InputError(
            f"{redact_address(address)}: no host; give an address such as 192.168.42.1"
        )
    path = parts.path
    if path.rsplit("/", 1)[-1].lower().endswith(".txt"):
        return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    return urllib.parse.urlunsplit(
        (parts.scheme, parts.netloc, path.rstrip("/") + "/" + name, "", "")
    )


_BARE_IPV6 = re.compile(r"[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[\w.-]+)?\Z")


@functools.lru_cache(maxsize=4096)
def split_address(url: str) -> urllib.parse.SplitResult:
    """``url`` split, or one line on what is wrong with it; a password is never echoed.

    Remembered: a fleet run asks again for every file of every site (a refusal is not
    remembered, and holds nothing to remember).

    >>> split_address("http://192.168.42.1:8080/46xxsettings.txt").port
    8080
    """
    if has_password(url):  # first: what follows may fail to parse, and must not echo it
        raise InputError(
            f"{redact_address(url)}: the address contains a password; the IP Office's file "
            "service needs none, and a password on the command line ends up in shell history "
            "and logs. Remove user:password@ from it"
        )
    if not url.isprintable() or _SPACE.search(url):
        raise InputError(
            f"{redact_address(url)!r}: an address holds no space or control character; check "
            "what you gave (a space in a path is written %20)"
        )
    parts = split_url(url, "http://[2001:db8::1]:8080/")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0 and re.search(r":[^\]]*\Z", parts.netloc):
        raise InputError(f"{redact_address(url)}: the port must be a number from 1 to 65535")
    return parts


_SPACE = re.compile(r"\s")
