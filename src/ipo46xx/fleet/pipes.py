"""Messages between a fleet run and its worker processes: pickled values on a pipe,
each behind its length.

Only a parent and the child it started ever read these pipes, so pickle is safe here;
nothing is written to disk.
"""

from __future__ import annotations

import pickle
import struct
from typing import IO, Any

__all__ = ["receive", "send"]

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
