"""ipo46xx: rewrite and stage Avaya 46xxsettings.txt files without losing a byte.

>>> import ipo46xx
>>> doc = ipo46xx.parse(b'SET TRUSTCERTS "Root-CA-0214515C.pem"\\r\\n')
>>> ipo46xx.blank_trustcerts(doc).document.to_bytes()
b'SET TRUSTCERTS ""\\r\\n'
"""

from __future__ import annotations

from .document import Change, Edit, Line, SettingsFile, load, parse, unified_diff
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
from .evaluate import MODEL_FAMILIES, Evaluation, Finding, Phone, Setting, evaluate
from .fetch import fetch, settings_url
from .lint import lint
from .staging import Outcome, Plan, Stager, Status, Verification
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
from .storage import Storage, open_storage
from .trustcerts import (
    TrustcertsLine,
    blank_trustcerts,
    replace_trustcerts,
    trustcerts,
    trustcerts_mapping,
)

__version__ = "0.1.0"

__all__ = [
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
