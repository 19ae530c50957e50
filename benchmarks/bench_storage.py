"""The staging write sequence on each storage, against Samba's own ``smbclient`` command.

Run as root with Debian's samba and smbclient installed: ``python benchmarks/bench_storage.py``.

One round is what ``stage`` does to a target, connection set-up included: look for
``46xxsettings.txt``, read it, rename it to ``46xxsettings.bak``, write the new file
atomically (temporary name, then replace), read it back.  The same round runs on a
local folder, on a real smbd on 127.0.0.1 through ipo46xx, and through one
``smbclient -c`` invocation doing the same five steps.  Target: ipo46xx's SMB round
within 2x of the ``smbclient`` command's.
"""

from __future__ import annotations

import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from tests.samba import Samba, unavailable_reason

from ipo46xx.storage import open_storage

ROUNDS = 15
SETTINGS, BACKUP = "46xxsettings.txt", "46xxsettings.bak"
ORIGINAL = b'## admin file\r\nSET TRUSTCERTS "Root-CA-0214515C.pem"\r\n' * 400  # ~22 KB
STAGED = ORIGINAL.replace(b'"Root-CA-0214515C.pem"', b'""')


def ipo46xx_round(url: str, password: str | None) -> None:
    store = open_storage(url, password=password)
    try:
        assert store.exists(SETTINGS)
        store.read(SETTINGS)
        store.rename(SETTINGS, BACKUP)
        store.write(SETTINGS, STAGED)
        assert store.read(SETTINGS) == STAGED
    finally:
        store.close()


def smbclient_round(server: Samba, scratch: pathlib.Path) -> None:
    staged = scratch / "staged.txt"
    commands = "; ".join(
        [
            f"allinfo {SETTINGS}",
            f"get {SETTINGS} {scratch / 'read.txt'}",
            f"rename {SETTINGS} {BACKUP}",
            f"put {staged} .ipo46xx-bench.tmp",
            f"rename .ipo46xx-bench.tmp {SETTINGS} -f",
            f"get {SETTINGS} {scratch / 'back.txt'}",
        ]
    )
    # Credentials go in a file, so that they never show in a process list or an error.
    credentials = scratch / "credentials"
    credentials.write_text(f"username = {server.user}\npassword = {server.password}\n")
    credentials.chmod(0o600)
    result = subprocess.run(
        [
            "smbclient",
            "-p",
            str(server.port),
            "-A",
            str(credentials),
            "--option=client min protocol=SMB2_10",
            "//127.0.0.1/sd",
            "-c",
            commands,
        ],
        check=False,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"smbclient failed: {result.stdout}{result.stderr}")
    assert (scratch / "back.txt").read_bytes() == STAGED


def measure(run: Callable[[], None], reset: Callable[[], None]) -> list[float]:
    times = []
    for _ in range(ROUNDS):
        reset()
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return times


def main() -> int:
    reason = unavailable_reason() or (
        None if shutil.which("smbclient") else "smbclient not found (apt-get install smbclient)"
    )
    if reason:
        print(f"skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as temporary:
        root = pathlib.Path(temporary)
        server = Samba(root / "samba")
        server.start()
        try:
            share = server.share_paths["sd"]
            local = root / "local"
            local.mkdir()
            scratch = root / "scratch"
            scratch.mkdir()
            (scratch / "staged.txt").write_bytes(STAGED)

            def reset(folder: pathlib.Path) -> Callable[[], None]:
                def clean() -> None:
                    for path in folder.iterdir():
                        path.unlink()
                    (folder / SETTINGS).write_bytes(ORIGINAL)

                return clean

            results = {
                "local folder (ipo46xx)": measure(
                    lambda: ipo46xx_round(local.as_uri(), None), reset(local)
                ),
                "Samba (ipo46xx)": measure(
                    lambda: ipo46xx_round(server.url(), server.password), reset(share)
                ),
                "Samba (smbclient command)": measure(
                    lambda: smbclient_round(server, scratch), reset(share)
                ),
            }
        finally:
            server.stop()
    print(f"staging sequence, {ROUNDS} rounds each, connection set-up included")
    for label, times in results.items():
        print(
            f"  {label:<28} median {statistics.median(times) * 1e3:8.1f} ms"
            f"   min {min(times) * 1e3:8.1f} ms"
        )
    ours = statistics.median(results["Samba (ipo46xx)"])
    theirs = statistics.median(results["Samba (smbclient command)"])
    ratio = ours / theirs
    print(
        f"  ratio ipo46xx / smbclient: {ratio:.2f}x (target <= 2x) "
        f"{'ok' if ratio <= 2 else 'OVER TARGET'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
