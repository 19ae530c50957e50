"""The command line under a careless operator and a curious onlooker: clear answers, no leaks."""

from __future__ import annotations

import json
import os
import pathlib
import pty
import re
import select
import subprocess
import time

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.storage import LocalStorage

from .conftest import FIXTURES
from .mounts import read_only, tmpfs
from .samba import Samba
from .staging_site import ADMIN
from .test_cli import IPO, SCRIPT, assert_clean_error, run

BLANKED = (FIXTURES / "ipo11-auto" / "blank.txt").read_bytes()
NTLM = ("TlRMTVNTUA", "4e544c4d535350")  # "NTLMSSP" in base64 and in hex


def _ntlm_in(output: str) -> list[str]:
    squeezed = re.sub(r"[\s:]", "", output).lower()
    return [mark for mark in NTLM if mark.lower() in squeezed or mark in output]


def test_verbose_over_smb_never_shows_the_password_or_ntlm_messages(
    samba: Samba, tmp_path: pathlib.Path
) -> None:
    folder = samba.share_paths["sd"] / tmp_path.name
    folder.mkdir()
    (folder / "46xxsettings.txt").write_bytes(ADMIN)
    target = samba.url("sd", tmp_path.name)
    secret = {"IPO46XX_SMB_PASSWORD": samba.password}
    with IpOfficeEmulator(LocalStorage(folder)) as ipo:
        common = ["--ipo", ipo.url, "--target", target, "--state-dir", str(tmp_path / "s")]
        results = [
            run("-v", "status", *common, env=secret),
            run("-v", "stage", *common, "--yes", env=secret),
            run("-v", "rollback", *common, "--yes", env=secret),
        ]
    for result in results:
        assert result.returncode == 0, result.stderr.decode()
        output = (result.stdout + result.stderr).decode(errors="replace")
        assert samba.password not in output
        assert _ntlm_in(output) == [], output[:3000]
        # ipo46xx's own records are shown in full; third-party ones at INFO at most.
        assert "DEBUG ipo46xx.storage.smb: connecting to" in output
        assert not re.search(r"^DEBUG (spnego|smbprotocol|smbclient)", output, re.M)


def test_the_filter_drops_token_records_at_any_level() -> None:
    import base64  # noqa: PLC0415
    import logging  # noqa: PLC0415

    from ipo46xx.logfilter import SecretFilter  # noqa: PLC0415

    keep = SecretFilter()

    def record(name: str, level: int, message: str, *args: object) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, message, args, None)

    for prefix in (b"", b"\xa1", b"\xa1\x81", b"\xa1\x81\xe7"):  # every base64 alignment
        token = base64.b64encode(prefix + b"NTLMSSP\x00\x03\x00\x00\x00").decode()
        assert not keep.filter(record("any", logging.WARNING, "got %s", token)), prefix
    assert not keep.filter(record("x", logging.INFO, "buffer: 4E 54 4C 4D\n 53 53 50 00"))
    assert not keep.filter(record("smbprotocol.session", logging.DEBUG, "Negotiate"))
    assert keep.filter(record("smbprotocol.session", logging.INFO, "Setting session id to 1"))
    assert keep.filter(record("ipo46xx.staging.stager", logging.DEBUG, "park: rename a to b"))


def test_a_password_in_the_ipo_address_is_refused_without_echoing_it(
    tmp_path: pathlib.Path,
) -> None:
    for address in ("http://admin:hunter2-pw@192.0.2.1/", "https://u:hunter2-pw@[::1]:411"):
        result = run("stage", "--ipo", address, "--target", str(tmp_path), "--dry-run")
        assert_clean_error(result, 2, "password")
        assert b"hunter2-pw" not in result.stdout + result.stderr


