"""Tell a settings file from things that are not: HTML pages and binary data.

A login or error page, a firmware image or a picture given by mistake must be refused
before anything parses, edits or stages it.  This knows nothing of the file format.
"""

from __future__ import annotations

__all__ = ["not_settings_reason"]

_SAMPLE = 4096


def not_settings_reason(data: bytes, content_type: str = "") -> str | None:
    """Why ``data`` cannot be a settings file, or ``None`` when it may be one.

    >>> not_settings_reason(b"<!DOCTYPE html><html>")
    'an HTML page'
    >>> not_settings_reason(b"SET TRUSTCERTS x.pem\\r\\n") is None
    True
    """
    head = data[:_SAMPLE].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if "text/html" in content_type.lower() or head.startswith((b"<!doctype", b"<html")):
        return "an HTML page"
    sample = data[:_SAMPLE]
    # Real files may hold a stray NUL or form feed, never many control bytes.
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    if sample and control * 20 > len(sample):
        return "binary data"
    return None
