"""Time limits of the requests to an IP Office: one download's, and a site's in all.

``--timeout`` bounds one download; a :class:`Deadline` bounds every request of one site
together, so that an IP Office answering each of many requests just in time cannot hold
a site for minutes.
"""

from __future__ import annotations

import time

from ..errors import FetchError, InputError

__all__ = ["DEADLINE_FACTOR", "DEFAULT_TIMEOUT", "MAX_TIMEOUT", "Deadline", "check_timeout"]

DEFAULT_TIMEOUT = 15.0
"""Seconds to wait for the IP Office to connect and to answer."""

DEADLINE_FACTOR = 4
"""A site's deadline, unless given, is this many times the time limit of one download."""

MAX_TIMEOUT = 3600.0
"""The longest time limit taken: an hour is more than any IP Office needs, and far below
what a timer can hold (``threading.TIMEOUT_MAX``)."""


def check_timeout(timeout: object) -> float:
    """``timeout`` when it is a usable time limit in seconds; else an :class:`InputError`.

    >>> check_timeout(1e10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ipo46xx.errors.InputError: the download time limit must be more than 0 and at most 3600 ...
    """
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, (int, float))
        or not 0 < timeout <= MAX_TIMEOUT
    ):
        raise InputError(
            f"the download time limit must be more than 0 and at most {MAX_TIMEOUT:g} "
            f"seconds, not {timeout!r}"
        )
    return float(timeout)


class Deadline:
    """The time all the requests of one site may take together, from its creation on.

    ``--timeout`` bounds one download; an IP Office that answers each of many requests
    just in time would still hold a site for minutes.  A run asks ``limit()`` for the
    time limit of its next request.

    >>> Deadline(60).limit(15, "http://ipo/46xxsettings.txt")
    15
    """

    def __init__(self, seconds: float) -> None:
        usable = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        if not usable or not 0 < seconds <= MAX_TIMEOUT:
            raise InputError(
                f"the deadline must be more than 0 and at most {MAX_TIMEOUT:g} seconds, "
                f"not {seconds!r}"
            )
        self.seconds = float(seconds)
        self._end = time.monotonic() + self.seconds

    def passed(self) -> bool:
        """True once the time is up."""
        return time.monotonic() >= self._end

    def limit(self, timeout: float, url: str) -> float:
        """The time limit of the next request to ``url``; its error when none is left."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise self.error(url)
        return min(timeout, left)

    def error(self, url: str) -> FetchError:
        """What to say when a request to ``url`` met the deadline."""
        return FetchError(
            f"{url}: stopped at the site's deadline of {self.seconds:g} s (its requests "
            "together took that long); check the IP Office's load and the network, or allow "
            "more time with --deadline"
        )
