"""A logging filter that keeps authentication tokens and noisy internals out of logs.

Under ``-v`` the command line logs ipo46xx's own records in full, but ``spnego`` and
``smbprotocol`` log the whole NTLM exchange at DEBUG ("SPNEGO step input/output", the
SESSION_SETUP buffers in hex), from which a password can be cracked offline.  The
library never configures logging; the command line installs :class:`SecretFilter` on
its handler, and any program that logs SMB work can do the same.
"""

from __future__ import annotations

import base64
import logging
import re
import urllib.parse

from .errors import InputError

__all__ = ["SecretFilter", "has_password", "redact_address", "split_url"]

_SIGNATURE = b"NTLMSSP\x00"


def _base64_forms(data: bytes) -> tuple[str, ...]:
    """``data`` as it appears inside base64 text at each of the three alignments."""
    forms = []
    for shift in range(3):
        encoded = base64.b64encode(b"\x00" * shift + data).decode()
        # Drop the characters that also depend on the bytes around ``data``.
        start = (shift * 4 + 2) // 3
        forms.append(encoded[start : len(encoded) - 4])
    return tuple(forms)


_BASE64 = _base64_forms(_SIGNATURE)
_HEX = _SIGNATURE[:7].hex()
_NOT_HEX = re.compile(r"[^0-9a-f]")
# Words of the records that carry tokens or security buffers, whatever the encoding.
_WORDS = re.compile(
    r"spnego|ntlm|gssapi|credssp|sspi|security_buffer|session_setup|step (in|out)put|token",
    re.IGNORECASE,
)


class SecretFilter(logging.Filter):
    """Pass ipo46xx's records; others at INFO and above; none that carries a token.

    >>> keep = SecretFilter()
    >>> keep.filter(logging.LogRecord("ipo46xx.staging", logging.DEBUG, "", 1, "park", (), None))
    True
    >>> keep.filter(logging.LogRecord("smbprotocol", logging.DEBUG, "", 1, "buffer", (), None))
    False
    """

    def __init__(self, own: str = "ipo46xx", level: int = logging.INFO) -> None:
        super().__init__()
        self._own = own
        self._level = level

    def filter(self, record: logging.LogRecord) -> bool:
        own = record.name == self._own or record.name.startswith(self._own + ".")
        if not own and record.levelno < self._level:
            return False
        try:
            message = record.getMessage()
        except Exception:  # a record that cannot be formatted is not shown
            return False
        return not _carries_token(message)


def _carries_token(message: str) -> bool:
    if _WORDS.search(message) or any(form in message for form in _BASE64):
        return True
    return _HEX in _NOT_HEX.sub("", message.lower())


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")


def redact_address(address: str) -> str:
    """``address`` fit to show: whatever could be a password before its last ``@`` hidden.

    Used wherever an address given by the user reaches an output, before it is known to
    be well formed: a malformed address (unbalanced brackets, no scheme) can still hold
    ``user:password@``, and the password may itself hold ``/``, ``@`` or ``:``.  Only
    display suffers when a path holds ``:`` and ``@``; a secret never shows.

    >>> redact_address("smb://admin:hunter2@[::1/share")
    'smb://admin:***@[::1/share'
    >>> redact_address("smb://admin@fileserver/ipo")
    'smb://admin@fileserver/ipo'
    """
    text = str(address)
    scheme = _SCHEME.match(text)
    start = scheme.end() if scheme else 0
    at = text.rfind("@", start)
    colon = text.find(":", start, at)
    if at < 0 or colon < 0:
        return text
    return text[:colon] + ":***" + text[at:]


def has_password(address: str) -> bool:
    """True when the authority of ``address`` (scheme optional) holds ``user:password@``.

    Decided without parsing the rest, so a malformed address is judged too.

    >>> has_password("http://[admin:pw@ipo]/"), has_password("smb://admin@host/sd")
    (True, False)
    """
    text = str(address)
    if "@" not in text:  # no user information, so no password (and no parsing to do)
        return False
    scheme = _SCHEME.match(text)
    authority = re.split(r"[/?#]", text[scheme.end() if scheme else 0 :], maxsplit=1)[0]
    userinfo, at, _ = authority.rpartition("@")
    if at and ":" in userinfo:
        return True
    try:
        return urllib.parse.urlsplit(text).password is not None
    except ValueError:
        return False


def split_url(url: str, example: str) -> urllib.parse.SplitResult:
    """``url`` taken apart, or an :class:`InputError` that shows it only redacted.

    The caller has refused a password first; ``example`` is a well-formed URL to copy.

    >>> split_url("smb://[::1/sd", "smb://[2001:db8::1]/sd")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: smb://[::1/sd is not a valid URL: brackets [ ] hold ...
    """
    try:
        parts = urllib.parse.urlsplit(url)
        parts.hostname  # noqa: B018  (checks the brackets of an IPv6 address)
    except ValueError:
        raise InputError(
            f"{redact_address(url)} is not a valid URL: brackets [ ] hold an IPv6 address "
            f"and nothing else, e.g. {example}"
        ) from None
    return parts
