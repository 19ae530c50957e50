"""The fleet: many real sites (local cards and cards on a real smbd, one stand-in IP Office
each), run through ``python -m ipo46xx fleet`` and through :func:`ipo46xx.run_fleet`."""

from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence

import pytest

from ipo46xx.fleet.inventory import load_inventory
from ipo46xx.fleet.runner import FleetProgress, run_fleet

from .fleet_sites import (
    BACKUP,
    PASSWORD_ENV,
    SETTINGS,
    WRONG_PASSWORD_ENV,
    Fleet,
    certificate_sites,
    closed_port,
    states,
)
from .samba import Samba
from .staging_site import ADMIN


def fleet_command(
    *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("IPO46XX_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "ipo46xx", "fleet", *args],
        capture_output=True,
        text=True,
        env=environment,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )


@pytest.fixture
def twenty(samba: Samba, tmp_path: pathlib.Path) -> Iterator[Fleet]:
    """20 sites, half on the real smbd; three of them are set up to fail."""
    fleet = Fleet(tmp_path, 20, samba=samba)
    (fleet.site("site-04").folder / BACKUP).write_bytes(b"someone's own backup\r\n")
    fleet.site("site-07").password_env = WRONG_PASSWORD_ENV  # on the share: wrong password
    fleet.site("site-10").ipo_url = f"http://127.0.0.1:{closed_port()}"  # unreachable
    yield fleet
    fleet.close()


FAILING = {"site-04", "site-07", "site-10"}


def test_twenty_sites_stage_rerun_status_retry_and_rollback(  # noqa: PLR0915  (one story)
    twenty: Fleet, tmp_path: pathlib.Path
) -> None:
    fleet = twenty
    inventory = fleet.write_toml()
    state = tmp_path / "journals"
    common = ["--inventory", str(inventory), "--state-dir", str(state)]
    names = [s.name for s in fleet.sites]
    before = {s.name: s.contents() for s in fleet.sites}
    untouched = {name: fleet.site(name).snapshot() for name in FAILING}

    staged = fleet_command("stage", *common, "--yes", "--json", env=fleet.environ())
    assert staged.returncode == 1, staged.stderr
    report = json.loads(staged.stdout)
    assert report["action"] == "stage"
    assert report["summary"] == {"total": 20, "ok": 17, "failed": 3, "not_run": 0}
    by_name = {entry["name"]: entry for entry in report["sites"]}
    assert list(by_name) == names
    assert {n for n, e in by_name.items() if not e["ok"]} == FAILING
    assert (
        by_name["site-04"]["exit"] == 3
        and "46xxsettings.bak already exists" in (by_name["site-04"]["message"])
    )
    assert by_name["site-07"]["exit"] == 2 and "refused user" in by_name["site-07"]["message"]
    assert by_name["site-07"]["error"] == "AuthenticationError"
    assert by_name["site-10"]["exit"] == 2 and "refused" in by_name["site-10"]["message"]
    for site in fleet.sites:
        if site.name in FAILING:
            assert site.snapshot() == untouched[site.name], site.name  # not even touched
            continue
        assert by_name[site.name]["state"] == "staged" and by_name[site.name]["exit"] == 0
        files = site.contents()
        assert b'SET TRUSTCERTS ""' in files[SETTINGS]
        assert files.get(BACKUP) == before[site.name].get(SETTINGS)  # ADMIN, or none
    assert states(state, names) == {n: None if n in FAILING else "staged" for n in names}
    # The progress lines (no terminal): one per finished site.
    progress = [line for line in staged.stderr.splitlines() if line.startswith("fleet stage: [")]
    assert len(progress) == 20

    # A rerun changes nothing that is done: same bytes, same modification times.
    after_stage = {s.name: s.snapshot() for s in fleet.sites}
    again = fleet_command("stage", *common, "--yes", env=fleet.environ())
    assert again.returncode == 1
    assert {s.name: s.snapshot() for s in fleet.sites} == after_stage
    assert again.stdout.count("already staged; nothing to do") == 17
    assert "20 site(s): 17 ok, 3 failed, 0 not run" in again.stdout

    # status from a CSV inventory of the same sites agrees with the journals.
    csv_inventory = fleet.write_csv()
    status = fleet_command(
        "status",
        "--inventory",
        str(csv_inventory),
        "--state-dir",
        str(state),
        "--json",
        env=fleet.environ(),
    )
    entries = {e["name"]: e for e in json.loads(status.stdout)["sites"]}
    assert status.returncode == 1  # site-07 cannot be opened with its wrong password
    assert not entries["site-07"]["ok"] and "refused user" in entries["site-07"]["message"]
    for name in names:
        if name != "site-07":
            assert entries[name]["ok"], entries[name]
            assert entries[name]["state"] == (states(state, [name])[name] or "new")
    assert entries["site-01"]["files"] == {SETTINGS: "staged", BACKUP: "original"}

    # Failed sites are retried: with its password right, site-07 is staged; nothing else moves.
    fleet.site("site-07").password_env = PASSWORD_ENV
    fleet.write_toml()
    retried = fleet_command("stage", *common, "--yes", "--json", env=fleet.environ())
    outcome = {e["name"]: e for e in json.loads(retried.stdout)["sites"]}
    assert outcome["site-07"]["ok"] and outcome["site-07"]["state"] == "staged"
    assert {n for n, e in outcome.items() if not e["ok"]} == {"site-04", "site-10"}
    for site in fleet.sites:
        if site.name != "site-07":
            assert site.snapshot() == after_stage[site.name], site.name

    # rollback puts every card back byte for byte.
    rolled = fleet_command("rollback", *common, "--yes", "--json", env=fleet.environ())
    result = json.loads(rolled.stdout)
    # site-10 was never staged: nothing to roll back is not a failure. site-04's card holds
    # a .bak no journal here knows of: rollback cannot tell whose run that is, and says so.
    assert result["summary"]["ok"] == 19
    [refused] = [e for e in result["sites"] if not e["ok"]]
    assert refused["name"] == "site-04" and refused["exit"] == 3
    assert "state-dir" in refused["message"]
    assert {s.name: s.contents() for s in fleet.sites} == before

    # No password anywhere: outputs, journals.
    everything = "".join(r.stdout + r.stderr for r in (staged, again, status, retried, rolled))
    everything += "".join(p.read_text(errors="replace") for p in state.rglob("*") if p.is_file())
    assert fleet.samba is not None and fleet.samba.password not in everything


BAD_INVENTORIES = {
    "unknown field": ('colour = "red"\n', "toml", ["line", "'site-01'", "unknown field"]),
    "password": ('password = "hunter2"\n', "toml", ["line", "'site-01'", "password_env"]),
    "no ipo": ("", "toml-no-ipo", ["line", "'site-01'", "no ipo"]),
    "duplicate": ("", "toml-duplicate", ["line", "'site-00'", "duplicate name"]),
    "not toml": ("[[site\n", "toml", ["line", "not valid TOML"]),
    "not csv": ('x,"1\n', "csv", ["sites.csv line", "not valid CSV"]),
}


@pytest.mark.parametrize("kind", list(BAD_INVENTORIES))
def test_a_bad_inventory_is_refused_before_anything_runs(tmp_path: pathlib.Path, kind: str) -> None:
    extra, form, words = BAD_INVENTORIES[kind]
    fleet = Fleet(tmp_path, 2)
    try:
        if form == "csv":
            path = fleet.write_csv()
            path.write_text(path.read_text() + extra)
        else:
            path = fleet.write_toml()
            text = path.read_text()
            if form == "toml-no-ipo":
                text = text.replace(f'ipo = "{fleet.sites[1].ipo_url}"\n', "")
            elif form == "toml-duplicate":
                text = text.replace('name = "site-01"', 'name = "site-00"')
            path.write_text(text + extra)
        state = tmp_path / "journals"
        result = fleet_command(
            "stage", "--inventory", str(path), "--state-dir", str(state), "--yes"
        )
        assert result.returncode == 2, result
        error = result.stderr.strip()
        assert len(error.splitlines()) == 1 and "Traceback" not in error, error
        assert str(path) in error and "hunter2" not in error + result.stdout
        for word in words:
            assert word in error, (word, error)
        assert not state.exists()
        assert all(site.ipo.served == [] for site in fleet.sites)  # no IP Office was asked
    finally:
        fleet.close()


def test_usage_mistakes_exit_2_and_run_nothing(tmp_path: pathlib.Path) -> None:
    fleet = Fleet(tmp_path, 2)
    try:
        common = ["--inventory", str(fleet.write_csv()), "--state-dir", str(tmp_path / "j")]
        cases = [
            (["stage", *common], "confirm with --yes"),  # no terminal
            (["stage", *common, "--yes", "--site", "nope"], "no site named 'nope'"),
            (["status", *common, "--dry-run"], "--dry-run applies to"),
            (["stage", *common, "--yes", "--jobs", "0"], "--jobs must be at least 1"),
            (["launch", *common], "invalid choice"),
        ]
        for args, words in cases:
            result = fleet_command(*args)
            assert result.returncode == 2, (args, result)
            assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "j").exists()
        assert all(site.ipo.served == [] for site in fleet.sites)
    finally:
        fleet.close()


