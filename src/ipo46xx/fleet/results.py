"""What a fleet run gives: one :class:`SiteResult` per site, the whole
:class:`FleetResult`, the progress events, and the run's exit status.

Plain values: :mod:`.runner` makes them, the command line and the report read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from ..staging.stager import Stager

__all__ = [
    "ACTIONS",
    "CHANGING_ACTIONS",
    "DEFAULT_JOBS",
    "NOT_RUN",
    "FleetProgress",
    "FleetResult",
    "SiteResult",
    "fleet_exit",
    "summarise",
]

ACTIONS = ("cert", "status", "stage", "change", "verify", "restore", "rollback")
"""What a fleet run can do to each site."""

CHANGING_ACTIONS = ("stage", "change", "restore", "rollback")
"""The actions that change targets (they have a plan and a dry run)."""

DEFAULT_JOBS = 8
NOT_RUN = "not-run"

EXIT_OK, EXIT_FOUND, EXIT_INPUT, EXIT_STATE, EXIT_BUG = 0, 1, 2, 3, 4


@attrs.frozen
class SiteResult:
    """What one site's run gave.

    ``exit`` is the status the single-site command would have exited with (``None``
    when the site did not run); ``value`` is the single-site result: an ``Outcome``
    (stage, restore, rollback), a ``Plan`` (dry run), a ``Status``, a ``Verification``
    or a ``CertificateReport``; ``error`` the exception when it failed.

    >>> SiteResult("hq", "status", ok=True, state="staged", exit=0, message="staged").ran
    True
    """

    name: str
    action: str
    ok: bool
    state: str
    exit: int | None
    message: str
    value: Any = attrs.field(default=None, eq=False, repr=False)
    error: BaseException | None = attrs.field(default=None, eq=False, repr=False)
    stager: Stager | None = attrs.field(default=None, eq=False, repr=False)
    seconds: float = attrs.field(default=0.0, eq=False)

    @property
    def ran(self) -> bool:
        """False for a site that was never started (the run was cancelled first)."""
        return self.exit is not None


@attrs.frozen
class FleetResult:
    """Every selected site's result, in inventory order.

    >>> ok = SiteResult("a", "status", ok=True, state="new", exit=0, message="")
    >>> FleetResult("status", [ok], cancelled=False).exit
    0
    """

    action: str
    results: list[SiteResult]
    cancelled: bool

    @property
    def summary(self) -> dict[str, int]:
        """``total``, ``ok``, ``failed`` and ``not_run`` counts."""
        return summarise(self.results)

    @property
    def exit(self) -> int:
        """0 every site succeeded; 1 any failed; 4 a site met a bug; 130 cancelled."""
        return fleet_exit(self.results, self.cancelled)


@attrs.frozen
class FleetProgress:
    """Where a run stands, handed to the progress callback as sites start and finish."""

    event: str  # "started" or "finished"
    site: str
    result: SiteResult | None
    total: int
    done: int
    failed: int
    running: int
    elapsed: float


def summarise(results: Sequence[SiteResult]) -> dict[str, int]:
    """Counts of a run's results.

    >>> summarise([SiteResult("a", "stage", ok=False, state="new", exit=None, message="")])
    {'total': 1, 'ok': 0, 'failed': 0, 'not_run': 1}
    """
    ran = [r for r in results if r.ran]
    ok = sum(1 for r in ran if r.ok)
    return {
        "total": len(results),
        "ok": ok,
        "failed": len(ran) - ok,
        "not_run": len(results) - len(ran),
    }


def fleet_exit(results: Sequence[SiteResult], cancelled: bool) -> int:
    """The exit status of a whole run.

    >>> fleet_exit([SiteResult("a", "verify", ok=False, state="staged", exit=1, message="")],
    ...            False)
    1
    """
    if cancelled:
        return 130
    if any(r.exit == EXIT_BUG for r in results):
        return EXIT_BUG
    return EXIT_OK if all(r.ok for r in results) else EXIT_FOUND
