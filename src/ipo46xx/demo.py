"""The whole PSN005042u story on this machine: an SD card folder, an IP Office
emulator on 127.0.0.1, and every step with its diff.  Used by ``ipo46xx demo``.

It touches nothing outside a temporary folder, which it removes at the end.
"""

from __future__ import annotations

import importlib.resources
import pathlib
import tempfile
from collections.abc import Callable

from .emulator import IpOfficeEmulator
from .errors import NotServedError
from .format.chain import follow
from .format.evaluation import Phone
from .office.certificates import check_certificates
from .office.download import fetch
from .staging.stager import Stager
from .storage import LocalStorage

__all__ = ["run_demo"]

Say = Callable[[str], None]

PHONES = (Phone("9611", sig="H323"), Phone("J179", sig="H323"), Phone("J179", sig="SIP"))


def _phones_read(url: str, say: Say) -> None:
    def served(name: str) -> bytes | None:
        try:
            return fetch(url.rsplit("/", 1)[0] + "/" + name)
        except NotServedError:
            return None

    chain = follow(served, profiles=PHONES)
    for decision in chain.decisions:
        phone = decision.profile.replace(" ", " in ")
        if decision.value is None:
            say(f"    a {phone} reads no TRUSTCERTS")
        else:
            where = f"{decision.file} line {decision.line}"
            say(f'    a {phone} reads TRUSTCERTS "{decision.value}" ({where})')


def _certificate(ipo: IpOfficeEmulator, say: Say) -> None:
    report = check_certificates(ipo.url, ports=[ipo.tls_port])
    for endpoint in report.answered:
        cert = endpoint.certificate
        assert cert is not None
        facts = ", ".join(endpoint.problems) or "no problem"
        days = endpoint.days_left or 0
        left = f"expired {-days} days ago" if days < 0 else f"{days} days left"
        say(
            f"  ipo46xx cert: valid {cert.not_before:%Y-%m-%d %H:%M} to "
            f"{cert.not_after:%Y-%m-%d %H:%M} UTC, {left}: {facts}"
        )
        if cert.clock_never_set:
            say(
                "    (clock-never-set: dated 1 January 00:00, made by an IP Office without a clock)"
            )


def _introduce(ipo: IpOfficeEmulator, folder: pathlib.Path, say: Say) -> None:
    say("ipo46xx demo: Avaya PSN005042u on a stand-in IP Office")
    say(f"  IP Office (emulated): {ipo.url}  root CA {ipo.root_ca}")
    say(f"  SD card folder:       {folder}")
    say("  The administrator has put an explicit 46xxsettings.txt on the card, and keeps")
    say("  site settings in 46xxspecials.txt, which its GET reaches and which sets")
    say("  TRUSTCERTS again. ipo46xx follows every file the phones read, so it blanks,")
    say("  restores and rolls back both.")
    say("  Phones read (the file and line that decide it):")
    _phones_read(ipo.settings_url, say)
    _certificate(ipo, say)


def _section(say: Say, title: str) -> None:
    say("")
    say(title)
    say("-" * len(title))


def _lines(say: Say, lines: list[str], prefix: str = "    ") -> None:
    for line in lines:
        say(prefix + line)


def _card_and_check(stager: Stager, say: Say) -> bool:
    say(f"  card now holds: {', '.join(stager.storage.list())}")
    check = stager.verify()
    say(f"  verify: {check.message}")
    return check.ok


def run_demo(say: Say) -> int:
    """Tell the whole story through ``say``; return the exit status (0: it all worked).

    >>> lines = []
    >>> run_demo(lines.append)
    0
    """
    data = importlib.resources.files("ipo46xx") / "data"
    admin = (data / "demo-46xxsettings.txt").read_bytes()
    specials = (data / "demo-46xxspecials.txt").read_bytes()
    with tempfile.TemporaryDirectory(prefix="ipo46xx-demo-") as temporary:
        root = pathlib.Path(temporary)
        folder = root / "sd" / "system" / "primary"
        folder.mkdir(parents=True)
        (folder / "46xxsettings.txt").write_bytes(admin)
        (folder / "46xxspecials.txt").write_bytes(specials)
        card = LocalStorage(folder)
        with IpOfficeEmulator(card) as ipo:
            stager = Stager(ipo.url, card, root / "state", tls_ports=[ipo.tls_port])
            _introduce(ipo, folder, say)

            _section(say, "Steps 1-5: stage (download, blank TRUSTCERTS, park, write)")
            plan = stager.plan("stage")
            _lines(say, [f"{n}. {step}" for n, step in enumerate(plan.steps, 1)])
            outcome = stager.stage()
            _lines(say, outcome.diff.splitlines())
            _card_and_check(stager, say)

            _section(say, "Step 6: the phones restart")
            _phones_read(ipo.settings_url, say)
            say("  ...so they drop their stored certificates.")

            _section(say, "Step 7: regenerate the certificate (Manager)")
            old = ipo.root_ca
            say("  (with the clock set: SNTP first, or the new certificate is dated 2011 too)")
            new = ipo.regenerate_certificate()
            say(f"  root CA {old} -> {new}")

            _section(say, "Step 8: restore (administrator's file, new root CA name)")
            outcome = stager.restore()
            _lines(say, outcome.done, "  - ")
            _lines(say, outcome.diff.splitlines())
            check_ok = _card_and_check(stager, say)

            _section(say, "Step 9: the phones restart again")
            _phones_read(ipo.settings_url, say)
            _certificate(ipo, say)
            trust = stager.verify().trust
            trusted = trust is not None and any(
                p.profile == "9611 H323" and p.trusted for p in trust.profiles
            )
            say(
                "  a 9611 H323 will trust the regenerated certificate: "
                + ("yes" if trusted else "NO")
                + (f" ({trust.summary()})" if trust is not None else "")
            )
            ok = (
                check_ok
                and trusted
                and new.encode() in card.read("46xxsettings.txt")
                and new.encode() in card.read("46xxspecials.txt")
            )
            say("")
            say(
                "Done: phones that trusted the old root CA now trust the new one, and the "
                "administrator's own files are back on the card"
                if ok
                else "The demo did not end as expected."
            )
    return 0 if ok else 1
