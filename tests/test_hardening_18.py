"""Issue 18, items 9-17: secrets in malformed addresses, user input that crashed, the
inventory as strict as the command line, and the rough edges that misled."""

from __future__ import annotations

import base64
import json
import pathlib
import urllib.parse

import pytest

from .test_cli import assert_clean_error, run
from .test_cli_hardening import _on_a_terminal

SECRET = "Hunter2-pw"
_FORMS = (SECRET, urllib.parse.quote(SECRET), base64.b64encode(SECRET.encode()).decode())

MALFORMED_IPO = (
    f"admin:{SECRET}@192.0.2.1:80",  # no scheme, two colons: not a bare IPv6 address
    f"admin:{SECRET}@host:port",
    f"http://[admin:{SECRET}@host]/",
    f"http://admin:{SECRET}@[::1/x",
    f"https://admin:{SECRET}@ipo:99999/",
)
MALFORMED_TARGET = (
    f"smb://admin:{SECRET}@[::1/share",
    f"smb://admin:{SECRET}@host:port/share",
    f"smb://[admin:{SECRET}@host]/share",
)


def _assert_secret_free(output: str) -> None:
    for form in _FORMS:
        assert form not in output, (form, output)


def _output(result: object) -> str:
    return (result.stdout + result.stderr).decode(errors="replace")  # type: ignore[attr-defined]


# -- item 9: no password from a malformed address in any output ------------------------


@pytest.mark.parametrize("address", MALFORMED_IPO)
def test_a_password_in_a_malformed_ipo_address_is_never_shown(
    address: str, tmp_path: pathlib.Path
) -> None:
    for verbose in ([], ["-v"]):
        for command in (
            ["stage", "--ipo", address, "--target", str(tmp_path), "--dry-run", "--timeout", "2"],
            ["cert", "--ipo", address, "--timeout", "2"],
            ["status", "--ipo", address, "--target", str(tmp_path)],
        ):
            result = run(*verbose, *command)
            assert_clean_error(result, 2)
            _assert_secret_free(_output(result))


@pytest.mark.parametrize("target", MALFORMED_TARGET)
def test_a_password_in_a_malformed_smb_target_is_never_shown(
    target: str, tmp_path: pathlib.Path
) -> None:
    for env in ({}, {"IPO46XX_SMB_PASSWORD": "x"}):
        result = run("-v", "status", "--target", target, "--state-dir", str(tmp_path), env=env)
        assert_clean_error(result, 2, "password")
        _assert_secret_free(_output(result))


def test_a_password_in_the_smb_url_is_refused_before_the_prompt(tmp_path: pathlib.Path) -> None:
    args = ["status", "--target", f"smb://user:{SECRET}@192.0.2.1/sd"]
    status, output = _on_a_terminal(args, b"typed\n", {})
    assert status == 2, output
    assert "password for" not in output
    _assert_secret_free(output)


def test_the_redaction_keeps_the_user_and_drops_the_rest() -> None:
    from ipo46xx.logfilter import redact_address  # noqa: PLC0415

    for address in (*MALFORMED_IPO, *MALFORMED_TARGET, f"smb://u:p/{SECRET}@host/share"):
        shown = redact_address(address)
        _assert_secret_free(shown)
        assert "***" in shown
    assert redact_address("smb://admin@host/share") == "smb://admin@host/share"
    assert (
        redact_address("http://192.0.2.1/46xxsettings.txt") == "http://192.0.2.1/46xxsettings.txt"
    )


def _card(tmp_path: pathlib.Path) -> pathlib.Path:
    """A card folder holding the administrator's explicit file."""
    from .staging_site import ADMIN  # noqa: PLC0415

    card = tmp_path / "card"
    card.mkdir()
    (card / "46xxsettings.txt").write_bytes(ADMIN)
    return card


def _fleet_inventory(tmp_path: pathlib.Path, ipo: str, target: str) -> pathlib.Path:
    inventory = tmp_path / "sites.toml"
    inventory.write_text(f'[[site]]\nname = "hq"\nipo = "{ipo}"\ntarget = "{target}"\n')
    return inventory


