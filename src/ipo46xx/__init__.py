"""ipo46xx: rewrite and stage Avaya 46xxsettings.txt files without losing a byte.

>>> import ipo46xx
>>> doc = ipo46xx.parse(b'SET TRUSTCERTS "Root-CA-0214515C.pem"\\r\\n')
>>> ipo46xx.blank_trustcerts(doc).document.to_bytes()
b'SET TRUSTCERTS ""\\r\\n'
"""

from __future__ import annotations

from .document import Change, Edit, Line, SettingsFile, load, parse, unified_diff
from .errors import InputError, Ipo46xxError, MappingError, TrustcertsError
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
from .trustcerts import (
    TrustcertsLine,
    blank_trustcerts,
    replace_trustcerts,
    trustcerts,
    trustcerts_mapping,
)

__version__ = "0.1.0"

__all__ = [
    "AddStatement",
    "Assignment",
    "Change",
    "Edit",
    "GetStatement",
    "GotoStatement",
    "IfStatement",
    "InputError",
    "Ipo46xxError",
    "Line",
    "Malformed",
    "MappingError",
    "SetStatement",
    "SettingsFile",
    "Statement",
    "Tag",
    "TrustcertsError",
    "TrustcertsLine",
    "__version__",
    "blank_trustcerts",
    "load",
    "parse",
    "replace_trustcerts",
    "trustcerts",
    "trustcerts_mapping",
    "unified_diff",
]
