"""The time limit of a whole download, counted in the network's time.

Socket timeouts bound each read only: a server that drips one byte at a time would keep
a download alive for ever without a limit on the whole.  The clock starts when the
request has been sent (connecting is bounded by the socket timeout), and it counts only
time the network owes us: when it runs out while an answer waits unread in the socket,
the wait is this process's (other workers, the interpreter lock), not the IP Office's,
so it looks again shortly instead of giving up.

One watcher thread serves every download: a thread started per download costs more than
the download on a busy fleet run, where starting it means waiting for the interpreter
lock behind every other worker.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Protocol

__all__ = ["DownloadClock"]

RECHECK = 0.1  # seconds between looks once the time is up but the answer is here


class _Connection(Protocol):
    sock: socket.socket | None


class DownloadClock:
    """Shut ``connection``'s socket once the network has taken ``seconds`` to answer.

    >>> import http.client
    >>> with DownloadClock(http.client.HTTPConnection("127.0.0.1"), 5) as clock:
    ...     clock.start()
    >>> clock.expired
    False
    """

    def __init__(self, connection: _Connection, seconds: float) -> None:
        self._connection = connection
        self._seconds = seconds
        self.expired = False
        self._done = False

    def start(self) -> None:
        """Start the clock: the request has just been sent."""
        _WATCH.add(self._seconds, self)

    def _expire(self) -> None:
        if self._done:
            return
        sock = self._connection.sock
        if sock is not None and _answer_waiting(sock):
            _WATCH.add(RECHECK, self)
            return
        self.expired = True
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self) -> DownloadClock:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # The watcher may be looking at this very moment: it sees _done, or it shuts a
        # socket the caller is done with.  The caller ignores ``expired`` on success.
        self._done = True
        _WATCH.forget(self)


def _answer_waiting(sock: socket.socket) -> bool:
    """Whether bytes (or the end of the answer) wait in ``sock`` for the reader."""
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):  # closed meanwhile: the reader is done with it
        return False
    return bool(readable)


class _Watch:
    """One daemon thread that calls each deadline's ``_expire`` when its time comes."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._due: list[tuple[float, int, DownloadClock]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, seconds: float, deadline: DownloadClock) -> None:
        entry = (time.monotonic() + seconds, next(self._order), deadline)
        with self._changed:
            heapq.heappush(self._due, entry)
            if self._thread is None or not self._thread.is_alive():  # none yet, or forked
                self._thread = threading.Thread(
                    target=self._run, name="ipo46xx-deadlines", daemon=True
                )
                self._thread.start()
            elif self._due[0] is entry:  # else the watcher wakes in time anyway
                self._changed.notify()

    def forget(self, deadline: DownloadClock) -> None:
        with self._changed:
            kept = [entry for entry in self._due if entry[2] is not deadline]
            if len(kept) != len(self._due):
                heapq.heapify(kept)
                self._due = kept

    def _run(self) -> None:
        while True:
            due: Callable[[], None] | None = None
            with self._changed:
                if not self._due:
                    self._changed.wait()
                    continue
                when = self._due[0][0]
                now = time.monotonic()
                if when > now:
                    self._changed.wait(when - now)
                    continue
                due = heapq.heappop(self._due)[2]._expire
            due()  # outside the lock: it may add itself again


_WATCH = _Watch()
