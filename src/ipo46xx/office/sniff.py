"""Tell a settings file from things that are not: HTML pages, UTF-16 text, binary data.

A login or error page, a firmware image or a picture given by mistake must be refused
before anything parses, edits or stages it.  This knows nothing of the file format.
"""

from __future__ import annotations

import json

from ..format.document import MAX_BYTES
from ..format.linecheck import UTF16_ADVICE, looks_utf16

__all__ = ["MAX_BYTES", "not_settings_reason"]

_SAMPLE = 4096


_HTML_MARKS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<form", b"<script")


def not_settings_reason(data: bytes, content_type: str = "") -> str | None:
    """Why ``data`` cannot be a settings file, or ``None`` when it may be one.

    >>> not_settings_reason(b"<!DOCTYPE html><html>")
    'an HTML page'
    >>> not_settings_reason(b'{"error": "login required"}')
    'a JSON document'
    >>> not_settings_reason(b"SET TRUSTCERTS x.pem\\r\\n") is None
    True
    """
    sample = data[:_SAMPLE]
    head = sample.lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if not head:
        return "empty" if not data else "only blank lines"
    if "text/html" in content_type.lower() or any(mark in head for mark in _HTML_MARKS):
        return "an HTML page"
    if "json" in content_type.lower() or _is_json(data):
        return "a JSON document"
    if looks_utf16(sample):
        return f"UTF-16 text ({UTF16_ADVICE})"
    # Real files may hold a stray NUL or form feed, never many control bytes.
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    if control * 20 > len(sample):
        return "binary data"
    return None


def _is_json(data: bytes) -> bool:
    text = data.strip()
    if text[:1] not in (b"{", b"["):
        return False
    try:
        json.loads(text)
    except ValueError:
        return False
    return True
