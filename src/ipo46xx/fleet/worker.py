"""One worker process of a fleet run (see :mod:`.processes`): it runs the sites its
parent hands it, each in a thread of its own, and reports as they start and finish.

On standard input it reads what to run (the :class:`~ipo46xx.fleet.site_runner.SiteRunner`,
the sites, the log level, its number of threads), then one site's index at a time;
``None`` or the end of its input means no more.  On a pipe of its own (not its standard
output, where a sitecustomize may print as Python starts) it writes ``("ready", pid)``,
then ``("started", index)``, ``("finished", index, result, had_stager)`` and ``("log",
fields)``; anything else that would print goes to standard error.
"""

from __future__ import annotations

import logging
import os
import pickle
import queue
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import attrs

from ..logfilter import SecretFilter
from .pipes import portable, receive, send
from .results import SiteResult

__all__ = ["main"]

log = logging.getLogger(__name__)


def main(messages: int) -> int:
    """Run as a worker until the parent has no sites left (or is gone); what happens is
    written on the file descriptor ``messages``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    inbox = sys.stdin.buffer
    os.set_inheritable(messages, False)  # a program the site might start is not to write
    outbox = os.fdopen(messages, "wb")
    os.dup2(2, 1)  # a stray print goes where the parent's warnings go
    spec = receive(inbox)
    if spec is None:
        return 0
    runner, sites, level, count = spec
    lock = threading.Lock()
    gone = threading.Event()

    def post(message: tuple[Any, ...]) -> None:
        if gone.is_set():
            return
        try:
            with lock:
                send(outbox, message)
        except OSError:  # the parent died: finish the sites running, then stop
            gone.set()

    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(_Forward(post))
    post(("ready", os.getpid()))
    todo: queue.Queue[int | None] = queue.Queue()

    def work() -> None:
        while (index := todo.get()) is not None:
            post(("started", index))
            result = runner.site(sites[index])
            post(("finished", index, _portable(result), result.stager is not None))

    threads = [
        threading.Thread(target=work, name=f"ipo46xx-fleet-{n}", daemon=True) for n in range(count)
    ]
    for thread in threads:
        thread.start()
    while (index := receive(inbox)) is not None:
        todo.put(index)
    for _ in threads:
        todo.put(None)
    for thread in threads:
        thread.join()
    return 0


def _portable(result: SiteResult) -> bytes:
    """The result as the parent can load it: without the stager (it holds the storage's
    connection), with an error that cannot make the journey told by a stand-in of the
    same name and message, and without a value that cannot."""
    error = None if result.error is None else portable(result.error)
    result = attrs.evolve(result, stager=None, error=error)
    try:
        return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # a value of a library that refuses pickle
        log.debug("site %s: result not picklable: %s", result.name, exc)
        return pickle.dumps(attrs.evolve(result, value=None), protocol=pickle.HIGHEST_PROTOCOL)


class _Forward(logging.Handler):
    """Sends records to the parent, after the same filter the command line's handler has:
    a token never leaves this process."""

    def __init__(self, post: Callable[[tuple[Any, ...]], None]) -> None:
        super().__init__()
        self.post = post
        self.addFilter(SecretFilter())
        self._formatter = logging.Formatter()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            fields = {
                "name": record.name,
                "levelno": record.levelno,
                "levelname": record.levelname,
                "msg": record.getMessage(),
                "args": (),
                "exc_text": (
                    self._formatter.formatException(record.exc_info)
                    if record.exc_info
                    else record.exc_text
                ),
                "created": record.created,
                "msecs": record.msecs,
                "relativeCreated": record.relativeCreated,
                "threadName": record.threadName,
                "process": record.process,
                "pathname": record.pathname,
                "filename": record.filename,
                "module": record.module,
                "lineno": record.lineno,
                "funcName": record.funcName,
            }
            self.post(("log", fields))
        except Exception:
            self.handleError(record)
