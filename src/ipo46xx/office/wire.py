"""One HTTP GET on its own connection, read the way :mod:`.download` checks it.

A fleet run makes ten requests per site, a thousand sites at a time; ``http.client``
spends most of a request's CPU parsing headers with the ``email`` package, for three
headers this tool reads.  This is the part of HTTP/1.1 a file download needs (RFC 9112):
a status line, header fields, and a body framed by ``Transfer-Encoding: chunked``,
``Content-Length`` or the end of the connection.  It raises ``http.client``'s
exceptions, so that what a server did wrong is told the same way as before.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import ssl
import urllib.parse

from .connect import connect

__all__ = ["Exchange", "printable"]

_MAX_LINE = 65536  # as http.client: a longer line is not HTTP
_MAX_HEADERS = 100
_NO_BODY = (204, 304)


class Exchange:
    """A GET of ``path`` from ``host``: connect, send, then read the answer.

    ``sock`` is the connection once made (a deadline shuts it to stop a slow read).

    >>> exchange = Exchange("192.0.2.1", None, "/46xxsettings.txt", timeout=5)
    >>> exchange.request_bytes().splitlines()[:2]
    [b'GET /46xxsettings.txt HTTP/1.1', b'Host: 192.0.2.1']
    """

    def __init__(
        self,
        host: str,
        port: int | None,
        path: str,
        *,
        timeout: float,
        context: ssl.SSLContext | None = None,
    ) -> None:
        self.host = host
        self.port = port or (443 if context is not None else 80)
        self.path = path
        self.timeout = timeout
        self.context = context
        self.sock: socket.socket | None = None
        self._file: io.BufferedReader | None = None
        self.status = 0
        self.reason = ""
        self.headers: dict[str, str] = {}
        self.version = 11

    def connect(self) -> None:
        """Open the connection (and the TLS session, checked by ``context``)."""
        sock = connect(self.host, self.port, self.timeout)
        try:
            if self.context is not None:
                sock = self.context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def request_bytes(self) -> bytes:
        """The request as sent: the path with anything not printable ASCII escaped."""
        host = self.host if self.host.isascii() else self.host.encode("idna").decode("ascii")
        host = f"[{host}]" if ":" in host else host
        default = 443 if self.context is not None else 80
        if self.port != default:
            host += f":{self.port}"
        path = urllib.parse.quote(self.path, safe="/%:@!$&'()*+,;=-._~?#[]")
        return (
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ipo46xx\r\n"
            "Accept-Encoding: identity\r\nConnection: close\r\n\r\n"
        ).encode("ascii")

    def send(self) -> None:
        """Send the request; :meth:`connect` first."""
        assert self.sock is not None, "connect first"
        self.sock.sendall(self.request_bytes())

    def block(self) -> None:
        """Read without a time limit of our own: the caller bounds the exchange (and shuts
        :attr:`sock` to end it)."""
        assert self.sock is not None, "connect first"
        self.sock.settimeout(None)

    def read_head(self) -> None:
        """Read the status line and header fields (after any ``100 Continue``)."""
        assert self.sock is not None, "connect first"
        self._file = self.sock.makefile("rb")
        while True:
            self._status_line()
            fields = self._fields()
            if not 100 <= self.status < 200:  # 103 Early Hints, say: an interim answer
                break
        self.headers = fields

    @property
    def chunked(self) -> bool:
        return self.headers.get("transfer-encoding", "").lower() == "chunked"

    @property
    def length(self) -> int | None:
        """The body's declared length; ``None`` when it ends with the connection."""
        if self.status in _NO_BODY or 100 <= self.status < 200:
            return 0
        if self.chunked:
            return None
        try:
            length = int(self.headers.get("content-length", ""))
        except ValueError:
            return None
        return length if length >= 0 else None

    @property
    def will_close(self) -> bool:
        """Whether the server ends the connection after this answer (so that what
        follows the body can be read without waiting)."""
        connection = self.headers.get("connection", "").lower()
        if self.version == 11:
            return "close" in connection
        return "keep-alive" not in connection and "keep-alive" not in self.headers

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes of the raw stream after the head; ``b""`` at its end."""
        assert self._file is not None, "read the head first"
        return self._file.read1(size)

    def chunks(self, limit: int) -> bytes:
        """The whole chunked body; :class:`http.client.IncompleteRead` when it is cut,
        and never more than ``limit`` bytes kept (more raises ``ValueError``)."""
        body = bytearray()
        while True:
            line = self._line()
            size_text = line.split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise http.client.IncompleteRead(bytes(body)) from None
            if size < 0:
                raise http.client.IncompleteRead(bytes(body))
            if size == 0:
                while self._line() not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields: nothing this tool reads
                return bytes(body)
            if len(body) + size > limit:
                raise ValueError("larger than the limit")
            data = self._exactly(size)
            body += data
            if len(data) < size:
                raise http.client.IncompleteRead(bytes(body), size - len(data))
            if self._line() not in (b"\r\n", b"\n"):  # the chunk's line end
                raise http.client.IncompleteRead(bytes(body))

    def close(self) -> None:
        for closable in (self._file, self.sock):
            if closable is not None:
                with contextlib.suppress(OSError):
                    closable.close()

    def _exactly(self, size: int) -> bytes:
        assert self._file is not None
        return self._file.read(size) or b""

    def _line(self) -> bytes:
        assert self._file is not None
        line = self._file.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        return bytes(line)

    def _status_line(self) -> None:
        line = self._line()
        if not line:
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        text = line.decode("iso-8859-1")
        parts = text.split(None, 2)
        if len(parts) == 2:
            parts.append("")
        if len(parts) != 3 or not parts[0].startswith("HTTP/"):
            raise http.client.BadStatusLine(text)
        version, status, reason = parts
        # isdigit() alone takes "\xb2" (superscript two), which int() refuses.
        if len(status) != 3 or not (status.isascii() and status.isdigit()) or status < "100":
            raise http.client.BadStatusLine(text)
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.status, self.reason = int(status), printable(reason.strip())

    def _fields(self) -> dict[str, str]:
        """The header fields by lower-case name; the first of each name counts, as in
        ``http.client``; a folded line continues the field before it."""
        fields: dict[str, str] = {}
        last = ""
        for _ in range(_MAX_HEADERS + 1):
            line = self._line()
            if line in (b"\r\n", b"\n", b""):
                return fields
            text = line.decode("iso-8859-1")
            if text[:1] in (" ", "\t"):
                if last:
                    fields[last] += " " + text.strip()
                continue
            name, colon, value = text.partition(":")
            if not colon:
                last = ""
                continue  # not a field; http.client skips it as well
            name = name.strip().lower()
            last = "" if name in fields else name
            fields.setdefault(name, value.strip())
        raise http.client.HTTPException(f"got more than {_MAX_HEADERS} headers")


def printable(text: str) -> str:
    """``text`` from a server fit to show: a control character (a terminal escape, a line
    end) shown as ``?``.

    >>> printable("Moved\\x1b[2J")
    'Moved?[2J'
    """
    return "".join(c if c.isprintable() else "?" for c in text)