@pytest.mark.parametrize("address", MALFORMED_IPO)
def test_the_fleet_never_shows_a_password_from_a_malformed_address(
    address: str, tmp_path: pathlib.Path
) -> None:
    inventory = _fleet_inventory(tmp_path, address, str(tmp_path / "card"))
    for action in ("cert", "status"):
        for extra in ([], ["--json"]):
            result = run("-v", "fleet", action, "--inventory", str(inventory), *extra)
            assert_clean_error(result, 2, str(inventory), "hq")
            _assert_secret_free(_output(result))


# -- item 10: user input, not internal errors ------------------------------------------


def test_an_address_with_a_space_is_bad_input(tmp_path: pathlib.Path) -> None:
    result = run("stage", "--ipo", "not an address", "--target", str(tmp_path), "--dry-run")
    assert_clean_error(result, 2, "space")
    assert_clean_error(run("cert", "--ipo", "not an address"), 2, "space")
    assert_clean_error(run("show", "http://bad host/x"), 2, "space")
    assert_clean_error(run("status", "--target", "smb://bad host/share"), 2, "space")


def test_malformed_brackets_in_an_inventory_are_bad_input(tmp_path: pathlib.Path) -> None:
    for ipo, target in (("http://[::1", str(tmp_path)), ("192.0.2.1", "smb://[::1/share")):
        inventory = _fleet_inventory(tmp_path, ipo, target)
        result = run("fleet", "status", "--inventory", str(inventory))
        assert_clean_error(result, 2, str(inventory), "line 3" if "[" in ipo else "line 4", "hq")


@pytest.mark.parametrize("value", ["1e10", "inf", "nan", "0", "-1", "soon"])
def test_an_unusable_timeout_is_bad_input(value: str, tmp_path: pathlib.Path) -> None:
    result = run("show", "http://127.0.0.1:9/46xxsettings.txt", "--timeout", value)
    assert_clean_error(result, 2, "--timeout")
    result = run("cert", "--ipo", "127.0.0.1", "--timeout", value)
    assert_clean_error(result, 2, "--timeout")


def test_the_library_refuses_a_timeout_no_timer_can_hold() -> None:
    from ipo46xx.errors import InputError  # noqa: PLC0415
    from ipo46xx.office.download import download  # noqa: PLC0415

    with pytest.raises(InputError, match="time limit"):
        download("http://127.0.0.1:9/x", timeout=1e10)


def test_json_outputs_stay_parseable_for_fleet_errors(tmp_path: pathlib.Path) -> None:
    (tmp_path / "card").mkdir()
    inventory = _fleet_inventory(tmp_path, "192.0.2.1", str(tmp_path / "card"))
    result = run("fleet", "status", "--inventory", str(inventory), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["sites"][0]["name"] == "hq"


# -- item 11: the inventory as strict as the command line; one card, one site ----------


def _two_sites(tmp_path: pathlib.Path, first: str, second: str) -> str:
    return (
        f'[[site]]\nname = "a"\nipo = "192.0.2.1"\ntarget = "{first}"\n'
        f'[[site]]\nname = "b"\nipo = "192.0.2.2"\ntarget = "{second}"\n'
    )


def test_two_spellings_of_one_card_are_one_target(tmp_path: pathlib.Path) -> None:
    from ipo46xx.fleet.inventory import InventoryError, parse_inventory  # noqa: PLC0415

    card = tmp_path / "card"
    (card / "sub").mkdir(parents=True)
    (tmp_path / "link").symlink_to(card)
    for other in (
        f"{card}/",
        f"{card}/sub/..",
        card.as_uri(),
        str(tmp_path / "link"),
    ):
        with pytest.raises(InventoryError, match=r"line 5, site 'b'.*same target as site 'a'"):
            parse_inventory(_two_sites(tmp_path, str(card), other), tmp_path / "s.toml")
    for first, second in (
        ("smb://fs/IPO/sd", "smb://FS:445/ipo/sd/"),
        ("smb://fs/ipo/sd", "smb://user@fs/ipo/x/../sd"),
    ):
        with pytest.raises(InventoryError, match="same target"):
            parse_inventory(_two_sites(tmp_path, first, second), tmp_path / "s.toml")
    two = parse_inventory(_two_sites(tmp_path, str(card), str(card / "sub")), tmp_path / "s.toml")
    assert len(two.sites) == 2


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("ipo", "not an address", ["line 3", "space"]),
        ("ipo", "ftp://192.0.2.1/", ["line 3", "http"]),
        ("ipo", "http://192.0.2.1:0/", ["line 3", "port"]),
        ("target", "smb://fs:99999/sd", ["line 4", "port"]),
        ("target", "smb://fs", ["line 4", "no share"]),
        ("target", "ftp://fs/sd", ["line 4", "unknown kind"]),
    ],
)
def test_every_ipo_and_target_is_checked_before_anything_runs(
    field: str, value: str, words: list[str], tmp_path: pathlib.Path
) -> None:
    from ipo46xx.fleet.inventory import InventoryError, parse_inventory  # noqa: PLC0415

    text = _two_sites(tmp_path, "/a", "/b").replace(
        'ipo = "192.0.2.1"' if field == "ipo" else 'target = "/a"', f'{field} = "{value}"'
    )
    with pytest.raises(InventoryError) as raised:
        parse_inventory(text, tmp_path / "s.toml")
    for word in [*words, "site 'a'", field]:
        assert word in str(raised.value), (word, str(raised.value))


