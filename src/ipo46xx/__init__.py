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
    FileMissingError,
    InputError,
    InvalidNameError,
    Ipo46xxError,
    LocationNotFoundError,
    MappingError,
    ReadOnlyError,
    StorageError,
    StorageTimeoutError,
    TargetExistsError,
    TrustcertsError,
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
    "AccessDeniedError",
    "AddStatement",
    "Assignment",
    "AuthenticationError",
    "Change",
    "ConnectionFailedError",
    "ConnectionLostError",
    "Edit",
    "FileMissingError",
    "GetStatement",
    "GotoStatement",
    "IfStatement",
    "InputError",
    "InvalidNameError",
    "Ipo46xxError",
    "Line",
    "LocationNotFoundError",
    "Malformed",
    "MappingError",
    "ReadOnlyError",
    "SetStatement",
    "SettingsFile",
    "Statement",
    "Storage",
    "StorageError",
    "StorageTimeoutError",
    "Tag",
    "TargetExistsError",
    "TrustcertsError",
    "TrustcertsLine",
    "__version__",
    "blank_trustcerts",
    "load",
    "open_storage",
    "parse",
    "replace_trustcerts",
    "trustcerts",
    "trustcerts_mapping",
    "unified_diff",
]
