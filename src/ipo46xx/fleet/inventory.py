"""The fleet's inventory: one TOML or CSV file listing IP Office sites.

TOML (``.toml``): an optional ``[defaults]`` table and one ``[[site]]`` table per site.
CSV (``.csv``): a header row naming the same fields, one row per site; an empty cell
means "not set".  Fields: ``name`` (unique; letters, digits, ``.``, ``_``, ``-``),
``ipo``, ``target``, and the single-site options ``smb_user``, ``encrypt``,
``password_env`` (the *name* of the variable holding the SMB password; default
``IPO46XX_SMB_PASSWORD``), ``ca_file`` (relative to the inventory's folder), ``pin``,
``insecure``, ``tls_port`` (a port or a list of ports; in CSV separated by blanks or
``;``) and ``timeout``.

A password, or any field that looks like a secret, is refused and never echoed: the
inventory names environment variables instead.  Every mistake raises
:class:`InventoryError` whose one-line message names the file, the line and the site.
The TOML reader (``tomllib``, or ``tomli`` on Python 3.10) is imported only here.
"""

from __future__ import annotations

import csv
import io
import os
import pathlib
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from ..errors import InputError
from ..logfilter import has_password
from ..office.download import settings_url
from ..storage import target_key
from .state import default_fleet_state_dir, fleet_journals_of

__all__ = [
    "FIELDS",
    "Inventory",
    "InventoryError",
    "Site",
    "default_fleet_state_dir",
    "fleet_journals_of",
    "load_inventory",
    "parse_inventory",
]

DEFAULT_PASSWORD_ENV = "IPO46XX_SMB_PASSWORD"

FIELDS = (
    "name",
    "ipo",
    "target",
    "smb_user",
    "encrypt",
    "password_env",
    "ca_file",
    "pin",
    "insecure",
    "tls_port",
    "timeout",
)
"""Every field a site may have, in the order the documentation lists them."""

_NAME = re.compile(r"[A-Za-z0-9._-]+\Z")
# Upper case only: a value with lower-case letters is more likely a password put in the
# wrong field, which must never be echoed in "set the variable X".
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*\Z")
_PIN = re.compile(r"(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}\Z")
_SECRET = re.compile(r"pass|pwd|secret|token|credential|api_?key|private", re.IGNORECASE)
_SITE_HEADER = re.compile(r"\s*\[\[\s*site\s*\]\]")
_DEFAULTS_HEADER = re.compile(r"\s*\[\s*defaults\s*\]")
_ANY_HEADER = re.compile(r"\s*\[")
_TRUE = {"true", "yes", "1", "on"}
_FALSE = {"false", "no", "0", "off"}


class InventoryError(InputError):
    """The inventory cannot be used: the message names the file, the line and the site."""


@attrs.frozen
class Site:
    """One IP Office and its SD card folder, with the single-site options.

    >>> Site("hq", "192.168.42.1", "/media/sd/system/primary").password_env
    'IPO46XX_SMB_PASSWORD'
    """

    name: str
    ipo: str
    target: str
    smb_user: str | None = None
    encrypt: bool = False
    password_env: str = DEFAULT_PASSWORD_ENV
    ca_file: str | None = None
    pin: str | None = None
    insecure: bool = False
    tls_ports: tuple[int, ...] = ()
    timeout: float | None = None
    line: int | None = attrs.field(default=None, eq=False)
    """Where the site is written in its inventory (for messages)."""

    @property
    def is_smb(self) -> bool:
        """True when the target is an SMB share (it needs a password)."""
        return self.target.strip().lower().startswith("smb://")


@attrs.frozen
class Inventory:
    """The sites of one inventory file, in file order.

    >>> inventory = parse_inventory('[[site]]\\nname = "hq"\\nipo = "10.0.0.1"\\n'
    ...                             'target = "/sd"\\n', "sites.toml")
    >>> [site.name for site in inventory.sites]
    ['hq']
    """

    path: pathlib.Path | None
    sites: tuple[Site, ...]

    def select(self, names: Sequence[str] | None) -> tuple[Site, ...]:
        """The named sites in inventory order (all without ``names``); unknown names fail.

        >>> inventory = Inventory(None, (Site("a", "ipo-a", "/a"), Site("b", "ipo-b", "/b")))
        >>> [site.name for site in inventory.select(["b"])]
        ['b']
        """
        if not names:
            return self.sites
        known = {site.name.lower() for site in self.sites}
        unknown = [name for name in names if name.lower() not in known]
        if unknown:
            where = f" in {self.path}" if self.path else ""
            raise InventoryError(
                f"no site named {', '.join(repr(n) for n in unknown)}{where}; "
                f"the sites are {', '.join(s.name for s in self.sites)}"
            )
        wanted = {name.lower() for name in names}
        return tuple(site for site in self.sites if site.name.lower() in wanted)