# -- item 16: the journal's copies are private -----------------------------------------


def test_the_state_folder_is_private_also_when_an_older_version_made_it(
    tmp_path: pathlib.Path,
) -> None:
    import os  # noqa: PLC0415
    import stat  # noqa: PLC0415

    from ipo46xx.emulator import IpOfficeEmulator  # noqa: PLC0415
    from ipo46xx.storage import LocalStorage  # noqa: PLC0415

    from .staging_site import ADMIN  # noqa: PLC0415

    card = tmp_path / "card"
    card.mkdir()
    (card / "46xxsettings.txt").write_bytes(ADMIN + b'SET SIPPASSWORD "x"\r\n')
    state = tmp_path / "state"
    state.mkdir(mode=0o755)
    os.chmod(state, 0o755)  # as an older version left it, whatever the umask
    (state / "old-copy.txt").write_bytes(b"x")
    os.chmod(state / "old-copy.txt", 0o644)
    with IpOfficeEmulator(LocalStorage(card)) as ipo:
        result = run("stage", "--ipo", ipo.url, "--target", str(card), "--state-dir", str(state),
                     "--yes")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    kept = [p for p in state.rglob("*") if p.is_file() and p.name not in ("lock", "old-copy.txt")]
    assert any(p.name == "journal.json" for p in kept) and len(kept) > 2, kept
    for path in kept:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    for folder in (p for p in state.rglob("*") if p.is_dir()):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


# -- item 17: eval says when it guesses, and when an option is ignored -----------------


def test_eval_of_a_model_in_no_table_says_so() -> None:
    from .test_cli import IPO  # noqa: PLC0415

    result = run("eval", str(IPO), "--model", "9999")
    assert result.returncode == 0, result.stderr
    warning = result.stderr.decode()
    assert "9999" in warning and "no table" in warning, warning
    known = run("eval", str(IPO), "--model", "9611")
    assert known.returncode == 0 and known.stderr == b""
    as_json = run("eval", str(IPO), "--model", "9999", "--json")
    assert json.loads(as_json.stdout)["phone"]


def test_eval_refuses_all_models_with_one_model() -> None:
    from .test_cli import IPO  # noqa: PLC0415

    result = run("eval", str(IPO), "--all-models", "--setting", "TRUSTCERTS", "--model", "9611")
    assert_clean_error(result, 2, "--all-models", "--model")


# -- item 12: advice that leads somewhere ----------------------------------------------


