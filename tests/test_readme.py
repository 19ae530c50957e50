"""The runnable examples of README.md and docs/ print exactly what they show, run against
what ``ipo46xx emulator`` sets up."""

from __future__ import annotations

import pathlib

import pytest

from ipo46xx.playground import Playground

from .conftest import CONTRACT_COMMANDS
from .readme_blocks import DOCUMENTS, README, ROOT, Block, blocks, matches, run, unmarked

PAGES = {path.relative_to(ROOT).as_posix(): path for path in DOCUMENTS}


def test_the_pages_have_runnable_examples_for_every_command() -> None:
    found = [b for p in DOCUMENTS for b in blocks(p.read_text()) if b.runs]
    commands = " ".join(c for b in found for c, _ in b.commands)
    for command in CONTRACT_COMMANDS:
        assert f"ipo46xx {command}" in commands, command


def test_the_readme_quick_start_runs_the_five_commands() -> None:
    text = README.read_text()
    quick = text[text.index("## Quick start") :]
    found = blocks(quick[: quick.index("\n## ", 1)])
    commands = [c.split() for b in found if b.runs for c, _ in b.commands]
    for command in ("cert", "stage --dry-run", "stage --yes", "restore", "verify"):
        name, *options = command.split()
        assert any(c[:2] == ["ipo46xx", name] and set(options) <= set(c) for c in commands), name


@pytest.mark.parametrize("page", sorted(PAGES))
def test_every_console_block_is_run_or_says_why_not(page: str) -> None:
    assert unmarked(PAGES[page].read_text()) == [], f"{page}: console blocks without a marker"


# The blocks of a page build on each other, so they run in order in one test per page.
@pytest.mark.parametrize("page", sorted(PAGES))
def test_examples(page: str, tmp_path: pathlib.Path) -> None:
    found = [block for block in blocks(PAGES[page].read_text()) if block.runs]
    with Playground(tmp_path / "playground") as playground:
        for block in found:
            check(page, block, playground.env())


def test_the_fleet_inventory_examples_load(tmp_path: pathlib.Path) -> None:
    from ipo46xx.fleet.inventory import load_inventory  # noqa: PLC0415

    text = PAGES["docs/fleet.md"].read_text()
    found = {}
    for form in ("toml", "csv"):
        start = text.index(f"```{form}\n") + len(form) + 4
        path = tmp_path / f"sites.{form}"
        path.write_text(text[start : text.index("```", start)])
        found[form] = load_inventory(path).sites
    assert [s.name for s in found["toml"]] == [s.name for s in found["csv"]]
    assert len(found["toml"]) >= 2


def check(page: str, block: Block, playground: dict[str, str]) -> None:
    """Run ``block`` with the variables of ``playground``; fail unless it prints what it shows."""
    for command, expected, actual, status in run(block, playground):
        where = f"{page} line {block.line}: $ {command}"
        assert status == block.status, f"{where}\n{actual}"
        if block.marker != "runs":
            assert matches(expected, actual), f"{where}\n--- page\n{expected}\n--- actual\n{actual}"


def test_blocks_parse() -> None:
    sample = "<!-- runnable -->\n```console\n$ echo a\na\n$ echo b\nb\n```\n"
    [block] = blocks(sample)
    assert block.commands == [("echo a", "a"), ("echo b", "b")]


def test_a_console_block_without_a_marker_is_found() -> None:
    sample = (
        "<!-- runs -->\n```console\n$ true\n```\n"
        "```console\n$ rm -rf /\n```\n"
        "<!-- not run: it needs a real IP Office -->\n```console\n$ x\n```\n"
        "<!-- not run: -->\n```console\n$ y\n```\n"
    )
    assert unmarked(sample) == [5, 13]
    assert [b.marker for b in blocks(sample)] == ["runs", "not run: it needs a real IP Office"]


def test_a_block_may_expect_another_exit_status() -> None:
    [block] = blocks("<!-- runnable: site status=1 -->\n```console\n$ false\n```\n")
    assert block.status == 1 and blocks("<!-- runs -->\n```console\n```\n")[0].status == 0


def test_not_run_blocks_are_not_run() -> None:
    [block] = blocks("<!-- not run: a real IP Office -->\n```console\n$ false\n```\n")
    assert not block.runs and blocks("<!-- runs -->\n```console\n$ true\n```\n")[0].runs


def test_an_ellipsis_line_stands_for_any_lines_and_nothing_else() -> None:
    assert matches("a\n...\nd", "a\nd") and matches("a\n...\nd", "a\nb\nc\nd")
    assert not matches("a\n...\nd", "a\nb\nc") and not matches("a\nb", "a\nb\nc")
    assert matches("x 1\n...", "x 1\ny") and not matches("x 1", "x 12")


def test_examples_run_without_the_environment_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # As under `path/to/venv/bin/python -m pytest` with the venv not activated.
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    block = Block("runs", [("ipo46xx --version", "")], 0)
    [(_, _, output, status)] = list(run(block, None))
    assert status == 0, output
    assert output.startswith("ipo46xx ")
