"""A storage wrapper that simulates a crash at a chosen mutating operation; a bound on a
read that could block on a FIFO."""

from __future__ import annotations

import os
import pathlib
import threading
from collections.abc import Callable

import pytest

from ipo46xx.storage import Storage, StorageBase


class Crash(BaseException):
    """A simulated power cut: not an Exception, so no ``except Exception`` sees it."""


class FaultyStorage(StorageBase):
    """Delegates to ``inner``; the ``fail_at``-th write, rename or remove crashes.

    ``when="before"`` crashes before the operation happens, ``"after"`` right after it
    happened (before the caller can record it).  ``check`` runs after every mutating
    operation that happened, to assert an invariant at every instant.
    """

    def __init__(
        self,
        inner: Storage,
        fail_at: int | None = None,
        when: str = "before",
        check: Callable[[], None] | None = None,
        hook: Callable[[], None] | None = None,
    ) -> None:
        self.inner = inner
        self.fail_at = fail_at
        self.when = when
        self.check = check or (lambda: None)
        self.hook = hook
        self.mutations = 0
        self.log: list[str] = []

    @property
    def url(self) -> str:
        return self.inner.url

    def _mutate(self, label: str, operation: Callable[[], None]) -> None:
        self.mutations += 1
        hit = self.mutations == self.fail_at
        if hit and self.hook is not None:
            self.hook()  # e.g. kill the server, then let the operation fail for real
        elif hit and self.when == "before":
            raise Crash(f"crash before {label}")
        operation()
        self.log.append(label)
        self.check()
        if hit and self.when == "after":
            raise Crash(f"crash after {label}")

    def read(self, name: str) -> bytes:
        return self.inner.read(name)

    def exists(self, name: str) -> bool:
        return self.inner.exists(name)

    def digest(self, name: str) -> str | None:
        return self.inner.digest(name)

    def write(self, name: str, data: bytes, *, temporary: str | None = None) -> None:
        self._mutate(f"write {name}", lambda: self.inner.write(name, data, temporary=temporary))

    def rename(self, source: str, target: str) -> None:
        self._mutate(f"rename {source} {target}", lambda: self.inner.rename(source, target))

    def remove(self, name: str) -> None:
        self._mutate(f"remove {name}", lambda: self.inner.remove(name))

    def list(self) -> list[str]:
        return self.inner.list()

    def close(self) -> None:
        self.inner.close()


def raised_at_once(call: Callable[[], object], fifo: pathlib.Path) -> BaseException:
    """What ``call`` raised; the test fails when ``call`` still waits after 5 s (blocked
    on the FIFO ``fifo``: a writer is opened then, to let the thread end)."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()
            outcome.append(None)
        except BaseException as exc:  # handed to the test, whatever it is
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(5)
    if thread.is_alive():
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail(f"reading {fifo.name} waited for a writer to the FIFO")
    if outcome[0] is None:
        pytest.fail(f"reading the FIFO {fifo.name} raised nothing")
    return outcome[0]
