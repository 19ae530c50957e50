"""A fleet run spread over worker processes (:mod:`ipo46xx.fleet.processes`): the same
results as threads, the same Ctrl-C, and no site lost when a worker dies."""

from __future__ import annotations

import json
import logging
import os
import pathlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from ipo46xx.cli.fleet import site_json
from ipo46xx.fleet import processes
from ipo46xx.fleet.inventory import load_inventory
from ipo46xx.fleet.limits import THREADS_PER_PROCESS, process_count
from ipo46xx.fleet.runner import FleetProgress, FleetResult, run_fleet

from .fleet_sites import WRONG_PASSWORD_ENV, Fleet, closed_port, states
from .samba import Samba
from .test_fleet import _journal_is_consistent, stage_and_press_ctrl_c

FAILING = {"site-04", "site-07", "site-10"}


def workers_of(pid: int) -> set[int]:
    """The processes ``pid`` started and that still run."""
    found: set[int] = set()
    for task in pathlib.Path(f"/proc/{pid}/task").iterdir():
        try:
            found |= {int(child) for child in (task / "children").read_text().split()}
        except OSError:
            continue  # the thread ended meanwhile
    return found


def stage_in_two(fleet: Fleet, journals: pathlib.Path, **options: Any) -> FleetResult:
    """``fleet stage`` of every site by two worker processes of one site at a time each."""
    inventory = load_inventory(fleet.write_toml())
    return run_fleet(inventory, "stage", jobs=2, processes=2, state_dir=journals, **options)


@pytest.fixture
def twenty(samba: Samba, tmp_path: pathlib.Path) -> Iterator[Fleet]:
    """20 sites, half on the real smbd; three of them are set up to fail."""
    fleet = Fleet(tmp_path, 20, samba=samba)
    (fleet.site("site-04").folder / "46xxsettings.bak").write_bytes(b"someone's own backup\r\n")
    fleet.site("site-07").password_env = WRONG_PASSWORD_ENV
    fleet.site("site-10").ipo_url = f"http://127.0.0.1:{closed_port()}"
    yield fleet
    fleet.close()


def test_workers_give_what_threads_give(
    twenty: Fleet, tmp_path: pathlib.Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    inventory = load_inventory(twenty.write_toml())
    journals = tmp_path / "j"
    before = {s.name: s.contents() for s in twenty.sites}

    def run(action: str, count: int) -> list[dict[str, object]]:
        result = run_fleet(
            inventory,
            action,
            jobs=4,
            processes=count,
            state_dir=journals,
            environ=twenty.environ(),
        )
        return [site_json(r) for r in result.results]

    staged = {entry["name"]: entry for entry in run("stage", 2)}
    assert {name for name, entry in staged.items() if not entry["ok"]} == FAILING
    assert staged["site-04"]["exit"] == 3 and ".bak already exists" in str(staged["site-04"])
    assert staged["site-07"]["exit"] == 2 and staged["site-07"]["error"] == "AuthenticationError"
    assert staged["site-10"]["exit"] == 2
    names = [s.name for s in twenty.sites]
    assert states(journals, names) == {n: None if n in FAILING else "staged" for n in names}

    # What a script reads of each site, next steps included, is the same either way.
    assert run("status", 2) == run("status", 1)
    assert run("verify", 2) == run("verify", 1)

    rolled = {entry["name"]: entry for entry in run("rollback", 2)}
    assert {name for name, entry in rolled.items() if not entry["ok"]} == {"site-04", "site-07"}
    assert {s.name: s.contents() for s in twenty.sites} == before

    # The workers' records reached this process's logging, and no password did.
    from_workers = [r for r in caplog.records if r.process != os.getpid()]
    assert any("site-07: stage failed" in r.getMessage() for r in from_workers)
    assert {r.name for r in from_workers} >= {"ipo46xx.fleet.runner"}
    assert twenty.samba is not None and twenty.samba.password not in caplog.text


def test_cancel_lets_the_handed_out_sites_finish_and_starts_no_other(
    tmp_path: pathlib.Path,
) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 6, gate=gate)
    cancel = threading.Event()
    own = workers_of(os.getpid())

    def progress(event: FleetProgress) -> None:
        if event.event == "started":
            cancel.set()  # as the first Ctrl-C does
            gate.set()

    try:
        result = stage_in_two(fleet, tmp_path / "j", progress=progress, cancel=cancel)
        assert result.cancelled and result.exit == 130
        assert [r.state for r in result.results] == ["staged"] * 2 + ["not-run"] * 4
        assert all(not (tmp_path / "j" / s.name).exists() for s in fleet.sites[2:])
        assert workers_of(os.getpid()) <= own  # the workers have exited
    finally:
        gate.set()
        fleet.close()


