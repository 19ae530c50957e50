"""ipo46xx: rewrite and stage Avaya 46xxsettings.txt files without losing a byte.

>>> import ipo46xx
>>> doc = ipo46xx.parse(b'SET TRUSTCERTS "Root-CA-0214515C.pem"\\r\\n')
>>> ipo46xx.blank_trustcerts(doc).document.to_bytes()
b'SET TRUSTCERTS ""\\r\\n'

Names are imported on first use (PEP 562), so that ``import ipo46xx`` and the
command line start fast and never load the SMB stack for local work.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SOURCES: dict[str, str] = {
    "Change": "document",
    "Edit": "document",
    "Line": "document",
    "SettingsFile": "document",
    "load": "document",
    "parse": "document",
    "unified_diff": "document",
    "AccessDeniedError": "errors",
    "AuthenticationError": "errors",
    "ConnectionFailedError": "errors",
    "ConnectionLostError": "errors",
    "FetchError": "errors",
    "FileMissingError": "errors",
    "InputError": "errors",
    "InvalidNameError": "errors",
    "Ipo46xxError": "errors",
    "JournalError": "errors",
    "LocationNotFoundError": "errors",
    "LockedError": "errors",
    "MappingError": "errors",
    "ReadOnlyError": "errors",
    "StateError": "errors",
    "StorageError": "errors",
    "StorageTimeoutError": "errors",
    "TargetChangedError": "errors",
    "TargetExistsError": "errors",
    "TrustcertsError": "errors",
    "Evaluation": "evaluation",
    "Finding": "evaluation",
    "MODEL_FAMILIES": "evaluation",
    "Phone": "evaluation",
    "Setting": "evaluation",
    "evaluate": "evaluation",
    "fetch": "download",
    "settings_url": "download",
    "lint": "linting",
    "MODELS": "phonemodels",
    "Model": "phonemodels",
    "find_model": "phonemodels",
    "Outcome": "staging",
    "Plan": "staging",
    "Stager": "staging",
    "Status": "staging",
    "Verification": "staging",
    "AddStatement": "statements",
    "Assignment": "statements",
    "GetStatement": "statements",
    "GotoStatement": "statements",
    "IfStatement": "statements",
    "Malformed": "statements",
    "SetStatement": "statements",
    "Statement": "statements",
    "Tag": "statements",
    "Storage": "storage",
    "open_storage": "storage",
    "TrustcertsLine": "trustlist",
    "blank_trustcerts": "trustlist",
    "replace_trustcerts": "trustlist",
    "trustcerts": "trustlist",
    "trustcerts_mapping": "trustlist",
}

__all__ = [
    "MODELS",
    "MODEL_FAMILIES",
    "AccessDeniedError",
    "AddStatement",
    "Assignment",
    "AuthenticationError",
    "Change",
    "ConnectionFailedError",
    "ConnectionLostError",
    "Edit",
    "Evaluation",
    "FetchError",
    "FileMissingError",
    "Finding",
    "GetStatement",
    "GotoStatement",
    "IfStatement",
    "InputError",
    "InvalidNameError",
    "Ipo46xxError",
    "JournalError",
    "Line",
    "LocationNotFoundError",
    "LockedError",
    "Malformed",
    "MappingError",
    "Model",
    "Outcome",
    "Phone",
    "Plan",
    "ReadOnlyError",
    "SetStatement",
    "Setting",
    "SettingsFile",
    "Stager",
    "StateError",
    "Statement",
    "Status",
    "Storage",
    "StorageError",
    "StorageTimeoutError",
    "Tag",
    "TargetChangedError",
    "TargetExistsError",
    "TrustcertsError",
    "TrustcertsLine",
    "Verification",
    "__version__",
    "blank_trustcerts",
    "evaluate",
    "fetch",
    "find_model",
    "lint",
    "load",
    "open_storage",
    "parse",
    "replace_trustcerts",
    "settings_url",
    "trustcerts",
    "trustcerts_mapping",
    "unified_diff",
]


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module 'ipo46xx' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_SOURCES])


if TYPE_CHECKING:
    from .document import (
        Change,
        Edit,
        Line,
        SettingsFile,
        load,
        parse,
        unified_diff,
    )
    from .download import (
        fetch,
        settings_url,
    )
    from .errors import (
        AccessDeniedError,
        AuthenticationError,
        ConnectionFailedError,
        ConnectionLostError,
        FetchError,
        FileMissingError,
        InputError,
        InvalidNameError,
        Ipo46xxError,
        JournalError,
        LocationNotFoundError,
        LockedError,
        MappingError,
        ReadOnlyError,
        StateError,
        StorageError,
        StorageTimeoutError,
        TargetChangedError,
        TargetExistsError,
        TrustcertsError,
    )
    from .evaluation import (
        MODEL_FAMILIES,
        Evaluation,
        Finding,
        Phone,
        Setting,
        evaluate,
    )
    from .linting import (
        lint,
    )
    from .phonemodels import (
        MODELS,
        Model,
        find_model,
    )
    from .staging import (
        Outcome,
        Plan,
        Stager,
        Status,
        Verification,
    )
    from .statements import (
        AddStatement,
        Assignment,
        GetStatement,
        GotoStatement,
        IfStatement,
        Malformed,
        SetStatement,
        Statement,
        Tag,
    )
    from .storage import (
        Storage,
        open_storage,
    )
    from .trustlist import (
        TrustcertsLine,
        blank_trustcerts,
        replace_trustcerts,
        trustcerts,
        trustcerts_mapping,
    )