def test_an_unwritable_state_home_exits_3_with_one_line(tmp_path: pathlib.Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    (card / "46xxsettings.txt").write_bytes(ADMIN)
    with (
        tmpfs(tmp_path / "home") as home,
        IpOfficeEmulator(LocalStorage(card)) as ipo,
    ):
        read_only(home)
        result = run(
            "stage", "--ipo", ipo.url, "--target", str(card), "--yes",
            env={"XDG_STATE_HOME": str(home)},
        )  # fmt: skip
        assert_clean_error(result, 3, "cannot write the journal", "read-only", "--state-dir")
    assert (card / "46xxsettings.txt").read_bytes() == ADMIN


def test_a_hand_edited_journal_exits_3_naming_the_file(tmp_path: pathlib.Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    record = {"format": 1, "state": "staged", "target": tmp_path.as_uri()}
    record |= {"files": {"original": "x"}, "steps": [1, 2]}
    (state / "journal.json").write_text(json.dumps(record))
    result = run("rollback", "--target", str(tmp_path), "--state-dir", str(state), "--yes")
    assert_clean_error(result, 3, str(state / "journal.json"), "files.original", "move the folder")


def test_rollback_with_nothing_to_undo_exits_0(tmp_path: pathlib.Path) -> None:
    result = run("rollback", "--target", str(tmp_path), "--state-dir", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert b"nothing to roll back" in result.stdout


def test_endless_standard_input_stops_at_the_limit() -> None:
    started = time.monotonic()
    with open("/dev/zero", "rb") as zero:
        result = subprocess.run(
            [SCRIPT, "show", "-"], stdin=zero, capture_output=True, timeout=60, check=False
        )
    assert_clean_error(result, 2, "standard input", "larger than 4 MiB")
    assert time.monotonic() - started < 30
    assert_clean_error(run("show", "/dev/zero"), 2, "/dev/zero", "larger than 4 MiB")


# -- arguments ---------------------------------------------------------------------------


def test_two_replacements_of_the_same_name_exit_2_naming_both() -> None:
    result = run(
        "rewrite", str(IPO),
        "--replace", "Root-CA-0214515C.pem=Root-CA-1A2B3C4D.pem",
        "--replace", "Root-CA-0214515C.pem=Root-CA-FFFFFFFF.pem",
    )  # fmt: skip
    assert_clean_error(result, 2, "Root-CA-1A2B3C4D.pem", "Root-CA-FFFFFFFF.pem")


def test_dash_o_dash_is_standard_output(tmp_path: pathlib.Path) -> None:
    result = run("blank", str(IPO), "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == BLANKED
    assert os.listdir(tmp_path) == []


def test_empty_output_and_no_backup_without_in_place_are_usage_errors(
    tmp_path: pathlib.Path,
) -> None:
    assert_clean_error(run("blank", str(IPO), "-o", "", cwd=tmp_path), 2, "-o")
    assert_clean_error(run("blank", str(IPO), "--no-backup"), 2, "--no-backup", "--in-place")
    assert os.listdir(tmp_path) == []


def test_an_unknown_option_names_itself() -> None:
    for args in (["--bogus"], ["show", str(IPO), "--bogus"], ["--bogus", "show", str(IPO)]):
        result = run(*args)
        assert_clean_error(result, 2, "unknown option --bogus")
        assert b"required" not in result.stderr


def test_blank_in_place_on_a_link_edits_the_file_it_points_to(tmp_path: pathlib.Path) -> None:
    real = tmp_path / "real" / "46xxsettings.txt"
    real.parent.mkdir()
    real.write_bytes(IPO.read_bytes())
    link = tmp_path / "46xxsettings.txt"
    link.symlink_to(real)
    result = run("blank", str(link), "--in-place")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() == BLANKED
    assert (real.parent / "46xxsettings.txt.orig").read_bytes() == IPO.read_bytes()


# -- prompts -----------------------------------------------------------------------------


def _on_a_terminal(args: list[str], answer: bytes, env: dict[str, str]) -> tuple[int, str]:
    """Run with a pseudo-terminal as standard input; send ``answer`` to the first prompt."""
    controller, terminal = pty.openpty()
    environment = {k: v for k, v in os.environ.items() if k != "IPO46XX_SMB_PASSWORD"}
    environment.update(env)
    process = subprocess.Popen(
        [SCRIPT, *args],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,
        env=environment,
        start_new_session=True,
    )
    os.close(terminal)
    output = b""
    sent = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([controller], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(controller, 4096)
            except OSError:
                break
            if not chunk:
                break
            output += chunk
        if not sent and re.search(rb"(\? \[y/N\] |password for [^\n]*: )$", output):
            os.write(controller, answer)
            sent = True
        if process.poll() is not None and not ready:
            break
    process.wait(10)
    os.close(controller)
    return process.returncode, output.decode(errors="replace")


def test_end_of_input_at_the_confirmation_prompt_is_no(tmp_path: pathlib.Path) -> None:
    card = tmp_path / "card"
    card.mkdir()
    (card / "46xxsettings.txt").write_bytes(ADMIN)
    with IpOfficeEmulator(LocalStorage(card)) as ipo:
        args = ["stage", "--ipo", ipo.url, "--target", str(card), "--state-dir", str(tmp_path)]
        status, output = _on_a_terminal(args, b"\x04", {})
    assert status == 2, output
    assert "cancelled" in output and "Traceback" not in output
    assert os.listdir(card) == ["46xxsettings.txt"]


def test_end_of_input_at_the_password_prompt_is_no(tmp_path: pathlib.Path) -> None:
    args = ["status", "--target", "smb://admin@192.0.2.1/sd"]
    status, output = _on_a_terminal(args, b"\x04", {})
    assert status == 2, output
    assert "no password" in output and "Traceback" not in output


@pytest.mark.parametrize("command", [("blank",), ("set", "SIPDOMAIN", "example.com")])
def test_an_output_in_a_missing_folder_names_the_folder_not_an_sd_card(
    tmp_path: pathlib.Path, command: tuple[str, ...]
) -> None:
    out = tmp_path / "missing" / "new.txt"
    result = run(command[0], str(IPO), *command[1:], "-o", str(out), cwd=tmp_path)
    assert_clean_error(result, 2, f"the folder {out.parent} does not exist")
    assert b"SD card" not in result.stderr
