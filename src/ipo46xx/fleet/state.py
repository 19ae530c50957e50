"""Where the fleet keeps its journals: one folder per inventory file, one per site in it."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re

__all__ = ["default_fleet_state_dir", "fleet_journals_of"]


def default_fleet_state_dir(inventory: str | os.PathLike[str]) -> pathlib.Path:
    """``$XDG_STATE_HOME/ipo46xx/fleet/<inventory>-<hash>``: one folder per inventory file.

    >>> default_fleet_state_dir("/srv/sites.toml").name.startswith("sites.toml-")
    True
    """
    path = pathlib.Path(inventory).resolve()
    tag = hashlib.sha256(str(path).encode()).hexdigest()[:8]
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", path.name)[:60]
    return _fleet_home() / f"{slug}-{tag}"


def _fleet_home() -> pathlib.Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(
        os.path.expanduser("~"), ".local", "state"
    )
    return pathlib.Path(base) / "ipo46xx" / "fleet"


def fleet_journals_of(target_url: str) -> list[pathlib.Path]:
    """The site folders, in the default fleet state folders, whose journal is of ``target_url``.

    A card the fleet staged has no journal where single-site commands look first.

    >>> fleet_journals_of("file:///nowhere/at/all")
    []
    """
    found = []
    for path in sorted(_fleet_home().glob("*/*/journal.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # not this target's, as far as anyone can tell
        if isinstance(data, dict) and data.get("target") == target_url:
            found.append(path.parent)
    return found
