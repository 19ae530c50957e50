"""One site of a fleet inventory: its fields, the checks each field gets, and the checked
:class:`Site`.

The two formats (:mod:`.inventory_formats`) hand over each site's raw fields as a
:class:`RawSite`; :func:`site_of` checks them as strictly as the command line checks its
options.  A password, or any field that looks like a secret, is refused and never echoed.
"""

from __future__ import annotations

import os
import pathlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from ..errors import InputError
from ..logfilter import has_password
from ..office.address import settings_url
from ..storage import check_target

__all__ = [
    "DEFAULT_PASSWORD_ENV",
    "FIELDS",
    "InventoryError",
    "RawSite",
    "Site",
    "check_fields",
    "location",
    "site_of",
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


class RawSite:
    """One site's raw fields, where they are, and the defaults under them.

    >>> RawSite({"name": "hq"}, 2, {}, {}, None, typed=False).fields
    {'name': 'hq'}
    """

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


def location(file: pathlib.Path, line: int | None, site: str | None) -> str:
    """Where a mistake is, as every inventory message begins.

    >>> location(pathlib.Path("sites.toml"), 7, "hq")
    "sites.toml line 7, site 'hq'"
    """
    text = str(file)
    if line is not None:
        text += f" line {line}"
    if site:
        text += f", site {site!r}"
    return text


def check_fields(
    fields: Mapping[str, Any],
    file: pathlib.Path,
    line: int | None,
    site: str | None,
    key_lines: Mapping[str, int],
    *,
    in_defaults: bool,
) -> None:
    """Refuse secrets (without echoing them) and unknown fields.

    >>> check_fields({"pwd": "hunter2"}, pathlib.Path("s.csv"), 1, None, {}, in_defaults=False)
    Traceback (most recent call last):
    ...
    ipo46xx.fleet.site.InventoryError: s.csv line 1: field 'pwd' looks like a secret: never \
put passwords in the inventory; name the environment variable that holds it with password_env \
(the value was not shown)
    """
    for key in fields:
        where = location(file, key_lines.get(key, line), site)
        if _SECRET.search(key) and key != "password_env":
            raise InventoryError(
                f"{where}: field {key!r} looks like a secret: never put passwords in the "
                "inventory; name the environment variable that holds it with password_env "
                "(the value was not shown)"
            )
        if key not in FIELDS or (in_defaults and key == "name"):
            allowed = ", ".join(f for f in FIELDS if not (in_defaults and f == "name"))
            raise InventoryError(f"{where}: unknown field {key!r}; the fields are {allowed}")


def site_of(row: RawSite, file: pathlib.Path) -> Site:
    """The checked site of ``row``, its defaults under it; raises :class:`InventoryError`.

    >>> row = RawSite({"name": "hq", "ipo": "10.0.0.1", "target": "/sd"}, 3, {}, {}, None, True)
    >>> site_of(row, pathlib.Path("sites.toml")).ipo
    '10.0.0.1'
    """
    raw_name = row.fields.get("name")
    label = raw_name if isinstance(raw_name, str) and raw_name else None
    check_fields(row.fields, file, row.line, label, row.key_lines, in_defaults=False)
    merged: dict[str, Any] = {**row.defaults, **row.fields}

    def fail(problem: str, key: str | None = None) -> InventoryError:
        line = row.line
        if key is not None:
            if key in row.key_lines:
                line = row.key_lines[key]
            elif key not in row.fields and key in row.defaults:
                line = row.defaults_line
        return InventoryError(f"{location(file, line, label)}: {problem}")

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
    for key, check in (("ipo", settings_url), ("target", check_target)):
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
