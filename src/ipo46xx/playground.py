"""What ``ipo46xx emulator`` sets up to try every command by hand, and what the tests run
the README's and ``docs/``'s examples against: one and the same.

In a folder: an SD card folder holding an administrator's explicit ``46xxsettings.txt``
(``$CARD``), a stand-in IP Office serving it on 127.0.0.1 over HTTP and HTTPS (``$IPO``,
``$TLSPORT``) in the advisory's situation (its certificate expired in 2018), a journal
folder (``$STATE``), and a small fleet (``$FLEET``): two more sites, ``hq`` with an explicit
file and ``branch-1`` without, each its own IP Office and card, listed in
``$FLEET/sites.toml`` and ``$FLEET/sites.csv``, with their journals under ``$FLEET/state``.
Every IP Office accepts ``POST /regenerate`` (Manager's "Regenerate" of step 7).
"""

from __future__ import annotations

import importlib.resources
import pathlib
import shlex
import urllib.error
import urllib.request

from .emulator import IpOfficeEmulator
from .errors import FetchError, InputError
from .storage import LocalStorage

__all__ = ["FLEET_SITES", "Playground", "regenerate_remote"]

FLEET_SITES = (("hq", True), ("branch-1", False))
"""The fleet's sites: name, and whether its card holds an explicit ``46xxsettings.txt``."""

ENVIRONMENT = ("IPO", "CARD", "TLSPORT", "FLEET", "STATE")
"""The shell variables the examples use, in the order ``exports()`` sets them."""


def admin_file() -> bytes:
    """The administrator's explicit ``46xxsettings.txt`` the cards start with."""
    data = importlib.resources.files("ipo46xx") / "data" / "playground-46xxsettings.txt"
    return data.read_bytes()


def _card(folder: pathlib.Path, explicit: bool) -> tuple[pathlib.Path, IpOfficeEmulator]:
    card = folder / "system" / "primary"
    card.mkdir(parents=True)
    if explicit:
        (card / "46xxsettings.txt").write_bytes(admin_file())
    return card, IpOfficeEmulator(LocalStorage(card), control=True)


class Playground:
    """The emulated IP Offices, cards, journal folders and fleet inventory in ``root``.

    ``root`` must be empty or absent; it is left in place by :meth:`stop`.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as root, Playground(root) as playground:
    ...     sorted(playground.env())
    ['CARD', 'FLEET', 'IPO', 'STATE', 'TLSPORT']
    """

    def __init__(self, root: str | pathlib.Path) -> None:
        self.root = pathlib.Path(root).absolute()
        if self.root.exists() and (not self.root.is_dir() or any(self.root.iterdir())):
            raise InputError(f"{self.root} is not an empty folder; name a new or empty one")
        self.card, self.ipo = _card(self.root / "sd", explicit=True)
        self.state = self.root / "state"
        self.fleet = self.root / "fleet"
        self.sites = {name: _card(self.fleet / name, explicit) for name, explicit in FLEET_SITES}
        self._running: list[IpOfficeEmulator] = []

    @property
    def offices(self) -> list[IpOfficeEmulator]:
        """Every IP Office: ``$IPO``'s first, then the fleet's in inventory order."""
        return [self.ipo, *(ipo for _, ipo in self.sites.values())]

    def start(self) -> Playground:
        """Start every IP Office and write the fleet's inventories."""
        for ipo in self.offices:
            self._running.append(ipo.start())
        rows = [(name, ipo.url, str(card)) for name, (card, ipo) in self.sites.items()]
        (self.fleet / "sites.toml").write_text(
            "".join(
                f"[[site]]\nname = {_toml(n)}\nipo = {_toml(i)}\ntarget = {_toml(t)}\n\n"
                for n, i, t in rows
            )
        )
        (self.fleet / "sites.csv").write_text(
            "name,ipo,target\n" + "".join(f"{n},{i},{t}\n" for n, i, t in rows)
        )
        return self

    def stop(self) -> None:
        """Stop every IP Office; the folder stays."""
        while self._running:
            self._running.pop().stop()

    def env(self) -> dict[str, str]:
        """The shell variables the examples use."""
        return {
            "IPO": self.ipo.url,
            "CARD": str(self.card),
            "TLSPORT": str(self.ipo.tls_port),
            "FLEET": str(self.fleet),
            "STATE": str(self.state),
        }

    def exports(self) -> str:
        """One shell line that sets :meth:`env`, e.g. ``export IPO=http://127.0.0.1:1 ...``."""
        env = self.env()
        return "export " + " ".join(f"{name}={shlex.quote(env[name])}" for name in ENVIRONMENT)

    def __enter__(self) -> Playground:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def regenerate_remote(ipo: str, name: str | None = None, *, timeout: float = 15) -> str:
    """Ask a running emulated IP Office (``ipo46xx emulator``) to regenerate its certificate;
    return ``"OLD -> NEW"`` (its root CA file names).

    ``name`` fixes the new root CA's name (``Root-CA-`` and 8 upper-case hex digits).

    >>> from ipo46xx.storage import MemoryStorage
    >>> with IpOfficeEmulator(MemoryStorage(), control=True) as ipo:
    ...     regenerate_remote(ipo.url, "Root-CA-1A2B3C4D.pem")
    'Root-CA-0214515C.pem -> Root-CA-1A2B3C4D.pem'
    """
    url = ipo.rstrip("/") + "/regenerate" + (f"?{name}" if name else "")
    if not url.startswith("http://"):
        raise InputError(f"{ipo}: give the emulator's http:// address ($IPO)")
    request = urllib.request.Request(url, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return str(answer.read().decode().strip())
    except urllib.error.HTTPError as exc:
        if exc.code == 400:
            raise InputError(f"{name!r} is not a new Root-CA-XXXXXXXX.pem name") from None
        raise FetchError(
            f"{ipo} does not regenerate on request (HTTP {exc.code}); "
            "is it an `ipo46xx emulator`? A real IP Office regenerates in Manager"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(
            f"{ipo}: {reason}; is `ipo46xx emulator` running, and is this its $IPO?"
        ) from None