def test_rollback_after_a_hand_edit_says_how_to_move_the_file_aside(
    tmp_path: pathlib.Path,
) -> None:
    from ipo46xx.emulator import IpOfficeEmulator  # noqa: PLC0415
    from ipo46xx.storage import LocalStorage  # noqa: PLC0415

    from .staging_site import ADMIN  # noqa: PLC0415

    card = _card(tmp_path)
    common = ["--target", str(card), "--state-dir", str(tmp_path / "state")]
    with IpOfficeEmulator(LocalStorage(card)) as ipo:
        assert run("stage", "--ipo", ipo.url, *common, "--yes").returncode == 0
    (card / "46xxsettings.txt").write_bytes(b"SET X 1\r\n")  # a hand edit
    result = run("rollback", *common, "--yes")
    assert_clean_error(result, 3, "46xxsettings.txt", "aside", "46xxsettings.txt.edited")
    message = result.stderr.decode()
    assert "or rollback" not in message, message  # rollback is what just refused
    assert "run rollback again" in message, message
    (card / "46xxsettings.txt").rename(card / "46xxsettings.txt.edited")
    again = run("rollback", *common, "--yes")
    assert again.returncode == 0, again.stderr
    assert (card / "46xxsettings.txt").read_bytes() == ADMIN


def test_status_of_a_card_the_fleet_staged_names_the_fleets_journal(
    tmp_path: pathlib.Path,
) -> None:
    from ipo46xx.emulator import IpOfficeEmulator  # noqa: PLC0415
    from ipo46xx.storage import LocalStorage  # noqa: PLC0415

    card = _card(tmp_path)
    env = {"XDG_STATE_HOME": str(tmp_path / "xdg")}
    with IpOfficeEmulator(LocalStorage(card)) as ipo:
        inventory = _fleet_inventory(tmp_path, ipo.url, str(card))
        staged = run("fleet", "stage", "--inventory", str(inventory), "--yes", env=env)
        assert staged.returncode == 0, staged.stderr
    site_dir = next((tmp_path / "xdg" / "ipo46xx" / "fleet").glob("*/hq"))
    result = run("status", "--target", str(card), env=env)
    assert result.returncode == 0, result.stderr
    assert str(site_dir) in result.stdout.decode(), result.stdout.decode()
    assert "fleet" in result.stdout.decode()
    as_json = json.loads(run("status", "--target", str(card), "--json", env=env).stdout)
    assert any(str(site_dir) in line for line in as_json["next"]), as_json


# -- item 15: honest answers about TLS --------------------------------------------------


def test_ca_file_on_plain_http_is_refused_as_a_pin_is(tmp_path: pathlib.Path) -> None:
    from ipo46xx.emulator import IpOfficeEmulator  # noqa: PLC0415
    from ipo46xx.storage import LocalStorage  # noqa: PLC0415

    card = tmp_path / "card"
    card.mkdir()
    ca = tmp_path / "ca.pem"
    ca.write_text("not used")
    with IpOfficeEmulator(LocalStorage(card)) as ipo:
        assert ipo.url.startswith("http://")
        common = ["--ipo", ipo.url, "--target", str(card), "--dry-run"]
        pinned = run("stage", *common, "--pin", "ab" * 32)
        with_ca = run("stage", *common, "--ca-file", str(ca))
        shown = run("show", ipo.settings_url, "--ca-file", str(ca))
    assert pinned.returncode == with_ca.returncode == shown.returncode == 2
    for result in (pinned, with_ca, shown):
        assert "no certificate" in result.stderr.decode(), result.stderr


def test_http_sent_to_a_tls_port_says_use_https(tmp_path: pathlib.Path) -> None:
    from ipo46xx.emulator import IpOfficeEmulator  # noqa: PLC0415
    from ipo46xx.storage import LocalStorage  # noqa: PLC0415

    with IpOfficeEmulator(LocalStorage(tmp_path)) as ipo:
        port = ipo.tls_port
        result = run("show", f"http://127.0.0.1:{port}/46xxsettings.txt", "--timeout", "5")
    assert_clean_error(result, 2, "speaks TLS", f"https://127.0.0.1:{port}/")


