"""Reading a fleet inventory's two formats, TOML and CSV, into raw sites that know the
lines they are written on (for messages).

The TOML reader (``tomllib``, or ``tomli`` on Python 3.10) is imported only here, and only
when a TOML inventory is read.
"""

from __future__ import annotations

import csv
import io
import pathlib
import re
import sys

from .site import InventoryError, RawSite, check_fields, location

__all__ = ["csv_sites", "toml_sites"]

_SITE_HEADER = re.compile(r"\s*\[\[\s*site\s*\]\]")
_DEFAULTS_HEADER = re.compile(r"\s*\[\s*defaults\s*\]")
_ANY_HEADER = re.compile(r"\s*\[")


def toml_sites(text: str, file: pathlib.Path) -> list[RawSite]:
    """The raw sites of a TOML inventory, with the lines of their tables and keys.

    >>> [s.line for s in toml_sites('[[site]]\\nname = "hq"\\n', pathlib.Path("s.toml"))]
    [1]
    """
    if sys.version_info >= (3, 11):
        import tomllib  # noqa: PLC0415  (a TOML reader only when an inventory is read)
    else:  # pragma: no cover  (Python 3.10)
        import tomli as tomllib  # noqa: PLC0415

    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = re.search(r"\(at line (\d+), column \d+\)", message)
        at = f" line {found.group(1)}" if found else ""
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message)
        raise InventoryError(f"{file}{at}: not valid TOML: {reason}") from None
    lines = text.splitlines()
    site_lines = [n for n, t in enumerate(lines, 1) if _SITE_HEADER.match(t)]
    defaults_line = next((n for n, t in enumerate(lines, 1) if _DEFAULTS_HEADER.match(t)), None)
    for key in document:
        if key not in ("site", "defaults"):
            raise InventoryError(
                f"{file}: unknown table or key {key!r} at the top level; an inventory has "
                "an optional [defaults] table and one [[site]] table per site"
            )
    defaults = document.get("defaults", {})
    if not isinstance(defaults, dict):
        raise InventoryError(f"{file}: 'defaults' must be a table: [defaults]")
    tables = document.get("site", [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise InventoryError(f"{file}: write each site as a [[site]] table")
    defaults_keys = _key_lines(lines, defaults_line)
    check_fields(defaults, file, defaults_line, None, defaults_keys, in_defaults=True)
    rows = []
    for index, table in enumerate(tables):
        line = site_lines[index] if len(site_lines) == len(tables) else None
        rows.append(RawSite(table, line, _key_lines(lines, line), defaults, defaults_line, True))
    return rows


def _key_lines(lines: list[str], header: int | None) -> dict[str, int]:
    """The line of each ``key =`` in the table whose header is on line ``header``."""
    found: dict[str, int] = {}
    if header is None:
        return found
    for number in range(header + 1, len(lines) + 1):
        text = lines[number - 1]
        if _ANY_HEADER.match(text):
            break
        match = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", text)
        if match:
            found.setdefault(match.group(1), number)
    return found


def csv_sites(text: str, file: pathlib.Path) -> list[RawSite]:
    """The raw sites of a CSV inventory, one per row that is not blank.

    >>> [s.fields for s in csv_sites("name,ipo\\nhq,10.0.0.1\\n", pathlib.Path("s.csv"))]
    [{'name': 'hq', 'ipo': '10.0.0.1'}]
    """
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InventoryError(f"{file}: empty; the first row names the fields (name,ipo,...)")
        names = [cell.strip().lower() for cell in header]
        check_fields(dict.fromkeys(names, ""), file, 1, None, {}, in_defaults=False)
        duplicated = sorted({name for name in names if names.count(name) > 1})
        if duplicated:
            raise InventoryError(f"{file} line 1: column {duplicated[0]!r} appears twice")
        rows = []
        start = reader.line_num + 1
        for cells in reader:
            line = start
            start = reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue  # a blank row, as spreadsheets leave at the end
            if len(cells) != len(names):
                label = cells[0].strip() if cells and names and names[0] == "name" else ""
                raise InventoryError(
                    f"{location(file, line, label)}: {len(cells)} cells but the header names "
                    f"{len(names)} fields"
                )
            fields = {n: c.strip() for n, c in zip(names, cells, strict=True) if c.strip()}
            rows.append(RawSite(fields, line, {}, {}, None, False))
    except csv.Error as exc:
        raise InventoryError(f"{file} line {reader.line_num}: not valid CSV: {exc}") from None
    return rows
