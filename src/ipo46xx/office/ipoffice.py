"""The IP Office a run talks to: its file service and the TLS endpoints where phones meet
its identity certificate, reached with the run's TLS choices (verify, CA file, pin) and
time limit."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence

from ..errors import FetchError, Ipo46xxError, NotServedError
from ..format.chain import SETTINGS, Chain, follow
from ..format.document import SettingsFile, parse
from .certificates import Endpoint, read_endpoint
from .download import Deadline, check_settings_body, download, fetch
from .ports import HTTPS_PORT, host_of, phone_tls_ports
from .trust import TrustReport, check_trust

__all__ = ["IpOffice"]

log = logging.getLogger("ipo46xx.staging")


class IpOffice:
    """One IP Office, by the URL of its ``46xxsettings.txt``.

    ``tls_ports`` are the ports given by the operator (``--tls-port``); without them, the
    ports are worked out from the files it serves.  Each file of the phones' chain is
    downloaded once per instance, a missing one included (an instance lives for one
    command): :meth:`fetch_named` remembers what it got.

    >>> IpOffice("http://192.168.42.1/46xxsettings.txt").ports([], [])
    [443]
    """

    def __init__(
        self,
        url: str,
        *,
        verify: bool = True,
        cafile: str | None = None,
        pin: str | None = None,
        timeout: float = 15.0,
        tls_ports: Sequence[int] = (),
        deadline: Deadline | None = None,
    ) -> None:
        self.url = url
        self._verify, self._cafile, self._pin, self._timeout = verify, cafile, pin, timeout
        self._tls_ports = list(tls_ports)
        self._deadline = deadline
        self._named: dict[str, bytes | None] = {}

    @contextlib.contextmanager
    def _within(self, url: str) -> Iterator[float]:
        """The time limit of one request: ``timeout``, less when the deadline is near."""
        if self._deadline is None:
            yield self._timeout
            return
        try:
            yield self._deadline.limit(self._timeout, url)
        except FetchError:
            if self._deadline.passed():  # cut short by the deadline, not by --timeout
                raise self._deadline.error(url) from None
            raise

    def _at(self, name: str) -> str:
        return self.url.rsplit("/", 1)[0] + "/" + name

    def fetch(self) -> bytes:
        """The settings file it serves now."""
        log.info("downloading %s", self.url)
        return self._settings(self.url)

    def fetch_file(self, name: str) -> bytes:
        """Another file of its file service, whatever it holds (a root CA, say)."""
        log.info("downloading %s", self._at(name))
        with self._within(self._at(name)) as timeout:
            body, _kind = download(
                self._at(name),
                verify=self._verify,
                cafile=self._cafile,
                pin=self._pin,
                timeout=timeout,
            )
        return body

    def fetch_named(self, name: str) -> bytes | None:
        """A settings file of the phones' chain; ``None`` when it serves none (phones go
        on).  An empty file is a file (a common placeholder): phones read it and stop.
        Asked again, it answers from what it got the first time."""
        if name in self._named:
            return self._named[name]
        body = self._fetch_named(name)
        self._named[name] = body
        return body

    def _fetch_named(self, name: str) -> bytes | None:
        url = self._at(name)
        try:
            with self._within(url) as timeout:
                body, kind = download(
                    url, verify=self._verify, cafile=self._cafile, pin=self._pin, timeout=timeout
                )
        except NotServedError:
            return None
        if body.strip():
            check_settings_body(url, body, kind)
        return body

    def _settings(self, url: str) -> bytes:
        with self._within(url) as timeout:
            return fetch(
                url, verify=self._verify, cafile=self._cafile, pin=self._pin, timeout=timeout
            )

    def serves(self, name: str) -> bool:
        try:
            self.fetch_file(name)
        except Ipo46xxError:
            return False
        return True

    def ports(self, recorded: Sequence[int], docs: Sequence[SettingsFile]) -> list[int]:
        """Where phones meet the identity certificate: the ports given, or 443, the port
        of an https:// address, the ports recorded, and every TLSPORT of ``docs``."""
        if self._tls_ports:
            return list(self._tls_ports)
        url_port = host_of(self.url)[1]
        ports = [HTTPS_PORT] + ([url_port] if url_port else []) + list(recorded)
        for doc in docs:
            ports += phone_tls_ports(doc)
        return list(dict.fromkeys(ports))

    def endpoints(self, recorded: Sequence[int]) -> list[Endpoint]:
        """The identity certificate presented now on each port phones use."""
        host = host_of(self.url)[0]
        now = dt.datetime.now(dt.timezone.utc)
        ports = self._tls_ports or list(recorded) or self.ports([], [])
        endpoints = []
        for port in ports:
            with self._within(f"https://{host}:{port}/") as timeout:
                endpoints.append(read_endpoint(host, port, timeout=timeout, now=now))
        return endpoints

    def chain(
        self, served: bytes | None = None, lister: Callable[[], Iterable[str]] | None = None
    ) -> Chain:
        """Every phone's chain as served now (``served``: its settings file, if known;
        ``lister``: the files of its card, for per-device files)."""
        overrides = {SETTINGS: served} if served is not None else {}
        return follow(self.fetch_named, overrides=overrides, lister=lister)

    def trust(
        self,
        recorded: Sequence[int],
        served: bytes | None = None,
        chain: Chain | None = None,
        lister: Callable[[], Iterable[str]] | None = None,
    ) -> TrustReport:
        """The phones' view of the chain served now and the certificate presented now
        (``lister``: the files of its card, so that per-device files are judged too)."""
        served = served if served is not None else self.fetch()
        chain = chain or self.chain(served, lister)
        doc = parse(served, name=SETTINGS)
        return check_trust(doc, self.endpoints(recorded), self.fetch_file, chain=chain)