def test_the_wrong_password_hint_names_where_the_password_came_from(
    samba: object, tmp_path: pathlib.Path
) -> None:
    server = samba  # tests.samba.Samba
    folder = server.share_paths["sd"] / tmp_path.name  # type: ignore[attr-defined]
    folder.mkdir()
    target = server.url("sd", tmp_path.name)  # type: ignore[attr-defined]
    inventory = tmp_path / "sites.toml"
    inventory.write_text(
        f'[[site]]\nname = "hq"\nipo = "192.0.2.1"\ntarget = "{target}"\n'
        'password_env = "ACME_SMB_PASSWORD"\n'
    )
    wrong = {"ACME_SMB_PASSWORD": "not-it", "IPO46XX_SMB_PASSWORD": "not-it"}
    result = run("fleet", "status", "--inventory", str(inventory), "--state-dir",
                 str(tmp_path / "s"), env=wrong)  # fmt: skip
    assert result.returncode == 1, result.stderr  # the fleet: some site failed
    assert "ACME_SMB_PASSWORD" in _output(result) and "IPO46XX_SMB" not in _output(result)
    single = run("status", "--target", target, "--state-dir", str(tmp_path / "t"), env=wrong)
    assert_clean_error(single, 2, "IPO46XX_SMB_PASSWORD")


def test_fleet_cert_with_no_endpoint_answering_exits_as_cert_does(tmp_path: pathlib.Path) -> None:
    from .tls_servers import free_port  # noqa: PLC0415

    port = free_port()  # nothing listens there
    single = run("cert", "--ipo", "127.0.0.1", "--port", str(port), "--timeout", "2")
    inventory = tmp_path / "sites.toml"
    inventory.write_text(
        f'[[site]]\nname = "hq"\nipo = "127.0.0.1"\ntarget = "{tmp_path}"\n'
        f"tls_port = {port}\ntimeout = 2\n"
    )
    fleet = run("fleet", "cert", "--inventory", str(inventory), "--json")
    assert single.returncode == 2, single.stderr
    assert json.loads(fleet.stdout)["sites"][0]["exit"] == single.returncode


# -- item 14: Ctrl-C, for real ---------------------------------------------------------


def _interrupted(args: list[str], presses: int = 1) -> tuple[int, str, str]:
    """Run against a server that takes the connection and never answers (at ``PORT``);
    Ctrl-C once the command is waiting on it, ``presses`` times."""
    port = _free_port()
    return _interrupted_on(port, [a.replace("PORT", str(port)) for a in args], presses)


def _free_port() -> int:
    import socket  # noqa: PLC0415

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_ctrl_c_points_to_status_only_where_a_target_may_have_changed(
    tmp_path: pathlib.Path,
) -> None:
    url = "http://127.0.0.1:PORT/46xxsettings.txt"
    for args in (["show", url], ["cert", "--ipo", "127.0.0.1", "--port", "PORT"]):
        status, _, stderr = _interrupted([*args, "--timeout", "30"])
        assert status == 130, stderr
        assert "interrupted" in stderr and "status" not in stderr, stderr
        assert "Traceback" not in stderr
    stage = ["stage", "--ipo", url, "--target", str(tmp_path), "--yes", "--timeout", "30"]
    status, _, stderr = _interrupted([*stage, "--state-dir", str(tmp_path / "s")])
    assert status == 130 and "`ipo46xx status" in stderr, stderr


def test_fleet_json_stays_json_after_a_second_ctrl_c(tmp_path: pathlib.Path) -> None:
    inventory = tmp_path / "sites.toml"
    inventory.write_text(
        '[[site]]\nname = "hq"\nipo = "127.0.0.1"\n'
        f'target = "{tmp_path}"\ntls_port = PORT\ntimeout = 30\n'
        '[[site]]\nname = "branch"\nipo = "127.0.0.1"\n'
        f'target = "{tmp_path / "b"}"\ntls_port = PORT\ntimeout = 30\n'
    )
    port = _free_port()  # the inventory needs it before the command starts
    inventory.write_text(inventory.read_text().replace("PORT", str(port)))
    args = ["fleet", "cert", "--inventory", str(inventory), "--jobs", "1", "--json"]
    status, stdout, stderr = _interrupted_on(port, args, presses=2)
    assert status == 130, stderr
    document = json.loads(stdout)
    assert document["abandoned"] is True
    sites = {site["name"]: site for site in document["sites"]}
    assert sites["hq"]["result"] == "abandoned" and sites["branch"]["result"] == "not run"


