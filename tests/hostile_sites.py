"""Sites that misbehave inside a fleet run, for the hostile tests of the worker processes.

A :class:`Misbehaving` site pickles like any :class:`~ipo46xx.fleet.inventory.Site`, so
a worker process gets it too; what it does is named by its ``misbehave`` word and happens
only where a site is run (a thread named ``ipo46xx-fleet-N``, here or in a worker), never
where the parent merely looks at the sites.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time

import attrs

from ipo46xx.fleet.inventory import Site

_RUNNING_A_SITE = re.compile(r"ipo46xx-fleet-\d+$")


class UnloadableError(Exception):
    """Pickles, but cannot be made again from its pickle (as spnego's errors)."""

    def __init__(self, what: str, where: str) -> None:
        super().__init__(f"{what} at {where}")


class UnpicklableError(Exception):
    """Cannot be pickled at all: it holds a lock."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.lock = threading.Lock()


@attrs.frozen
class Misbehaving(Site):
    misbehave: str = ""

    @property
    def is_smb(self) -> bool:
        if _RUNNING_A_SITE.match(threading.current_thread().name):
            _misbehave(self.misbehave)
        return super().is_smb


def _misbehave(word: str) -> None:
    if word == "unloadable":
        raise UnloadableError("a storage refused", "the card")
    if word == "unpicklable":
        raise UnpicklableError("a storage refused")
    if word == "exit":
        raise SystemExit(3)
    if word == "garble" and "ipo46xx.fleet.worker" in sys.modules:
        os.write(int(sys.argv[3]), b"\x00\x00\x00\x05junk!")  # to the parent, in a worker
    if word == "print":
        print("a stray print on standard output", flush=True)
    if word == "slow":
        time.sleep(1)