def test_abandoning_the_run_terminates_its_workers_and_loses_nothing(
    tmp_path: pathlib.Path,
) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 6, gate=gate)
    own = workers_of(os.getpid())

    def progress(event: FleetProgress) -> None:
        raise KeyboardInterrupt  # as a second Ctrl-C does, while sites are running

    try:
        with pytest.raises(KeyboardInterrupt):
            stage_in_two(fleet, tmp_path / "j", progress=progress)
        assert workers_of(os.getpid()) <= own
        gate.set()
        _journal_is_consistent(tmp_path / "j", fleet)
        again = run_fleet(load_inventory(fleet.write_toml()), "stage", state_dir=tmp_path / "j")
        assert again.exit == 0, [r.message for r in again.results]
        _journal_is_consistent(tmp_path / "j", fleet)
    finally:
        gate.set()
        fleet.close()


def test_a_worker_that_dies_fails_the_site_it_ran_and_the_others_go_on(
    tmp_path: pathlib.Path,
) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 6, gate=gate)
    own = workers_of(os.getpid())
    killed: list[int] = []

    def progress(event: FleetProgress) -> None:
        if event.event == "started" and not killed:
            killed.append(min(workers_of(os.getpid()) - own))
            os.kill(killed[0], signal.SIGKILL)
            gate.set()

    try:
        result = stage_in_two(fleet, tmp_path / "j", progress=progress)
        [lost] = [r for r in result.results if not r.ok]
        assert lost.exit == 4 and result.exit == 4
        assert "the worker process running this site ended" in lost.message
        assert f"killed by signal {int(signal.SIGKILL)}" in lost.message
        assert lost.name in {"site-00", "site-01"}  # one of the two handed out first
        assert all(r.state == "staged" for r in result.results if r is not lost)
        again = run_fleet(load_inventory(fleet.write_toml()), "stage", state_dir=tmp_path / "j")
        assert again.exit == 0 and all(r.state == "staged" for r in again.results)
    finally:
        gate.set()
        fleet.close()


@pytest.mark.parametrize("python", ["/bin/false", "/nonexistent/python3"])
def test_workers_that_cannot_start_leave_the_run_to_threads(
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    python: str,
) -> None:
    fleet = Fleet(tmp_path, 4)
    monkeypatch.setattr(processes.sys, "executable", python)
    try:
        result = stage_in_two(fleet, tmp_path / "j")
        assert result.exit == 0 and all(r.state == "staged" for r in result.results)
        assert "running the sites in one process" in caplog.text
    finally:
        fleet.close()


def test_a_process_per_core_once_each_has_enough_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    share = THREADS_PER_PROCESS
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert process_count(64, 1000) == 4
    assert process_count(2 * share, 1000) == 2
    assert process_count(64, 2 * share) == 2  # no process without sites to share
    assert process_count(share - 1, 1000) == 1
    assert process_count(64, 1000, "cert") == 1  # one handshake a site: not worth a start
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    assert process_count(64, 1000) == 1