def _interrupted_on(port: int, args: list[str], presses: int) -> tuple[int, str, str]:
    import os  # noqa: PLC0415
    import signal  # noqa: PLC0415
    import socket  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    import time  # noqa: PLC0415

    from .test_cli import SCRIPT  # noqa: PLC0415

    with socket.socket() as silent:
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", port))
        silent.listen(8)
        silent.settimeout(60)
        environment = {k: v for k, v in os.environ.items() if k != "IPO46XX_SMB_PASSWORD"}
        process = subprocess.Popen(
            [SCRIPT, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment
        )
        connection, _ = silent.accept()
        with connection:
            time.sleep(0.3)
            for _ in range(presses):
                process.send_signal(signal.SIGINT)
                time.sleep(0.5)
            stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout.decode(), stderr.decode()


def test_every_help_footer_names_exit_130() -> None:
    from ipo46xx.cli import COMMANDS  # noqa: PLC0415

    for command in ["--help", *(f"{c} --help" for c in COMMANDS)]:
        result = run(*command.split())
        assert result.returncode == 0
        assert "130" in result.stdout.decode(), command


# -- item 13: one wait for a silent IP Office; an overall deadline per site ------------


def _counting_server(delay: float, body: bytes | None) -> tuple[object, list[str]]:
    """An HTTP server that answers every request after ``delay`` seconds (``body`` for
    /46xxsettings.txt, 404 otherwise; no answer at all when ``body`` is None)."""
    import socket  # noqa: PLC0415
    import threading  # noqa: PLC0415
    import time  # noqa: PLC0415

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    requests: list[str] = []

    def answer(conn: socket.socket) -> None:
        from .tls_servers import _read_request  # noqa: PLC0415

        with conn:
            data = _read_request(conn)
            if b" " not in data:
                return
            path = data.split(b" ")[1].decode()
            requests.append(path)
            if body is None:
                time.sleep(30)
                return
            time.sleep(delay)
            found = path == "/46xxsettings.txt"
            payload = body if found else b"not found"
            status = b"200 OK" if found else b"404 Not Found"
            conn.sendall(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: text/plain\r\nContent-Length: "
                + str(len(payload)).encode() + b"\r\nConnection: close\r\n\r\n" + payload
            )  # fmt: skip

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    return listener, requests


def test_a_silent_ip_office_is_waited_for_once(tmp_path: pathlib.Path) -> None:
    listener, requests = _counting_server(0, None)
    with listener:  # type: ignore[attr-defined]
        port = listener.getsockname()[1]  # type: ignore[attr-defined]
        result = run("stage", "--ipo", f"http://127.0.0.1:{port}", "--target", str(tmp_path),
                     "--dry-run", "--timeout", "2")  # fmt: skip
    assert_clean_error(result, 2, "no answer within 2 s")
    assert _output(result).count("no answer within") == 1, _output(result)
    assert requests == ["/46xxsettings.txt"]


def test_a_site_stops_at_its_deadline(tmp_path: pathlib.Path) -> None:
    from .staging_site import ADMIN  # noqa: PLC0415

    listener, requests = _counting_server(1.0, ADMIN)
    with listener:  # type: ignore[attr-defined]
        port = listener.getsockname()[1]  # type: ignore[attr-defined]
        common = ["--ipo", f"http://127.0.0.1:{port}", "--target", str(tmp_path), "--dry-run"]
        result = run("stage", *common, "--timeout", "5", "--deadline", "2.5")
        assert_clean_error(result, 2, "deadline", "2.5 s", "--deadline")
        assert 1 < len(requests) <= 4, requests
        help_text = run("stage", "--help").stdout.decode()
    assert "--deadline" in help_text and "default" in help_text
