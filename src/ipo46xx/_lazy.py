"""Names found on first use, and the module paths of the flat layout that moved into the layers.

A package that stands where a module stood (``ipo46xx.staging``, ``ipo46xx.fleet``) finds
that module's names in its successor when they are first asked for.  A module path that
moved (``ipo46xx.grammar`` is now ``ipo46xx.format.grammar``) keeps importing for one
release, with a :class:`DeprecationWarning` that names the new path.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

__all__ = ["MOVED", "install_moved_finder", "lazy_module_getattr"]

MOVED: dict[str, str] = {
    "grammar": "format.grammar",
    "statements": "format.statements",
    "document": "format.document",
    "trustlist": "format.trustlist",
    "evaluation": "format.evaluation",
    "linting": "format.linting",
    "phonemodels": "format.phonemodels",
    "provenance": "format.provenance",
    "profiles": "format.profiles",
    "chain": "format.chain",
    "download": "office.download",
    "sniff": "office.sniff",
    "certificates": "office.certificates",
    "trust": "office.trust",
    "ipoffice": "office.ipoffice",
    "flow": "staging.flow",
    "engine": "staging.engine",
    "journal": "staging.journal",
    "survey": "staging.survey",
    "restoring": "staging.restoring",
    "inventory": "fleet.inventory",
}
"""Former module (below ``ipo46xx``) -> where it lives now; kept for one release after the move."""


def lazy_module_getattr(package: str, module: str) -> Callable[[str], Any]:
    """A PEP 562 ``__getattr__`` for ``package`` that finds names in its ``module``.

    >>> getter = lazy_module_getattr("ipo46xx.staging", "stager")
    >>> getter("Stager").__name__
    'Stager'
    """

    def find(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        source = importlib.import_module(f"{package}.{module}")
        try:
            value = getattr(source, name)
        except AttributeError:
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        setattr(sys.modules[package], name, value)
        return value

    return find


def moved(old: str) -> ModuleType:
    """The module that ``ipo46xx.<old>`` became, with a warning that names it.

    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     moved("grammar").__name__
    'ipo46xx.format.grammar'
    >>> str(caught[0].message)
    'ipo46xx.grammar moved to ipo46xx.format.grammar; the old path is kept for one release'
    """
    new = f"ipo46xx.{MOVED[old]}"
    warnings.warn(
        f"ipo46xx.{old} moved to {new}; the old path is kept for one release",
        DeprecationWarning,
        stacklevel=3,
    )
    return importlib.import_module(new)


class _MovedLoader(importlib.abc.Loader):
    def __init__(self, old: str) -> None:
        self._old = old

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return moved(self._old)

    def exec_module(self, module: ModuleType) -> None:
        """The module was run under its new name; nothing more to do."""


class _MovedFinder(importlib.abc.MetaPathFinder):
    """Finds ``ipo46xx.grammar`` and the other former paths as their new modules."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        package, _, old = fullname.partition(".")
        if package != "ipo46xx" or old not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, _MovedLoader(old))


def install_moved_finder() -> None:
    """Let ``import ipo46xx.grammar`` (and the other former paths) keep working."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())