def load_inventory(path: str | os.PathLike[str]) -> Inventory:
    """Read and check an inventory file (``.toml`` or ``.csv``).

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "sites.csv"
    >>> _ = path.write_text("name,ipo,target\\nhq,192.168.42.1,/media/sd/system/primary\\n")
    >>> load_inventory(path).sites[0].ipo
    '192.168.42.1'
    """
    file = pathlib.Path(path)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InventoryError(f"{file}: cannot read the inventory ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InventoryError(
            f"{file} line {line}: not UTF-8 text; save the inventory as UTF-8"
        ) from None
    return parse_inventory(text, file)


def parse_inventory(text: str, path: str | os.PathLike[str]) -> Inventory:
    """Check an inventory given as text; ``path`` names it and its extension the format.

    >>> parse_inventory("name,ipo,target,password\\nhq,x,/sd,hunter2\\n", "s.csv")
    Traceback (most recent call last):
    ...
    ipo46xx.fleet.inventory.InventoryError: s.csv line 1: field 'password' looks like a secret: \
never put passwords in the inventory; name the environment variable that holds it with \
password_env (the value was not shown)
    """
    file = pathlib.Path(path)
    suffix = file.suffix.lower()
    if suffix == ".toml":
        rows = _toml_rows(text, file)
    elif suffix == ".csv":
        rows = _csv_rows(text, file)
    else:
        raise InventoryError(
            f"{file}: an inventory is a .toml or .csv file (the extension tells which)"
        )
    sites = []
    seen: dict[str, Site] = {}
    targets: dict[str, Site] = {}
    for row in rows:
        site = _site(row, file)
        earlier = seen.get(site.name.lower())
        if earlier is not None:
            raise InventoryError(
                f"{_where(file, site.line, site.name)}: duplicate name; site {earlier.name!r} "
                f"(line {earlier.line}) has it already (names are compared ignoring case)"
            )
        seen[site.name.lower()] = site
        key = target_key(site.target)  # one card, however it is spelled
        other = targets.get(key)
        if other is not None:
            raise InventoryError(
                f"{_where(file, site.line, site.name)}: the same target as site "
                f"{other.name!r} (line {other.line}), perhaps spelled differently; each site "
                "has its own SD card folder"
            )
        targets[key] = site
        sites.append(site)
    if not sites:
        raise InventoryError(f"{file}: no sites; add one [[site]] table or CSV row per site")
    return Inventory(file, tuple(sites))


# -- reading the two formats ----------------------------------------------------------


class _Row:
    """One site's raw fields, where they are, and the defaults under them."""

    def __init__(
        self,
        fields: Mapping[str, Any],
        line: int | None,
        key_lines: Mapping[str, int],
        defaults: Mapping[str, Any],
        defaults_line: int | None,
        typed: bool,
    ) -> None:
        self.fields = fields
        self.line = line
        self.key_lines = key_lines
        self.defaults = defaults
        self.defaults_line = defaults_line
        self.typed = typed  # TOML values carry types; CSV cells are text


def _toml_rows(text: str, file: pathlib.Path) -> list[_Row]:
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
    _check_fields(defaults, file, defaults_line, None, defaults_keys, in_defaults=True)
    rows = []
    for index, table in enumerate(tables):
        line = site_lines[index] if len(site_lines) == len(tables) else None
        rows.append(_Row(table, line, _key_lines(lines, line), defaults, defaults_line, True))
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


def _csv_rows(text: str, file: pathlib.Path) -> list[_Row]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise InventoryError(f"{file}: empty; the first row names the fields (name,ipo,...)")
        names = [cell.strip().lower() for cell in header]
        _check_fields(dict.fromkeys(names, ""), file, 1, None, {}, in_defaults=False)
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
                    f"{_where(file, line, label)}: {len(cells)} cells but the header names "
                    f"{len(names)} fields"
                )
            fields = {n: c.strip() for n, c in zip(names, cells, strict=True) if c.strip()}
            rows.append(_Row(fields, line, {}, {}, None, False))
    except csv.Error as exc:
        raise InventoryError(f"{file} line {reader.line_num}: not valid CSV: {exc}") from None
    return rows


# -- checking one site ----------------------------------------------------------------


def _where(file: pathlib.Path, line: int | None, site: str | None) -> str:
    text = str(file)
    if line is not None:
        text += f" line {line}"
    if site:
        text += f", site {site!r}"
    return text


