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
One site's fields and their checks are in :mod:`.site`; reading the two formats is in
:mod:`.inventory_formats` (the only place a TOML reader is imported).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Sequence

import attrs

from ..storage import target_key
from .inventory_formats import csv_sites, toml_sites
from .site import FIELDS, InventoryError, Site, location, site_of
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
    ipo46xx.fleet.site.InventoryError: s.csv line 1: field 'password' looks like a secret: \
never put passwords in the inventory; name the environment variable that holds it with \
password_env (the value was not shown)
    """
    file = pathlib.Path(path)
    suffix = file.suffix.lower()
    if suffix == ".toml":
        rows = toml_sites(text, file)
    elif suffix == ".csv":
        rows = csv_sites(text, file)
    else:
        raise InventoryError(
            f"{file}: an inventory is a .toml or .csv file (the extension tells which)"
        )
    sites = []
    seen: dict[str, Site] = {}
    targets: dict[str, Site] = {}
    for row in rows:
        site = site_of(row, file)
        earlier = seen.get(site.name.lower())
        if earlier is not None:
            raise InventoryError(
                f"{location(file, site.line, site.name)}: duplicate name; site {earlier.name!r} "
                f"(line {earlier.line}) has it already (names are compared ignoring case)"
            )
        seen[site.name.lower()] = site
        key = target_key(site.target)  # one card, however it is spelled
        other = targets.get(key)
        if other is not None:
            raise InventoryError(
                f"{location(file, site.line, site.name)}: the same target as site "
                f"{other.name!r} (line {other.line}), perhaps spelled differently; each site "
                "has its own SD card folder"
            )
        targets[key] = site
        sites.append(site)
    if not sites:
        raise InventoryError(f"{file}: no sites; add one [[site]] table or CSV row per site")
    return Inventory(file, tuple(sites))
