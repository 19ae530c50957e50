"""Shared test helpers: the fixture cases under ``fixtures/``."""

from __future__ import annotations

import json
import os
import pathlib
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings

from ipo46xx.storage import MemoryStorage, Storage, open_storage

from .samba import Samba, unavailable_reason

# Generated inputs can be large; a slow CI machine must not turn that into a failure.
settings.register_profile("ipo46xx", deadline=None)
settings.load_profile("ipo46xx")

# The command set DESIGN section 4 promises (a contract): the tests hold the CLI to it.
CONTRACT_COMMANDS = (
    "show",
    "trustcerts",
    "blank",
    "rewrite",
    "lint",
    "eval",
    "set",
    "unset",
    "diff",
    "stage",
    "restore",
    "change",
    "rollback",
    "status",
    "verify",
    "cert",
    "fleet",
    "demo",
    "emulator",
)
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(p.name for p in FIXTURES.iterdir() if (p / "case.json").is_file())


class Case:
    """One fixture folder: its input bytes, goldens and expectations."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.folder = FIXTURES / name
        self.meta: dict[str, Any] = json.loads((self.folder / "case.json").read_text())
        self.input_path = self.folder / self.meta["input"]
        self.data = self.input_path.read_bytes()
        self.blank = (self.folder / "blank.txt").read_bytes()
        replace = self.folder / "replace.txt"
        self.replace = replace.read_bytes() if replace.exists() else None
        self.mapping: dict[str, str] | None = self.meta["mapping"]


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> Case:
    return Case(request.param)


def all_files() -> list[pathlib.Path]:
    """Every settings file under fixtures/, inputs and goldens alike."""
    return sorted(p for p in FIXTURES.rglob("*.txt"))


# -- storage targets -------------------------------------------------------------------


def _require_samba() -> None:
    reason = unavailable_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"SMB tests are mandatory in CI, but: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def samba(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Samba]:
    """A real smbd on 127.0.0.1, shared by the whole test session."""
    _require_samba()
    server = Samba(tmp_path_factory.mktemp("samba"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_samba(tmp_path: pathlib.Path) -> Iterator[Samba]:
    """A smbd of this test's own, for tests that kill or freeze the server."""
    _require_samba()
    server = Samba(tmp_path / "samba")
    server.start()
    yield server
    server.stop()


class Target:
    """A storage under test, and where its files really live (None for memory)."""

    def __init__(self, storage: Storage, disk: pathlib.Path | None) -> None:
        self.storage = storage
        self.disk = disk


@pytest.fixture(params=["memory", "local", "smb"])
def target(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Target]:
    """An empty folder on each kind of storage; the contract suite runs on all three."""
    kind = request.param
    if kind == "memory":
        yield Target(MemoryStorage(), None)
        return
    if kind == "local":
        folder = tmp_path / "sd" / "system" / "primary"
        folder.mkdir(parents=True)
        yield Target(open_storage(folder.as_uri()), folder)
        return
    server: Samba = request.getfixturevalue("samba")
    sub = f"t{secrets.token_hex(4)}"
    folder = server.share_paths["sd"] / sub / "system" / "primary"
    folder.mkdir(parents=True)
    storage = open_storage(server.url("sd", f"{sub}/system/primary"), password=server.password)
    yield Target(storage, folder)
    storage.close()
