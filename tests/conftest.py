"""Shared test helpers: the fixture cases under ``fixtures/``."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest

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
