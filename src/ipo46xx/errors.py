"""The one exception hierarchy of ipo46xx.

Every error the library raises on purpose derives from :class:`Ipo46xxError`, and its
message says what was wrong, where, and what to do about it.  The subclasses tell a
caller *how* to react: :class:`InputError` is the user's to fix.
"""

from __future__ import annotations


class Ipo46xxError(Exception):
    """Root of every error ipo46xx raises on purpose.

    >>> issubclass(InputError, Ipo46xxError)
    True
    """


class InputError(Ipo46xxError, ValueError):
    """The input (a file, a value, an argument) cannot be used as given."""


class TrustcertsError(InputError):
    """A TRUSTCERTS edit would produce a line that phones reject."""


class MappingError(InputError):
    """An old-to-new certificate name mapping is unknown, ambiguous or does not apply."""
