"""What a run's operations return, and the states a run goes through.

Plain frozen values: the command line turns them into text, ``--json`` and exit statuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from ..format.compare import Comparison
    from ..office.trust import TrustReport

__all__ = [
    "CHANGED",
    "CHANGE_FROM",
    "CHANGING",
    "NEW",
    "RESTORED",
    "RESTORING",
    "ROLLED_BACK",
    "ROLLING_BACK",
    "STAGED",
    "STAGE_FROM",
    "STAGING",
    "Outcome",
    "Plan",
    "Status",
    "Verification",
]

NEW, STAGING, STAGED = "new", "staging", "staged"
RESTORING, RESTORED = "restoring", "restored"
CHANGING, CHANGED = "changing", "changed"
ROLLING_BACK, ROLLED_BACK = "rolling-back", "rolled-back"

# A journal left in NEW stopped before the target was touched: stage starts over.
STAGE_FROM = (NEW, STAGING, RESTORED, CHANGED, ROLLED_BACK)
# A change run starts on a card with no run under way (or continues its own).
CHANGE_FROM = (NEW, CHANGING, RESTORED, CHANGED, ROLLED_BACK)


@attrs.frozen
class Plan:
    """What an operation would do: its steps in order and the diff of the file it writes."""

    action: str
    steps: list[str]
    diff: str
    notes: list[str]
    effect: Comparison | None = None
    """For a change: what each phone profile gets differently, through the whole chain."""


@attrs.frozen
class Outcome:
    """What an operation did and the state it left.

    ``problems`` say why the result is not what the phones need (exit 1 on the command
    line); ``warnings`` are worth reading; ``trust`` is the phones' view after restore.
    """

    action: str
    state: str
    done: list[str]
    diff: str
    problems: list[str] = attrs.field(factory=list)
    warnings: list[str] = attrs.field(factory=list)
    trust: TrustReport | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


@attrs.frozen
class Status:
    """Where a run stands: journal state, its steps, and what the target holds now.

    ``recorded`` is false when no run on the target left a journal.
    """

    state: str
    target: str
    ipo: str | None
    steps: list[dict[str, str]]
    files: dict[str, str]
    recorded: bool
    trusted: bool | None = None


@attrs.frozen
class Verification:
    """Whether the IP Office serves what the journal expects, and whether phones trust it.

    ``ok`` needs both: the served file is the expected one, and every profile meant to
    trust the IP Office will (``trust``).
    """

    ok: bool
    state: str
    message: str
    served_sha256: str
    diff: str
    trust: TrustReport | None = None
