"""The advisory's nine steps (and changes of any setting) as journaled, resumable runs.

Holds the journal, the I/O-free decisions (flow), the engine that carries them out on a
target, the survey of the chain that picks a run's files, step 8's decisions (restoring),
and the :class:`Stager` that users drive, split along its seams: planning, carrying out,
and checking what the IP Office serves.

May import: :mod:`ipo46xx.errors`, :mod:`ipo46xx.format`, :mod:`ipo46xx.storage` and
:mod:`ipo46xx.office`.

``from ipo46xx.staging import Stager`` keeps working: the names of the former
``ipo46xx.staging`` module are found here, loaded on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_module_getattr

__all__ = ["Outcome", "Plan", "Stager", "Status", "Verification"]

if TYPE_CHECKING:
    from .stager import Outcome, Plan, Stager, Status, Verification
else:
    __getattr__ = lazy_module_getattr(__name__, "stager")