def test_dry_run_plans_every_site_and_changes_nothing(tmp_path: pathlib.Path) -> None:
    fleet = Fleet(tmp_path, 3)
    try:
        before = {s.name: s.snapshot() for s in fleet.sites}
        common = ["--inventory", str(fleet.write_toml()), "--state-dir", str(tmp_path / "j")]
        result = fleet_command("stage", *common, "--dry-run", "--json")
        assert result.returncode == 0, result.stderr
        sites = json.loads(result.stdout)["sites"]
        assert all(s["ok"] and s["state"] == "new" for s in sites)
        assert '+SET TRUSTCERTS ""' in sites[0]["plan"]["diff"]
        assert {s.name: s.snapshot() for s in fleet.sites} == before
        assert states(tmp_path / "j", [s.name for s in fleet.sites]) == dict.fromkeys(
            [s.name for s in fleet.sites]
        )
        text = fleet_command("stage", *common, "--dry-run")
        assert "dry run, nothing was changed; 3 site(s): 3 ok" in text.stdout
        assert "would stage: 4 step(s)" in text.stdout
    finally:
        fleet.close()


# -- the library runner ----------------------------------------------------------------


def test_run_fleet_reports_progress_and_keeps_to_jobs(tmp_path: pathlib.Path) -> None:
    fleet = Fleet(tmp_path, 8, delay=0.05)
    try:
        events: list[FleetProgress] = []
        result = run_fleet(
            load_inventory(fleet.write_csv()),
            "stage",
            jobs=3,
            state_dir=tmp_path / "j",
            progress=events.append,
        )
        assert result.exit == 0 and result.summary["ok"] == 8
        assert [r.name for r in result.results] == [s.name for s in fleet.sites]
        assert sorted(e.site for e in events if e.event == "started") == sorted(
            s.name for s in fleet.sites
        )
        finished = [e for e in events if e.event == "finished"]
        assert [e.done for e in finished] == list(range(1, 9))
        assert max(e.running for e in events) <= 3
        assert finished[-1].running == 0 and finished[-1].failed == 0
    finally:
        fleet.close()


