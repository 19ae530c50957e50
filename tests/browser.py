"""A real headless Chromium (Debian's ``chromium``) that opens a page and hands back its
DOM after the page's script ran, and what the page logged to the console.

``.ci/run`` installs it; where it is missing outside CI the browser tests skip with the
reason, and in CI (``CI`` set) they fail instead, as the SMB tests do.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import subprocess

import attrs
import pytest


def chromium_or_skip() -> str:
    """The chromium program; skips the test (fails it in CI) when there is none."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is not None:
        return found
    reason = "chromium not found: install Debian's chromium (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(f"the browser tests are mandatory in CI, but: {reason}")
    pytest.skip(reason)


@attrs.frozen
class Page:
    dom: str
    console: list[str]

    @property
    def uncaught(self) -> list[str]:
        """Console lines of errors the page's script did not catch."""
        return [line for line in self.console if "Uncaught" in line]


def flags(profile: pathlib.Path) -> list[str]:
    """Headless, no GPU, no sandbox (root in a container), a profile of its own."""
    return [
        "--headless=new",
        "--disable-gpu",
        "--no-sandbox",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]


def open_page(program: str, page: pathlib.Path, query: str, profile: pathlib.Path) -> Page:
    """Load ``page`` with ``query`` (``?...``) and dump its DOM once its script ran."""
    done = subprocess.run(
        [
            program,
            *flags(profile),
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            page.resolve().as_uri() + query,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    return Page(done.stdout, console)


def screenshot(
    program: str, page: pathlib.Path, picture: pathlib.Path, profile: pathlib.Path
) -> None:
    """A PNG of the top of ``page`` at 1200x900."""
    subprocess.run(
        [
            program,
            *flags(profile),
            "--window-size=1200,900",
            f"--screenshot={picture.resolve()}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=True,
    )
