"""The real ``ipo46xx`` console script, run in a subprocess: exit codes, stdout, stderr."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
from collections.abc import Iterator

import pytest

from ipo46xx.emulator import IpOfficeEmulator
from ipo46xx.storage import LocalStorage

from .conftest import CONTRACT_COMMANDS, FIXTURES
from .samba import Samba
from .staging_site import ADMIN

IPO = FIXTURES / "ipo11-auto" / "46xxsettings.txt"
SCRIPT = shutil.which("ipo46xx") or str(pathlib.Path(sys.executable).parent / "ipo46xx")


def run(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
    cwd: pathlib.Path | None = None,
) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if k != "IPO46XX_SMB_PASSWORD"}
    environment.update(env or {})
    return subprocess.run(
        [SCRIPT, *args],
        input=stdin,
        capture_output=True,
        env=environment,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stdout.decode()


def assert_clean_error(result: subprocess.CompletedProcess[bytes], code: int, *words: str) -> None:
    """One clear line on stderr, no traceback, the right exit status."""
    error = result.stderr.decode()
    assert result.returncode == code, (result.returncode, error, result.stdout)
    assert "Traceback" not in error
    assert len(error.strip().splitlines()) == 1, error
    for word in words:
        assert word in error, (word, error)


def test_help_for_every_command_has_examples() -> None:
    top = run("--help")
    assert top.returncode == 0
    for command in CONTRACT_COMMANDS:
        assert command in text(top)
        sub = run(command, "--help")
        assert sub.returncode == 0, command
        assert "examples:" in text(sub) and f"ipo46xx {command}" in text(sub)


def test_the_cli_offers_exactly_the_contract_commands() -> None:
    from ipo46xx.cli import COMMANDS  # noqa: PLC0415

    assert sorted(COMMANDS) == sorted(CONTRACT_COMMANDS)


def test_python_dash_m_is_the_same_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ipo46xx", "trustcerts", str(IPO), "--json"],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0
    assert json.loads(result.stdout)[0]["line"] == 35


def test_trustcerts_json_shape() -> None:
    result = run("trustcerts", str(IPO), "--json")
    assert result.returncode == 0
    assert json.loads(result.stdout) == [
        {
            "line": 35,
            "names": ["Root-CA-0214515C.pem"],
            "quoted": True,
            "text": 'SET TRUSTCERTS "Root-CA-0214515C.pem"',
        },
        {
            "line": 49,
            "names": ["WebRootCA.pem"],
            "quoted": False,
            "text": "SET TRUSTCERTS WebRootCA.pem",
        },
    ]


def test_show_json_and_text() -> None:
    shown = json.loads(run("show", str(IPO), "--json").stdout)
    assert shown["lines"] == 55 and shown["line_endings"] == {"CRLF": 55}
    first = shown["statements"][0]
    assert first == {
        "line": 5,
        "kind": "set",
        "text": "SET LOGLOCAL 0",
        "keyword": "SET",
        "name": "LOGLOCAL",
        "value": "0",
        "quoted": False,
        "has_value": True,
        "unterminated": False,
        "trailing": "",
    }
    assert {s["kind"] for s in shown["statements"]} == {"set", "if", "goto", "tag", "get"}
    human = text(run("show", str(IPO)))
    assert '    35  SET   TRUSTCERTS = "Root-CA-0214515C.pem"' in human


def test_blank_to_stdout_is_byte_exact_golden() -> None:
    result = run("blank", str(IPO))
    assert result.returncode == 0
    assert result.stdout == (FIXTURES / "ipo11-auto" / "blank.txt").read_bytes()


def test_blank_from_standard_input() -> None:
    data = (FIXTURES / "template-excerpt" / "46xxsettings.txt").read_bytes()
    result = run("blank", "-", stdin=data)
    assert result.stdout == (FIXTURES / "template-excerpt" / "blank.txt").read_bytes()


def test_binary_standard_input_is_refused() -> None:
    assert_clean_error(
        run("show", "-", stdin=bytes(range(256)) * 4), 2, "standard input", "binary data"
    )


def test_blank_check_and_diff_write_nothing(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "46xxsettings.txt"
    copy.write_bytes(IPO.read_bytes())
    check = run("blank", str(copy), "--check", "--diff")
    assert check.returncode == 1
    assert '+SET TRUSTCERTS ""' in text(check)
    assert copy.read_bytes() == IPO.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["46xxsettings.txt"]
    blanked = tmp_path / "blanked.txt"
    blanked.write_bytes((FIXTURES / "ipo11-auto" / "blank.txt").read_bytes())
    assert run("blank", str(blanked), "--check").returncode == 0


def test_blank_in_place_keeps_an_orig_and_never_clobbers_it(tmp_path: pathlib.Path) -> None:
    copy = tmp_path / "46xxsettings.txt"
    copy.write_bytes(IPO.read_bytes())
    result = run("blank", str(copy), "--in-place")
    assert result.returncode == 0
    assert "changed line(s) 35, 49" in result.stderr.decode()
    assert copy.read_bytes() == (FIXTURES / "ipo11-auto" / "blank.txt").read_bytes()
    assert (tmp_path / "46xxsettings.txt.orig").read_bytes() == IPO.read_bytes()
    copy.write_bytes(IPO.read_bytes())
    again = run("blank", str(copy), "--in-place")
    assert_clean_error(again, 2, "46xxsettings.txt.orig already exists", "--no-backup")
    assert copy.read_bytes() == IPO.read_bytes()
    assert run("blank", str(copy), "--in-place", "--no-backup").returncode == 0
    assert copy.read_bytes() == (FIXTURES / "ipo11-auto" / "blank.txt").read_bytes()


def test_rewrite_to_an_output_file(tmp_path: pathlib.Path) -> None:
    out = tmp_path / "out.txt"
    result = run(
        "rewrite",
        str(FIXTURES / "admin-explicit" / "46xxsettings.txt"),
        "--replace",
        "Root-CA-0214515C.pem=Root-CA-1A2B3C4D.pem",
        "-o",
        str(out),
    )
    assert result.returncode == 0
    assert out.read_bytes() == (FIXTURES / "admin-explicit" / "replace.txt").read_bytes()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("show", "no-such-file.txt"), ["no-such-file.txt", "no such file"]),
        (("show", str(FIXTURES)), ["is a folder"]),
        (("show", sys.executable), ["binary data"]),
        (("show", "http://127.0.0.1:9/46xxsettings.txt"), ["connection refused"]),
        (("show", "http://[::1/46xxsettings.txt"), ["not a valid URL"]),
        (("rewrite", str(IPO), "--replace", "nonsense"), ["bad --replace 'nonsense'", "OLD=NEW"]),
        (("rewrite", str(IPO), "--replace", "Root-CA-0214515C.pem=a b.pem"), ["blanks"]),
        (("rewrite", str(IPO), "--replace", "Missing.pem=x.pem"), ["Missing.pem is not in"]),
        (("blank", "-", "--in-place"), ["--in-place needs a local file"]),
        (("eval", str(IPO)), ["--model"]),
        (("eval", str(IPO), "--all-models"), ["--setting"]),
        (("eval", str(IPO), "--model", "9611", "--sig", "ISDN"), ["H323 or SIP"]),
        (("frobnicate",), ["invalid choice"]),
        (("stage", "--target", "/tmp"), ["--ipo"]),
        (("status", "--target", "smb://admin:pw@host/share"), ["IPO46XX_SMB_PASSWORD"]),
        (("status", "--target", "smb://admin@host/share"), ["IPO46XX_SMB_PASSWORD"]),
        (("status", "--target", "/no/such/card"), ["SD card mounted"]),
    ],
)
def test_user_mistakes_are_one_clear_line_and_exit_2(
    args: tuple[str, ...], words: list[str]
) -> None:
    assert_clean_error(run(*args), 2, *words)


def test_lint_exit_status_and_json(tmp_path: pathlib.Path) -> None:
    clean = run("lint", str(IPO))
    assert clean.returncode == 0 and "1 warning" in text(clean)
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"GOTO NOWHERE\r\nSET TRUSTCERTS a.pem,,b.pem\r\n")
    result = run("lint", str(broken), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert [(f["line"], f["code"]) for f in report["findings"]] == [
        (1, "undefined-tag"),
        (2, "trustcerts-format"),
        (2, "unreachable"),
    ]


def test_eval_json_shape_and_table() -> None:
    result = json.loads(run("eval", str(IPO), "--model", "9611", "--sig", "H323", "--json").stdout)
    # $MODEL comes from the model table when --var MODEL=... does not give it.
    assert result["phone"] == {"model4": "9611", "model": "9611GD01A", "group": "0", "sig": "H323"}
    assert result["settings"]["TRUSTCERTS"] == {
        "value": "Root-CA-0214515C.pem",
        "line": 35,
        "file": "46xxsettings.txt",
    }
    assert result["trace"][:3] == [5, 6, 7]
    assert result["findings"][0]["code"] == "get-not-found"
    table = json.loads(
        run("eval", str(IPO), "--setting", "TRUSTCERTS", "--all-models", "--json").stdout
    )
    values = {(r["model"], r["sig"]): r["value"] for r in table["rows"]}
    assert values["9611", "H323"] == values["J179", "H323"] == "Root-CA-0214515C.pem"
    assert values["J179", "SIP"] == "WebRootCA.pem" and values["1608", "H323"] is None
    assert values["9620", "SIP"] == "WebRootCA.pem" and ("J129", "H323") not in values
    reports = {(r["model"], r["sig"]): r["reports"] for r in table["rows"]}
    assert reports["9620", "SIP"] == {
        "MODEL4": "9620",
        "MODEL": "9620D01A",
        "SIG": "2",
        "SIG_IN_USE": "SIP",
    }
    human = text(run("eval", str(IPO), "--setting", "TRUSTCERTS", "--all-models"))
    assert 'J1x9    J179   SIP        "WebRootCA.pem"   line 49' in human
    assert 'K1xx    K155   SIP        "WebRootCA.pem"   line 49' in human


def test_eval_var_macaddr_follows_get_of_the_per_device_file(tmp_path: pathlib.Path) -> None:
    (tmp_path / "J100Supgrade.txt").write_bytes(b"SET A 1\nGET $MACADDR.txt\n")
    (tmp_path / "d47856b7122c.txt").write_bytes(b"SET SIPUSERNAME 2001\n")
    script = str(tmp_path / "J100Supgrade.txt")
    found = run("eval", script, "--model", "J179", "--var", "MACADDR=d47856b7122c", "--json")
    settings = json.loads(found.stdout)["settings"]
    assert settings["SIPUSERNAME"] == {"value": "2001", "line": 1, "file": "d47856b7122c.txt"}
    (tmp_path / "d47856b7122c.txt").write_bytes(b'SET MYCERTCN "Avaya phone $MACADDR"\n')
    found = run("eval", script, "--model", "J179", "--var", "MACADDR=d47856b7122c")
    assert 'MYCERTCN = "Avaya phone d47856b7122c"' in text(found)
    assert 'written "Avaya phone $MACADDR"' in text(found)
    unset = text(run("eval", script, "--model", "J179"))
    assert "$MACADDR.txt cannot be had here: $MACADDR has no value" in unset


def test_eval_follows_get_to_a_file_beside_it(tmp_path: pathlib.Path) -> None:
    (tmp_path / "46xxsettings.txt").write_bytes(b"SET A 1\nGET 46xxspecials.txt\n")
    (tmp_path / "46xxspecials.txt").write_bytes(b"SET A 2\n")
    result = json.loads(
        run("eval", str(tmp_path / "46xxsettings.txt"), "--model", "9611", "--json").stdout
    )
    assert result["settings"]["A"] == {"value": "2", "line": 1, "file": "46xxspecials.txt"}
    assert result["trace"] == [1, 2, "46xxspecials.txt:1"]


@pytest.fixture
def card(tmp_path: pathlib.Path) -> Iterator[tuple[pathlib.Path, IpOfficeEmulator]]:
    folder = tmp_path / "sd" / "system" / "primary"
    folder.mkdir(parents=True)
    (folder / "46xxsettings.txt").write_bytes(ADMIN)
    with IpOfficeEmulator(LocalStorage(folder)) as ipo:
        yield folder, ipo


def test_the_staging_commands_end_to_end(
    card: tuple[pathlib.Path, IpOfficeEmulator], tmp_path: pathlib.Path
) -> None:
    folder, ipo = card
    common = ["--target", str(folder), "--state-dir", str(tmp_path / "state")]
    dry = run("stage", "--ipo", ipo.url, *common, "--dry-run")
    assert dry.returncode == 0
    assert "rename 46xxsettings.txt to 46xxsettings.bak" in text(dry)
    assert "dry run: nothing was changed" in text(dry)
    assert sorted(p.name for p in folder.iterdir()) == ["46xxsettings.txt"]

    refused = run("stage", "--ipo", ipo.url, *common)  # no terminal, no --yes
    assert_clean_error(refused, 2, "--yes")
    assert (folder / "46xxsettings.txt").read_bytes() == ADMIN

    staged = run("stage", "--ipo", ipo.url, *common, "--yes")
    assert staged.returncode == 0, staged.stderr
    out = text(staged)
    assert "state: staged" in out and "Step 6: restart the phones" in out
    assert "File > Advanced > Security Settings" in out
    assert (folder / "46xxsettings.bak").read_bytes() == ADMIN

    twice = run("stage", "--ipo", ipo.url, *common)  # nothing to change: no --yes needed
    assert twice.returncode == 0 and "already staged" in text(twice)
    assert run("verify", "--ipo", ipo.url, *common).returncode == 0
    status = json.loads(run("status", *common, "--json").stdout)
    assert status["state"] == "staged" and status["target"] == folder.as_uri()
    assert [s["step"] for s in status["steps"]] == ["fetch", "blank", "park", "write"]

    early = run("restore", "--ipo", ipo.url, *common, "--yes")
    assert_clean_error(early, 3, "not been regenerated")

    ipo.regenerate_certificate()
    restored = run("restore", "--ipo", ipo.url, *common, "--yes")
    assert restored.returncode == 0, restored.stderr
    assert f'+SET TRUSTCERTS "AcmeRootCA.pem,{ipo.root_ca}"' in text(restored)
    assert "Step 9" in text(restored)

    again = run("restore", "--ipo", ipo.url, *common, "--yes")
    assert "already restored" in text(again)
    rolled = run("rollback", *common, "--yes")
    assert rolled.returncode == 0, rolled.stderr
    assert (folder / "46xxsettings.txt").read_bytes() == ADMIN
    assert run("status", *common, "--json").returncode == 0


def test_a_changed_target_exits_3(
    card: tuple[pathlib.Path, IpOfficeEmulator], tmp_path: pathlib.Path
) -> None:
    folder, ipo = card
    common = ["--ipo", ipo.url, "--target", str(folder), "--state-dir", str(tmp_path / "s")]
    assert run("stage", *common, "--yes").returncode == 0
    (folder / "46xxsettings.txt").write_bytes(b"## edited by someone\r\n")
    ipo.regenerate_certificate()
    result = run("restore", *common, "--yes")
    assert_clean_error(result, 3, "changed under us")
    assert (folder / "46xxsettings.txt").read_bytes() == b"## edited by someone\r\n"


def test_verify_exits_1_when_the_ipo_serves_something_else(
    card: tuple[pathlib.Path, IpOfficeEmulator], tmp_path: pathlib.Path
) -> None:
    folder, ipo = card
    common = ["--ipo", ipo.url, "--target", str(folder), "--state-dir", str(tmp_path / "s")]
    run("stage", *common, "--yes")
    (folder / "46xxsettings.txt").write_bytes(b"SET TRUSTCERTS x.pem\r\n")
    result = run("verify", *common, "--json")
    assert result.returncode == 1
    assert json.loads(result.stdout)["ok"] is False


def test_a_damaged_journal_exits_3(tmp_path: pathlib.Path) -> None:
    state = tmp_path / "state"
    state.mkdir()
    (state / "journal.json").write_text('{"format": 1, "state": "staged"}')
    result = run("status", "--target", str(tmp_path), "--state-dir", str(state))
    assert_clean_error(result, 3, "journal", "damaged")


def test_an_internal_error_is_one_line_and_a_traceback_only_with_v(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No user mistake reaches this path, so a bug is planted in-process.
    from ipo46xx import cli  # noqa: PLC0415
    from ipo46xx.cli import files  # noqa: PLC0415

    def broken(args: object) -> int:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(files, "cmd_show", broken)
    assert cli.main(["show", str(IPO)]) == 4
    error = capsys.readouterr().err
    assert "internal error: RuntimeError: planted bug" in error and "-v" in error
    assert "Traceback" not in error
    with pytest.raises(RuntimeError, match="planted bug"):
        cli.main(["-v", "show", str(IPO)])


def test_demo_runs_the_whole_story() -> None:
    result = run("demo")
    assert result.returncode == 0, result.stderr
    out = text(result)
    for step in ("Steps 1-5", "Step 6", "Step 7", "Step 8", "Step 9"):
        assert step in out
    assert '+SET TRUSTCERTS ""' in out and 'reads TRUSTCERTS ""' in out
    assert "Done:" in out


def test_local_commands_never_import_smbclient_and_help_is_light() -> None:
    for args in (["--help"], ["show", str(IPO)], ["blank", str(IPO)]):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "ipo46xx", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0
        modules = {
            line.split("|")[-1].strip()
            for line in result.stderr.splitlines()
            if line.startswith("import time:")
        }
        assert not {"smbclient", "smbprotocol", "spnego"} & modules, args
        if args == ["--help"]:
            assert not {"pyparsing", "attrs", "ssl", "urllib.request"} & modules


def test_staging_on_an_smb_share_keeps_the_password_out_of_every_output(
    samba: Samba, tmp_path: pathlib.Path
) -> None:
    folder = samba.share_paths["sd"] / tmp_path.name / "system" / "primary"
    folder.mkdir(parents=True)
    (folder / "46xxsettings.txt").write_bytes(ADMIN)
    target = samba.url("sd", f"{tmp_path.name}/system/primary")
    state = tmp_path / "state"
    secret = {"IPO46XX_SMB_PASSWORD": samba.password}
    with IpOfficeEmulator(LocalStorage(folder)) as ipo:
        common = ["--ipo", ipo.url, "--target", target, "--state-dir", str(state)]
        staged = run("-v", "stage", *common, "--yes", env=secret)
        assert staged.returncode == 0, staged.stderr
        assert "park: rename 46xxsettings.txt" in staged.stderr.decode()  # -v logs steps
        status = run("status", *common, "--json", env=secret)
        assert json.loads(status.stdout)["state"] == "staged"
        wrong = run("status", *common, env={"IPO46XX_SMB_PASSWORD": "wrong-" + samba.password})
        assert_clean_error(wrong, 2, "refused user", "IPO46XX_SMB_PASSWORD")
        rolled = run("rollback", *common, "--yes", env=secret)
        assert rolled.returncode == 0, rolled.stderr
    assert (folder / "46xxsettings.txt").read_bytes() == ADMIN
    everything = b"".join(r.stdout + r.stderr for r in (staged, status, wrong, rolled))
    everything += b"".join(p.read_bytes() for p in state.rglob("*") if p.is_file())
    assert samba.password.encode() not in everything