def _check_fields(
    fields: Mapping[str, Any],
    file: pathlib.Path,
    line: int | None,
    site: str | None,
    key_lines: Mapping[str, int],
    *,
    in_defaults: bool,
) -> None:
    """Refuse secrets (without echoing them) and unknown fields."""
    for key in fields:
        where = _where(file, key_lines.get(key, line), site)
        if _SECRET.search(key) and key != "password_env":
            raise InventoryError(
                f"{where}: field {key!r} looks like a secret: never put passwords in the "
                "inventory; name the environment variable that holds it with password_env "
                "(the value was not shown)"
            )
        if key not in FIELDS or (in_defaults and key == "name"):
            allowed = ", ".join(f for f in FIELDS if not (in_defaults and f == "name"))
            raise InventoryError(f"{where}: unknown field {key!r}; the fields are {allowed}")


def _site(row: _Row, file: pathlib.Path) -> Site:
    raw_name = row.fields.get("name")
    label = raw_name if isinstance(raw_name, str) and raw_name else None
    _check_fields(row.fields, file, row.line, label, row.key_lines, in_defaults=False)
    merged: dict[str, Any] = {**row.defaults, **row.fields}

    def fail(problem: str, key: str | None = None) -> InventoryError:
        line = row.line
        if key is not None:
            if key in row.key_lines:
                line = row.key_lines[key]
            elif key not in row.fields and key in row.defaults:
                line = row.defaults_line
        return InventoryError(f"{_where(file, line, label)}: {problem}")

    def text(key: str) -> str | None:
        value = merged.get(key)
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise fail(f"{key} must be text (in quotes)", key)
        return value.strip()

    def flag(key: str) -> bool:
        value = merged.get(key)
        if value is None or value == "":
            return False
        if isinstance(value, bool):
            return value
        if not row.typed and isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise fail(f"{key} must be true or false", key)

    name = text("name")
    if name is None:
        raise fail("the site has no name; give each site a unique name")
    if not _NAME.match(name) or name in (".", ".."):
        raise fail(
            "the name may hold only letters, digits, '.', '_' and '-' (it names the "
            "site's journal folder)",
            "name",
        )
    label = name
    ipo, target = text("ipo"), text("target")
    if ipo is None:
        raise fail('no ipo: give the IP Office\'s address, e.g. ipo = "192.168.42.1"')
    if target is None:
        raise fail("no target: give the SD card folder, a path or smb://host/share/folder")
    _check_addresses(ipo, target, fail)
    password_env = text("password_env") or DEFAULT_PASSWORD_ENV
    if not _ENV_NAME.match(password_env):
        raise fail(
            "password_env must be the name of an environment variable (upper-case letters, "
            "digits, '_'), not the password itself (the value was not shown)",
            "password_env",
        )
    pin = text("pin")
    if pin is not None and not _PIN.match(pin):
        raise fail("pin must be a SHA-256 fingerprint: 64 hex digits (colons allowed)", "pin")
    ca_file = text("ca_file")
    if ca_file is not None:
        ca_file = str(file.parent / os.path.expanduser(ca_file))
    insecure = flag("insecure")
    if insecure and (ca_file or pin):
        raise fail("insecure cannot be combined with ca_file or pin", "insecure")
    return Site(
        name=name,
        ipo=ipo,
        target=target,
        smb_user=text("smb_user"),
        encrypt=flag("encrypt"),
        password_env=password_env,
        ca_file=ca_file,
        pin=pin,
        insecure=insecure,
        tls_ports=_ports(merged.get("tls_port"), row.typed, lambda p: fail(p, "tls_port")),
        timeout=_timeout(merged.get("timeout"), row.typed, lambda p: fail(p, "timeout")),
        line=row.line,
    )


def _check_addresses(ipo: str, target: str, fail: Any) -> None:
    """As strictly as the command line checks them; the messages never echo a password."""
    if has_password(target):
        raise fail(
            "the target URL holds a password; remove it from the URL and name the "
            "variable that holds it with password_env (the value was not shown)",
            "target",
        )
    for key, check in (("ipo", settings_url), ("target", target_key)):
        try:
            check(ipo if key == "ipo" else target)
        except InputError as exc:
            raise fail(f"{key}: {exc}", key) from None


def _ports(value: Any, typed: bool, fail: Any) -> tuple[int, ...]:
    if value is None or value == "":
        return ()
    items: Iterable[Any]
    if isinstance(value, list):
        items = value
    elif isinstance(value, str) and not typed:
        items = [v for v in re.split(r"[\s;]+", value) if v]
    else:
        items = [value]
    ports = []
    for raw in items:
        item = int(raw) if isinstance(raw, str) and not typed and raw.isdigit() else raw
        if isinstance(item, bool) or not isinstance(item, int) or not 1 <= item <= 65535:
            raise fail("tls_port must be a port number from 1 to 65535, or a list of them")
        ports.append(item)
    return tuple(ports)


def _timeout(value: Any, typed: bool, fail: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and not typed:
        try:
            value = float(value)
        except ValueError:
            raise fail("timeout must be a number of seconds") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 3600:
        raise fail("timeout must be a number of seconds, above 0 and at most 3600")
    return float(value)
