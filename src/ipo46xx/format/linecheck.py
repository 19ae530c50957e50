"""Lint checks of whole files and of lines as written: encodings, templates, lines that
look like settings but are comments to phones, and indented statements.

Sources and what is unknown: docs/format.md ("Lines").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

from .document import SettingsFile
from .evaluation import Finding
from .statements import Tag

__all__ = ["PARAMETERS", "UTF16_ADVICE", "check_lines", "looks_utf16", "unreadable"]

_Add = Callable[[int, str, str, str], None]

PARAMETERS = frozenset(
    {
        "AGTFWDHOTLINE",
        "APPNAME",
        "AUDIOENV",
        "AUDIOSTHS",
        "AUTH",
        "BAKLIGHTOFF",
        "BRURI",
        "CALLFWDSTAT",
        "CLDELCALLBK",
        "CONFERENCEFACTORY",
        "CONTROLLER_SEARCH_INTERVAL",
        "COUNTRY",
        "DATEFORMAT",
        "DAYLIGHT_SAVING_SETTING_MODE",
        "DHCPSTD",
        "DIALPLAN",
        "DIRSRVR",
        "DISPLAY_NAME_NUMBER",
        "DSCPAUD",
        "DSCPSIG",
        "DSTOFFSET",
        "DSTSTART",
        "DSTSTOP",
        "ENABLE_AVAYA_ENVIRONMENT",
        "ENABLE_IPOFFICE",
        "ENABLE_PRESENCE",
        "ENHDIALSTAT",
        "EXTENSION_ON_TOP_LINE",
        "FAILBACK_POLICY",
        "FONTFILE",
        "GMTOFFSET",
        "GROUP",
        "HTTPDIR",
        "HTTPPORT",
        "HTTPSRVR",
        "ICMPDU",
        "ICMPRED",
        "LANGUAGES",
        "LANGUAGE_IN_USE",
        "LLDP_ENABLED",
        "LOGLOCAL",
        "LOGSRVR",
        "MEDIAENCRYPTION",
        "MYCERTCAID",
        "MYCERTCN",
        "MYCERTURL",
        "MYCERTWAIT",
        "NTPSRVR",
        "OBSCURE_PREFERENCES",
        "PHNDPLENGTH",
        "PHNEMERGNUM",
        "PHNLDLENGTH",
        "PROCPSWD",
        "PROCSTAT",
        "PUSHCAP",
        "PUSHPORT",
        "RINGTONES",
        "SCEPPASSWORD",
        "SCREENSAVER",
        "SCREENSAVERON",
        "SIG",
        "SIPDOMAIN",
        "SIPPORT",
        "SIPREGPROXYPOLICY",
        "SIPSIGNAL",
        "SIPUSERNAME",
        "SIP_CONTROLLER_LIST",
        "SIP_USER_ACCOUNT",
        "SNMPADD",
        "SNMPSTRING",
        "SNTPSRVR",
        "SPEAKERSTAT",
        "SSH_ALLOWED",
        "SUBSCRIBE_SECURITY",
        "TIMEFORMAT",
        "TLSDIR",
        "TLSPORT",
        "TLSSRVR",
        "TLSSRVRID",
        "TPSLIST",
        "TRUSTCERTS",
        "USE_EXCHANGE_CALENDAR",
        "VLANTEST",
        "VPNCODE",
        "WMLHOME",
    }
)
"""Parameter names from the guides' parameter tables and the files this project reads;
a line that starts with one without ``SET`` is a setting phones never see."""

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_TEMPLATE_ANYWHERE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_TEMPLATE_BLOCK = re.compile(r"[ \t]*\{/?(?:if|else|elseif|foreach|for|end)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>|\{\$[A-Za-z_]\w*\}")
# A name, then '=' or blanks, then one value: a word or a quoted string.  Prose such as
# 'GROUP 5 is the reception' has more words and stays a comment.
_LOOKS_SET = re.compile(
    r"[ \t]*(?P<name>[A-Z][A-Z0-9_]{0,29})(?:[ \t]*=[ \t]*|[ \t]+)"
    r'(?P<value>"[^"]*"|[^ \t"]+)[ \t]*'
)


UTF16_ADVICE = "save it as UTF-8 without a byte-order mark, or as ANSI: phones read those"


def looks_utf16(data: bytes) -> bool:
    """Whether ``data`` starts like UTF-16 text: its byte-order mark, or NUL every other byte.

    >>> looks_utf16("SET A 1".encode("utf-16-le")), looks_utf16(b"SET A 1")
    (True, False)
    """
    if data.startswith(_UTF16_BOMS):
        return True
    # ASCII text in UTF-16: each character a printable byte beside a NUL, on one side.
    pairs = [data[i : i + 2] for i in range(0, min(len(data), 64) - 1, 2)]
    for nul in (0, 1):
        text = sum(
            p[nul] == 0 and (p[1 - nul] in b"\t\r\n" or 32 <= p[1 - nul] < 127) for p in pairs
        )
        if pairs and text * 10 >= len(pairs) * 9:
            return True
    return False


def unreadable(doc: SettingsFile) -> Finding | None:
    """The one finding for a file that is not a settings file phones can read, or None.

    UTF-16 text, and templates a provisioning system has not rendered yet: one finding
    for the whole file, instead of one on every line.

    >>> from ipo46xx import parse
    >>> unreadable(parse("SET SIPDOMAIN {{ domain }}")).code
    'template'
    """
    head = doc.line(1).text.encode(doc.encoding, "surrogateescape") if len(doc) else b""
    if looks_utf16(head):
        return Finding(1, "error", "utf-16", f"this file is UTF-16 text: {UTF16_ADVICE}", doc.name)
    for line in doc.lines:
        text = line.text
        if (
            _TEMPLATE_ANYWHERE.search(text)
            or _TEMPLATE_BLOCK.match(text)
            or (line.statement is not None and _PLACEHOLDER.search(text))
        ):
            return Finding(
                line.number,
                "error",
                "template",
                f"this is a template, not a settings file: line {line.number} holds a "
                "placeholder a provisioning system fills in; lint the file it renders",
                doc.name,
            )
    return None


def check_lines(doc: SettingsFile, landing: Collection[int], add: _Add) -> None:
    """Report ``byte-order-mark``, ``missing-set`` and ``indented`` findings.

    ``landing`` holds the lines of the tags jumps land on.
    """
    if doc.bom:
        lost = len(doc) > 0 and not doc.line(1).is_comment
        add(
            1,
            "warning",
            "byte-order-mark",
            "the file starts with a UTF-8 byte-order mark; a phone that does not skip it reads "
            + ("line 1 as a comment and loses its statement" if lost else "it as text")
            + ": save the file without the mark (UTF-8 without BOM, or ANSI)",
        )
    for line in doc.lines:
        statement = line.statement
        if statement is None:
            _check_comment(line.number, line.text, add)
        elif line.text[:1] in (" ", "\t") and (
            not isinstance(statement, Tag) or line.number in landing
        ):
            what = "tag" if isinstance(statement, Tag) else "statement"
            add(
                line.number,
                "warning",
                "indented",
                f"blanks before the {what}: the guides say it begins the line, and whether "
                f"phones skip the blanks is not documented; ipo46xx reads a {what}, a phone "
                "may read a comment: remove the blanks",
            )


def _check_comment(number: int, text: str, add: _Add) -> None:
    match = _LOOKS_SET.fullmatch(text)
    if match is None:
        return
    name, value = match.group("name"), match.group("value").rstrip(" \t")
    known = name in PARAMETERS
    if not known and "_" not in name:
        return
    meant = name[4:] if name.startswith("SET_") and len(name) > 4 else name
    add(
        number,
        "error" if known else "warning",
        "missing-set",
        f"phones read this line as a comment: it does not begin with SET; "
        f"to set {meant} write SET {meant} {value}",
    )