def test_a_process_count_that_is_not_a_count_is_refused(tmp_path: pathlib.Path) -> None:
    from ipo46xx.errors import InputError  # noqa: PLC0415

    fleet = Fleet(tmp_path, 1)
    try:
        for bad in (0, -1, True, 1.5):
            with pytest.raises(InputError, match="processes must be a whole number"):
                run_fleet(
                    load_inventory(fleet.write_toml()),
                    "status",
                    processes=bad,  # type: ignore[arg-type]
                    state_dir=tmp_path / "j",
                )
    finally:
        fleet.close()


@pytest.mark.skipif(
    len(getattr(os, "sched_getaffinity", lambda pid: ())(0)) < 2,
    reason="the command uses worker processes from 2 cores on (Linux)",
)
@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_at_the_terminal_reaches_the_command_not_its_workers(
    tmp_path: pathlib.Path, presses: int
) -> None:
    jobs = 2 * THREADS_PER_PROCESS
    gate = threading.Event()
    fleet = Fleet(tmp_path, jobs + 8, gate=gate)
    journals = tmp_path / "j"

    def running(pid: int) -> None:
        assert workers_of(pid), "the command started no worker process"

    returncode, stdout, stderr = stage_and_press_ctrl_c(
        fleet,
        journals,
        jobs=jobs,
        presses=presses,
        gate=gate,
        group=True,
        running=running,
        options=["--json"],
    )
    assert returncode == 130, (stdout, stderr)
    assert "Traceback" not in stderr
    report = json.loads(stdout)
    words = [entry["result"] if "result" in entry else entry["state"] for entry in report["sites"]]
    if presses == 1:
        # Every site handed out finished as the workers' own: none was cut short.
        assert report["summary"] == {"total": jobs + 8, "ok": jobs, "failed": 0, "not_run": 8}
        names = [s.name for s in fleet.sites]
        assert states(journals, names) == {
            n: "staged" if i < jobs else None for i, n in enumerate(names)
        }
    else:
        assert report["abandoned"] is True and "not run" in words
    _journal_is_consistent(journals, fleet)
    fleet.close()


def test_a_result_that_cannot_be_read_fails_that_site_only(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fleet = Fleet(tmp_path, 4)
    load = processes._load

    def broken(data: bytes) -> Any:
        result = load(data)
        if result.name == "site-02":
            raise ModuleNotFoundError("a class this process does not have")
        return result

    monkeypatch.setattr(processes, "_load", broken)
    try:
        result = stage_in_two(fleet, tmp_path / "j")
        [lost] = [r for r in result.results if not r.ok]
        assert lost.name == "site-02" and lost.exit == 4 and result.exit == 4
        assert "its result could not be read here (ModuleNotFoundError)" in lost.message
        assert lost.state == "staged"  # what its journal says: it ran
        assert [r.state for r in result.results if r.ok] == ["staged"] * 3
    finally:
        fleet.close()


def test_a_worker_whose_messages_cannot_be_read_is_stopped_and_its_sites_failed(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fleet = Fleet(tmp_path, 6)
    receive = processes.receive
    seen: list[str] = []

    def garbled(stream: Any) -> Any:
        message = receive(stream)
        if message is not None and message[0] == "started" and not seen:
            seen.append(fleet.sites[message[1]].name)
            raise EOFError("a message cut short")  # as a corrupted pipe would give
        return message

    monkeypatch.setattr(processes, "receive", garbled)
    try:
        result = stage_in_two(fleet, tmp_path / "j")
        failed = {r.name: r for r in result.results if not r.ok}
        assert list(failed) == seen  # the site it ran; the other worker ran the rest
        assert "the worker process running this site ended (killed by signal 9)" in (
            failed[seen[0]].message
        )
        assert "stopping a worker process whose messages cannot be read" in caplog.text
        assert all(r.state == "staged" for r in result.results if r.ok)
    finally:
        fleet.close()
