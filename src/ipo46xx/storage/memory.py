"""An in-memory folder: for tests, the demo, and dry runs of library users."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import TargetExistsError
from .base import StorageBase, check_temporary, missing, validate_name

__all__ = ["MemoryStorage"]


class MemoryStorage(StorageBase):
    """A folder held in a dict; every operation is trivially atomic.

    >>> store = MemoryStorage({"46xxsettings.txt": b"SET A 1"})
    >>> store.rename("46xxsettings.txt", "46xxsettings.bak")
    >>> store.list()
    ['46xxsettings.bak']
    """

    def __init__(self, files: Mapping[str, bytes] | None = None, *, label: str = "") -> None:
        self._files: dict[str, bytes] = {}
        self._label = label
        for name, data in (files or {}).items():
            self._files[validate_name(name)] = bytes(data)

    @property
    def url(self) -> str:
        return f"memory://{self._label}"

    def read(self, name: str) -> bytes:
        try:
            return self._files[validate_name(name)]
        except KeyError:
            raise missing(self.url, name) from None

    def exists(self, name: str) -> bool:
        return validate_name(name) in self._files

    def write(self, name: str, data: bytes, *, temporary: str | None = None) -> None:
        check_temporary(temporary, name)  # the same refusals as the other adapters
        self._files[validate_name(name)] = bytes(data)

    def rename(self, source: str, target: str) -> None:
        validate_name(target)
        data = self.read(source)
        if target in self._files:
            raise TargetExistsError(
                f"{target} already exists in {self.url}; {source} was not renamed"
            )
        self._files[target] = data
        del self._files[source]

    def remove(self, name: str) -> None:
        self.read(name)
        del self._files[name]

    def list(self) -> list[str]:
        return sorted(self._files)
