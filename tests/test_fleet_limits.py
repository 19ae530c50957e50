"""The tool's own concurrency never fails a site: deadlines count the network's time,
``--jobs`` stays below what helps and what the file-descriptor limit allows, and running
out of file descriptors is named as that."""

from __future__ import annotations

import http.client
import json
import pathlib
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.errors import FetchError
from ipo46xx.office.download import fetch
from ipo46xx.storage import MemoryStorage

from .fleet_sites import Fleet
from .tls_servers import dripping_server

# -- the download deadline ----------------------------------------------------------------


@pytest.mark.parametrize("where", ["request", "getresponse"])
def test_time_the_tool_itself_spends_does_not_count_against_the_deadline(
    monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A worker that waits 2.5 s for its turn (other workers, the interpreter lock) before
    sending, or before reading an answer that arrived at once, still gets it with a
    1 s limit: the IP Office answered in time."""
    real: Callable[..., Any] = getattr(http.client.HTTPConnection, where)

    def late(self: http.client.HTTPConnection, *args: Any, **kwargs: Any) -> Any:
        time.sleep(2.5)
        return real(self, *args, **kwargs)

    with IpOfficeEmulator(MemoryStorage()) as ipo:
        monkeypatch.setattr(http.client.HTTPConnection, where, late)
        assert b"TRUSTCERTS" in fetch(ipo.settings_url, timeout=1)


def test_a_server_that_drips_is_still_cut_off_while_the_reader_lags() -> None:
    """Lagging behind an answer that is there never keeps a dripping server alive."""
    with dripping_server(interval=0.3) as server:
        started = time.monotonic()
        with pytest.raises(FetchError, match="no answer within 1 s"):
            fetch(f"http://{server.base}/46xxsettings.txt", timeout=1)
        assert time.monotonic() - started < 1 + 5  # hang guard only


# -- how many workers ---------------------------------------------------------------------


def _limited(files: int) -> Callable[[], None]:
    """Lower the child's open-file limit to ``files`` (as ``ulimit -n`` would)."""

    def lower() -> None:
        resource.setrlimit(
            resource.RLIMIT_NOFILE, (files, resource.getrlimit(resource.RLIMIT_NOFILE)[1])
        )

    return lower


def _fleet(*args: str, files: int | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ipo46xx", "fleet", *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
        preexec_fn=None if files is None else _limited(files),
    )


def test_more_jobs_than_help_run_at_the_cap_and_say_why(tmp_path: pathlib.Path) -> None:
    fleet = Fleet(tmp_path, 3)
    try:
        result = _fleet(
            "status", "--inventory", str(fleet.write_toml()), "--state-dir", str(tmp_path / "j"),
            "--jobs", "1000", "--json",
        )  # fmt: skip
    finally:
        fleet.close()
    assert result.returncode == 0, result.stderr
    assert "--jobs 1000: running 64 sites at a time; more workers only add contention" in (
        result.stderr
    )
    assert json.loads(result.stdout)["summary"]["ok"] == 3


def test_jobs_stay_within_what_the_open_file_limit_allows(tmp_path: pathlib.Path) -> None:
    """Sixty sites on a slow link, asked for 200 at a time, under ulimit -n 64: the run
    uses what the limit allows, and no site fails for lack of files (before the cap,
    several did, told to check the address or to move their journal aside)."""
    fleet = Fleet(tmp_path, 60, delay=0.05)
    try:
        result = _fleet(
            "stage", "--inventory", str(fleet.write_toml()), "--state-dir", str(tmp_path / "j"),
            "--jobs", "200", "--yes", "--json",
            files=64,
        )  # fmt: skip
    finally:
        fleet.close()
    assert "(ulimit -n 64) leaves room for 5 workers" in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout[-3000:]
    assert json.loads(result.stdout)["summary"]["ok"] == 60


# -- running out of files -----------------------------------------------------------------

# Lowers the open-file limit, fills it, then meets it in each layer; prints each message.
EXHAUSTED = """
import datetime, json, os, pathlib, resource, sys
from ipo46xx.office.certificates import read_endpoint
from ipo46xx.office.download import fetch
from ipo46xx.staging.journal import Journal, state_lock
from ipo46xx.storage import LocalStorage

folder, url, tls_port = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
card = LocalStorage(folder / "card")
journal = Journal.create(folder / "state", "target", "ipo", save=False)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
messages = {}
for what, attempt in [
    ("journal", journal.save),
    ("lock", lambda: state_lock(folder / "state", "target").__enter__()),
    ("card", lambda: card.write("46xxsettings.txt", b"x")),
    ("fetch", lambda: fetch(url, timeout=5)),
]:
    try:
        attempt()
        messages[what] = "no error"
    except Exception as exc:
        messages[what] = str(exc)
now = datetime.datetime.now(datetime.timezone.utc)
messages["cert"] = str(read_endpoint("127.0.0.1", tls_port, timeout=5, now=now).error)
for fd in held:
    os.close(fd)
print(json.dumps(messages))
"""


def test_too_many_open_files_is_named_with_its_fix(tmp_path: pathlib.Path) -> None:
    (tmp_path / "card").mkdir()
    with IpOfficeEmulator(MemoryStorage()) as ipo:
        result = subprocess.run(
            [sys.executable, "-c", EXHAUSTED, str(tmp_path), ipo.settings_url, str(ipo.tls_port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
    messages = json.loads(result.stdout)
    assert set(messages) == {"journal", "lock", "card", "fetch", "cert"}
    for what, message in messages.items():
        assert "too many open files for this process (ulimit -n is 64)" in message, what
        assert "run with fewer --jobs, or raise the limit with ulimit -n" in message, what
        for wrong in ("make room", "writable", "space", "check the address", "no TLS"):
            assert wrong not in message, (what, message)


def test_every_download_shares_one_deadline_thread() -> None:
    """Sixteen downloads at once start no thread of their own for their deadlines."""
    import threading  # noqa: PLC0415

    with IpOfficeEmulator(MemoryStorage()) as ipo:
        workers = [
            threading.Thread(target=fetch, args=(ipo.settings_url,), kwargs={"timeout": 10})
            for _ in range(16)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    names = [thread.name for thread in threading.enumerate()]
    assert names.count("ipo46xx-deadlines") == 1
    assert not any(name.startswith("Thread-") and "Timer" in name for name in names)
