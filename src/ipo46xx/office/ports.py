"""Where phones meet an IP Office's certificate: its host, and the TLS ports its files give.

The ports are what the phones are told (``TLSPORT``, 411 by default on 96x1 phones) plus
443 and the port of an ``https://`` address; :mod:`.certificates` reads what each presents.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..format.document import SettingsFile

__all__ = [
    "DEFAULT_TLS_PORT",
    "HTTPS_PORT",
    "host_of",
    "phone_tls_ports",
    "served_tls_ports",
    "tls_ports",
]

HTTPS_PORT = 443
DEFAULT_TLS_PORT = 411
"""The ``TLSPORT`` of a 96x1 phone whose settings name none (96x1 administration guide)."""


def host_of(ipo: str) -> tuple[str, int | None]:
    """The host of an IP Office address or URL, and the port when it is an https:// URL.

    >>> host_of("https://[::1]:411/46xxsettings.txt")
    ('::1', 411)
    >>> host_of("192.168.42.1")
    ('192.168.42.1', None)
    """
    import urllib.parse  # noqa: PLC0415

    from .address import settings_url  # noqa: PLC0415

    parts = urllib.parse.urlsplit(settings_url(ipo))
    assert parts.hostname is not None  # settings_url refuses a URL without a host
    https = parts.scheme == "https"
    return parts.hostname, (parts.port or HTTPS_PORT) if https else None


def tls_ports(values: Iterable[str | None]) -> list[int]:
    """Port numbers from ``TLSPORT`` values, in order, without repeats; junk is skipped.

    >>> tls_ports(["411", None, "443", "411", "x"])
    [411, 443]
    """
    ports: list[int] = []
    for value in values:
        if value is not None and value.strip().isdigit():
            port = int(value.strip())
            if 0 < port < 65536 and port not in ports:
                ports.append(port)
    return ports


def served_tls_ports(
    ipo: str, *, verify: bool, cafile: str | None, pin: str | None, timeout: float
) -> list[int]:
    """Every ``TLSPORT`` that the file the IP Office serves gives any phone profile."""
    from ..format.document import parse  # noqa: PLC0415
    from .download import fetch, settings_url  # noqa: PLC0415

    url = settings_url(ipo)
    doc = parse(fetch(url, verify=verify, cafile=cafile, pin=pin, timeout=timeout))
    return phone_tls_ports(doc)


def phone_tls_ports(doc: SettingsFile) -> list[int]:
    """The ``TLSPORT`` each phone profile gets from ``doc``; 411, the phones' default, for a
    profile the file gives none.

    >>> from ipo46xx import parse
    >>> phone_tls_ports(parse(b"IF $SIG SEQ 2 GOTO SIP\\nSET TLSPORT 443\\n# SIP\\n"))
    [443, 411]
    """
    from ..format.profiles import setting_per_profile  # noqa: PLC0415

    values = setting_per_profile(doc, "TLSPORT").values()
    return tls_ports(str(DEFAULT_TLS_PORT) if v is None else v for v in values)
