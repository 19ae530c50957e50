"""Many test sites at once: card folders (local or on the real smbd), one stand-in IP
Office each, and the inventory naming them.  Shared by the fleet tests and benchmark."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import pathlib
import socket
import threading
import time
from collections.abc import Iterator, Sequence

from ipo46xx.emulator import IpOfficeEmulator, make_identity_certificate
from ipo46xx.storage import LocalStorage, MemoryStorage, Storage

from .samba import Samba
from .staging_site import ADMIN

SETTINGS, BACKUP = "46xxsettings.txt", "46xxsettings.bak"
PASSWORD_ENV = "FLEET_TEST_SMB_PASSWORD"
WRONG_PASSWORD_ENV = "FLEET_TEST_WRONG_PASSWORD"


class SlowIpOffice(IpOfficeEmulator):
    """The stand-in IP Office behind a slow link: each request waits ``delay`` seconds,
    and, while ``gate`` is given and not set, waits for it."""

    def __init__(
        self, sd_card: Storage, *, delay: float = 0.0, gate: threading.Event | None = None
    ) -> None:
        super().__init__(sd_card)
        self.delay = delay
        self.gate = gate

    def answer(self, path: str) -> bytes | None:
        if self.gate is not None:
            self.gate.wait(60)
        if self.delay:
            time.sleep(self.delay)
        return super().answer(path)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (an unreachable IP Office)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FleetSite:
    """One site: its card folder on disk, its IP Office, its inventory fields."""

    def __init__(self, name: str, folder: pathlib.Path, target: str, ipo: SlowIpOffice) -> None:
        self.name = name
        self.folder = folder
        self.target = target
        self.ipo = ipo
        self.ipo_url = ipo.url
        self.password_env: str | None = None

    def snapshot(self) -> dict[str, tuple[bytes, int]]:
        """Every file on the card: its bytes and modification time."""
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in self.folder.iterdir()}

    def contents(self) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in self.folder.iterdir()}


class Fleet:
    """``count`` sites; every ``smb_every``-th (the 2nd, 4th, ... by default) on the real
    smbd, the others local."""

    def __init__(
        self,
        root: pathlib.Path,
        count: int,
        *,
        samba: Samba | None = None,
        smb_every: int = 2,
        delay: float = 0.0,
        gate: threading.Event | None = None,
    ) -> None:
        self.root = root
        self.samba = samba
        self.sites: list[FleetSite] = []
        for number in range(count):
            name = f"site-{number:02d}"
            on_smb = samba is not None and number % smb_every == smb_every - 1
            if on_smb:
                assert samba is not None
                sub = f"{root.name}/{name}/system/primary"
                folder = samba.share_paths["sd"] / sub
                target = samba.url("sd", sub)
            else:
                folder = root / "cards" / name / "system" / "primary"
                target = str(folder)
            folder.mkdir(parents=True)
            if number % 3 != 2:  # two sites in three have an explicit file
                (folder / SETTINGS).write_bytes(ADMIN)
            ipo = SlowIpOffice(LocalStorage(folder), delay=delay, gate=gate).start()
            site = FleetSite(name, folder, target, ipo)
            if on_smb:
                site.password_env = PASSWORD_ENV
            self.sites.append(site)

    def site(self, name: str) -> FleetSite:
        return next(s for s in self.sites if s.name == name)

    def arrival(self) -> threading.Event:
        """An event set when any site's IP Office is first asked for something."""
        arrived = threading.Event()
        for site in self.sites:
            answer = site.ipo.answer

            def spy(path: str, answer: object = answer) -> bytes | None:
                arrived.set()
                return answer(path)  # type: ignore[operator, no-any-return]

            site.ipo.answer = spy  # type: ignore[method-assign]
        return arrived

    def rows(self) -> list[dict[str, str]]:
        rows = []
        for site in self.sites:
            row = {"name": site.name, "ipo": site.ipo_url, "target": site.target}
            if site.password_env:
                row["password_env"] = site.password_env
            rows.append(row)
        return rows

    def write_toml(self, path: pathlib.Path | None = None) -> pathlib.Path:
        path = path or self.root / "sites.toml"
        parts = ["[defaults]\ntimeout = 10\n"]
        for row in self.rows():
            parts.append("\n[[site]]\n" + "".join(f'{k} = "{v}"\n' for k, v in row.items()))
        path.write_text("".join(parts))
        return path

    def write_csv(self, path: pathlib.Path | None = None) -> pathlib.Path:
        path = path or self.root / "sites.csv"
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, ["name", "ipo", "target", "password_env"])
        writer.writeheader()
        writer.writerows(self.rows())
        path.write_text(buffer.getvalue())
        return path

    def environ(self) -> dict[str, str]:
        if self.samba is None:
            return {}
        return {
            PASSWORD_ENV: self.samba.password,
            WRONG_PASSWORD_ENV: "wrong-" + self.samba.password,
        }

    def close(self) -> None:
        for site in self.sites:
            site.ipo.stop()


def states(journals: pathlib.Path, names: Sequence[str]) -> dict[str, str | None]:
    """Each site's journal state (None: no journal)."""
    from ipo46xx.staging.journal import Journal  # noqa: PLC0415

    found: dict[str, str | None] = {}
    for name in names:
        journal = Journal.load(journals / name)
        found[name] = journal.state if journal is not None else None
    return found


@contextlib.contextmanager
def certificate_sites(folder: pathlib.Path) -> Iterator[pathlib.Path]:
    """An inventory of four sites for ``fleet cert``: ``healthy``, ``advisory`` (made
    without a clock, long expired), ``soon`` (30 days left) and ``gone`` (nothing
    answers); their stand-in IP Offices run until the block ends."""
    now = dt.datetime.now(dt.timezone.utc)
    certificates = {
        "healthy": make_identity_certificate(),
        "advisory": None,  # the emulator's default: made without a clock, long expired
        "soon": make_identity_certificate(
            not_before=now - dt.timedelta(days=100), lifetime=dt.timedelta(days=130)
        ),
    }
    ipos = {
        name: IpOfficeEmulator(MemoryStorage(), certificate=cert).start()
        for name, cert in certificates.items()
    }
    try:
        rows = [
            f'[[site]]\nname = "{name}"\nipo = "{ipo.url}"\ntarget = "/nowhere/{name}"\n'
            f"tls_port = {ipo.tls_port}\n"
            for name, ipo in ipos.items()
        ]
        rows.append(
            f'[[site]]\nname = "gone"\nipo = "127.0.0.1:{closed_port()}"\n'
            f'target = "/nowhere/gone"\ntls_port = {closed_port()}\n'
        )
        inventory = folder / "sites.toml"
        inventory.write_text("\n".join(rows))
        yield inventory
    finally:
        for ipo in ipos.values():
            ipo.stop()
