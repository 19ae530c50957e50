"""Many sites at once: the inventory and the runner that takes one action over its sites.

Each site runs the same :class:`~ipo46xx.staging.Stager` as the single-site commands, in
bounded worker threads, with one result per site.

May import: everything below it (errors, format, storage, office, staging); never the CLI.

``from ipo46xx.fleet import run_fleet`` keeps working: the names of the former
``ipo46xx.fleet`` module are found here, loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_module_getattr

__all__ = ["FleetProgress", "FleetResult", "SiteResult", "run_fleet"]

if TYPE_CHECKING:
    from .runner import FleetProgress, FleetResult, SiteResult, run_fleet
else:
    __getattr__ = lazy_module_getattr(__name__, "runner")
