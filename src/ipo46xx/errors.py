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


class PlacementError(InputError):
    """No placement of a setting's edit gives exactly the phones named the value and leaves
    every other phone as it was; the message names the line and the profiles in the way."""


class InvalidNameError(InputError):
    """A file name for a storage target is not a plain name inside its folder."""


class StorageError(Ipo46xxError):
    """A storage target (SD card folder, SMB share) could not do what was asked."""


class FileMissingError(StorageError, FileNotFoundError):
    """The file is not in the target folder."""


class TargetExistsError(StorageError, FileExistsError):
    """A no-clobber rename or exclusive create found its target already there."""


class LocationNotFoundError(StorageError):
    """The folder, share or server named by a target URL does not exist."""


class AuthenticationError(StorageError):
    """The server refused the user name or password."""


class AccessDeniedError(StorageError, PermissionError):
    """The server or file system refused access."""


class ReadOnlyError(AccessDeniedError):
    """The target can be read but not written (read-only share, write-protected card)."""


class ConnectionFailedError(StorageError, ConnectionError):
    """No connection could be made to the server."""


class ConnectionLostError(StorageError, ConnectionError):
    """The connection dropped in the middle of an operation."""


class StorageTimeoutError(StorageError, TimeoutError):
    """The server did not answer within the time limit."""


class FetchError(Ipo46xxError):
    """The IP Office could not be reached, or did not answer with a settings file."""


class NotServedError(FetchError):
    """The server has no such file (HTTP 404)."""


class StateError(Ipo46xxError):
    """A staging step cannot run from the state the journal records."""


class TargetChangedError(StateError):
    """The target no longer holds what the journal expects; nothing was changed."""


class LockedError(StateError):
    """Another run is working on the same target right now."""


class JournalError(Ipo46xxError):
    """The local journal of a staging run is missing, unreadable or damaged."""