def test_cancel_lets_the_running_site_finish_and_starts_no_other(tmp_path: pathlib.Path) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 5, gate=gate)
    cancel = threading.Event()

    def progress(event: FleetProgress) -> None:
        if event.event == "started":
            cancel.set()  # as the first Ctrl-C does
            gate.set()  # the running site's IP Office answers only now

    try:
        result = run_fleet(
            load_inventory(fleet.write_toml()),
            "stage",
            jobs=1,
            state_dir=tmp_path / "j",
            progress=progress,
            cancel=cancel,
        )
        assert result.cancelled and result.exit == 130
        first = result.results[0]
        assert (first.name, first.ok, first.state) == ("site-00", True, "staged")
        assert [r.state for r in result.results[1:]] == ["not-run"] * 4
        assert result.summary == {"total": 5, "ok": 1, "failed": 0, "not_run": 4}
        assert all(not (tmp_path / "j" / s.name).exists() for s in fleet.sites[1:])
    finally:
        fleet.close()


def test_a_missing_password_variable_fails_that_site_only(
    samba: Samba, tmp_path: pathlib.Path
) -> None:
    fleet = Fleet(tmp_path, 2, samba=samba)
    try:
        result = run_fleet(
            load_inventory(fleet.write_csv()), "stage", state_dir=tmp_path / "j", environ={}
        )
        local, share = result.results
        assert local.ok and local.state == "staged"
        assert not share.ok and share.exit == 2
        assert f"set the environment variable {PASSWORD_ENV}" in share.message
    finally:
        fleet.close()


# -- Ctrl-C on the real command ----------------------------------------------------------


def _journal_is_consistent(journals: pathlib.Path, fleet: Fleet) -> None:
    """Each site is untouched, or its journal and card agree and hold the admin's file."""
    from ipo46xx.staging.journal import Journal  # noqa: PLC0415

    for site in fleet.sites:
        journal = Journal.load(journals / site.name)
        files = site.contents()
        had_explicit = files.get(SETTINGS) == ADMIN or BACKUP in files
        if journal is None or journal.state == "new":
            assert BACKUP not in files, site.name
            continue
        assert journal.state in ("staging", "staged"), (site.name, journal.state)
        if journal.digest("original"):
            assert journal.kept("original") == ADMIN
        if journal.state == "staged":
            assert b'SET TRUSTCERTS ""' in files[SETTINGS]
            assert files.get(BACKUP) == (ADMIN if had_explicit else None)


