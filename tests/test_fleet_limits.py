"""The tool's own concurrency never fails a site: deadlines count the network's time,
``--jobs`` stays below what helps and what the file-descriptor limit allows, and running
out of file descriptors is named as that."""

from __future__ import annotations

import http.client
import time
from collections.abc import Callable
from typing import Any

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.errors import FetchError
from ipo46xx.office.download import fetch
from ipo46xx.storage import MemoryStorage

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
