"""Messages between a fleet run and its worker processes: pickled values on a pipe,
each behind its length.

Only a parent and the child it started ever read these pipes, so pickle is safe here;
nothing is written to disk.
"""

from __future__ import annotations

import functools
import pickle
import struct
from typing import IO, Any

__all__ = ["StandIn", "portable", "receive", "send"]

_LENGTH = struct.Struct(">I")


def send(stream: IO[bytes], message: Any) -> None:
    """Write one message and flush it (one ``write``, so that threads that hold a lock
    around it never interleave).

    >>> import io
    >>> pipe = io.BytesIO()
    >>> send(pipe, ("started", 3))
    >>> _ = pipe.seek(0)
    >>> receive(pipe)
    ('started', 3)
    """
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(data)) + data)
    stream.flush()


def receive(stream: IO[bytes]) -> Any:
    """The next message, or ``None`` once the other end has closed the pipe (a message
    cut short counts as closed: the other end died while writing it).

    >>> import io
    >>> receive(io.BytesIO(b"")) is None
    True
    """
    head = _read(stream, _LENGTH.size)
    if head is None:
        return None
    data = _read(stream, _LENGTH.unpack(head)[0])
    return None if data is None else pickle.loads(data)


def _read(stream: IO[bytes], size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class StandIn(Exception):  # noqa: N818  (it takes the name of the error it stands for)
    """An error that could not cross a pipe as itself (an object that refuses pickle, or
    a class that cannot be made again from its pickle): one of the same class name, with
    the same message."""

    def __reduce__(self) -> tuple[Any, ...]:
        return _stand_in, (type(self).__name__, str(self))


def portable(error: BaseException) -> BaseException:
    """``error`` itself when it comes back whole from a pickle, else a :class:`StandIn`.

    >>> class Strict(Exception):
    ...     def __init__(self, code: int, text: str) -> None:
    ...         super().__init__(f"{code} {text}")
    >>> error = portable(Strict(5, "denied"))
    >>> type(error).__name__, str(error), isinstance(error, StandIn)
    ('Strict', '5 denied', True)
    >>> pickle.loads(pickle.dumps(error)).args
    ('5 denied',)
    """
    try:
        back = pickle.loads(pickle.dumps(error, protocol=pickle.HIGHEST_PROTOCOL))
        if type(back) is type(error):
            return error
    except Exception:
        pass
    try:
        message = str(error)
    except Exception:
        message = "(its message cannot be shown)"
    return _stand_in(type(error).__name__, message)


@functools.cache
def _kind(name: str) -> type[StandIn]:
    return type(name, (StandIn,), {"__module__": __name__, "__qualname__": name})


def _stand_in(name: str, message: str) -> StandIn:
    return _kind(name)(message)