def stage_and_press_ctrl_c(
    fleet: Fleet,
    journals: pathlib.Path,
    *,
    jobs: int,
    presses: int,
    gate: threading.Event | None,
    group: bool = False,
    running: Callable[[int], None] | None = None,
    options: Sequence[str] = (),
) -> tuple[int, str, str]:
    """``fleet stage`` of the fleet with ``options``, Ctrl-C ``presses`` times once a site has asked
    its IP Office (``group``: to the command's process group, as a terminal sends it;
    ``running`` is called with its pid first), ``gate`` opened after; exit, out, err."""
    arrived = fleet.arrival()
    command = [
        sys.executable, "-m", "ipo46xx", "fleet", "stage", "--inventory",
        str(fleet.write_toml()), "--state-dir", str(journals), "--yes", "--jobs", str(jobs),
        *options,
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("IPO46XX_")}
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=group,
    )

    def press() -> None:
        if group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            process.send_signal(signal.SIGINT)

    lines = []
    try:
        assert arrived.wait(60), "no site started"
        if running is not None:
            running(process.pid)
        press()
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if "stopping: no new sites start" in line:
                break
        if presses == 2:
            press()
        if gate is not None:
            gate.set()  # the running sites' IP Offices answer, after the Ctrl-C
        stdout, rest = process.communicate(timeout=120)
    finally:
        if gate is not None:
            gate.set()
        if process.poll() is None:
            process.kill()
            process.wait()
    return process.returncode, stdout, "".join(lines) + rest


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_stops_cleanly_and_a_rerun_completes(tmp_path: pathlib.Path, presses: int) -> None:
    gate = threading.Event() if presses == 1 else None
    fleet = Fleet(tmp_path, 10, delay=0.0 if gate else 0.3, gate=gate)
    journals = tmp_path / "j"
    returncode, stdout, stderr = stage_and_press_ctrl_c(
        fleet, journals, jobs=2, presses=presses, gate=gate
    )
    assert returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    if presses == 1:
        # The two running sites finished; no other started.
        assert "10 site(s): 2 ok, 0 failed, 8 not run" in stdout, stdout
        assert "not run (stopped by Ctrl-C): site-02, site-03" in stdout
        assert sorted(
            s for s, v in states(journals, [x.name for x in fleet.sites]).items() if v
        ) == ["site-00", "site-01"]
    else:
        assert "abandoned by a second Ctrl-C" in stdout, stdout
    _journal_is_consistent(journals, fleet)

    if gate is None:
        for site in fleet.sites:
            site.ipo.delay = 0.0
    rerun = fleet_command("stage", "--inventory", str(tmp_path / "sites.toml"), "--state-dir",
                          str(journals), "--yes", "--json")  # fmt: skip
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert all(e["state"] == "staged" for e in json.loads(rerun.stdout)["sites"])
    _journal_is_consistent(journals, fleet)
    fleet.close()


def test_many_concurrent_smb_storages_on_one_server_all_connect(samba: Samba) -> None:
    from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

    from ipo46xx.errors import StorageError  # noqa: PLC0415
    from ipo46xx.storage.smb import SmbStorage  # noqa: PLC0415

    def connect(_: int) -> str | None:
        try:
            storage = SmbStorage(
                "127.0.0.1", "sd", port=samba.port, username=samba.user,
                password=samba.password, timeout=5,
            )  # fmt: skip
        except StorageError as exc:
            return str(exc)
        storage.list()
        storage.close()
        return None

    with ThreadPoolExecutor(16) as pool:
        problems = [p for p in pool.map(connect, range(300)) if p is not None]
    assert problems == []


def test_fleet_cert_sorts_the_soonest_expiry_first_and_fails_the_bad_ones(
    tmp_path: pathlib.Path,
) -> None:
    with certificate_sites(tmp_path) as inventory:
        common = ["--inventory", str(inventory), "--state-dir", str(tmp_path / "j")]
        table = fleet_command("cert", *common)
        assert table.returncode == 1, table.stderr
        lines = table.stdout.splitlines()
        assert lines[0].split()[:3] == ["site", "days", "left"]
        assert [line.split()[0] for line in lines[1:5]] == ["advisory", "soon", "healthy", "gone"]
        assert "expired" in lines[1] and "expires-soon" in lines[2]
        assert int(lines[3].split()[1]) > 180 and lines[3].split()[3] == "ok"
        assert lines[4].split()[1:3] == ["?", "?"]

        report = json.loads(fleet_command("cert", *common, "--json").stdout)
        sites = {s["name"]: s for s in report["sites"]}
        assert [n for n, s in sites.items() if s["ok"]] == ["healthy"]
        assert sites["soon"]["endpoints"][0]["days_left"] in (29, 30)
        assert sites["advisory"]["problems"] and sites["gone"]["exit"] == 2  # as `cert`
        assert report["summary"] == {"total": 4, "ok": 1, "failed": 3, "not_run": 0}
        assert not (tmp_path / "j").exists()  # cert reads no journal and writes none
