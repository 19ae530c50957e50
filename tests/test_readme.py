"""The README's runnable examples print exactly what the README shows."""

from __future__ import annotations

import pathlib
from collections.abc import Iterator

import pytest

from .conftest import CONTRACT_COMMANDS
from .readme_blocks import README, Block, FleetSites, Site, blocks, run
from .staging_site import ADMIN

BLOCKS = blocks()


def test_the_readme_has_runnable_examples_for_every_command() -> None:
    commands = " ".join(c for b in BLOCKS for c, _ in b.commands)
    for command in CONTRACT_COMMANDS:
        assert f"ipo46xx {command}" in commands, command


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    shared = Site(tmp_path_factory.mktemp("readme"), ADMIN)
    yield shared
    shared.ipo.stop()


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FleetSites]:
    shared = FleetSites(tmp_path_factory.mktemp("readme-fleet"), ADMIN)
    yield shared
    shared.stop()


# The site blocks build on each other, so they run in README order in one test.
def test_readme_examples(site: Site, fleet: FleetSites) -> None:
    for block in BLOCKS:
        if "fleet" in block.marker:
            _check(block, fleet)
        else:
            _check(block, site if "site" in block.marker else None)


def test_the_readme_inventory_examples_load(tmp_path: pathlib.Path) -> None:
    from ipo46xx.fleet.inventory import load_inventory  # noqa: PLC0415

    text = README.read_text()
    section = text[text.index("## Many sites") :]
    found = {}
    for form in ("toml", "csv"):
        start = section.index(f"```{form}\n") + len(form) + 4
        path = tmp_path / f"sites.{form}"
        path.write_text(section[start : section.index("```", start)])
        found[form] = load_inventory(path).sites
    assert [s.name for s in found["toml"]] == [s.name for s in found["csv"]]
    assert len(found["toml"]) >= 2


def _check(block: Block, site: Site | FleetSites | None) -> None:
    for command, expected, actual, status in run(block, site):
        where = f"README.md line {block.line}: $ {command}"
        assert status == 0, f"{where}\n{actual}"
        if block.marker != "runs":
            assert actual == expected, f"{where}\n--- README\n{expected}\n--- actual\n{actual}"


def test_blocks_parse() -> None:
    sample = "<!-- runnable -->\n```console\n$ echo a\na\n$ echo b\nb\n```\n"
    [block] = blocks(sample)
    assert block.commands == [("echo a", "a"), ("echo b", "b")]


def test_examples_run_without_the_environment_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # As under `path/to/venv/bin/python -m pytest` with the venv not activated.
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    block = Block("runs", [("ipo46xx --version", "")], 0)
    [(_, _, output, status)] = list(run(block, None))
    assert status == 0, output
    assert output.startswith("ipo46xx ")
