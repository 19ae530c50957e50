"""A fleet run's worker processes (:mod:`ipo46xx.fleet.processes`) against a careless
caller and a hostile environment: noise at start-up, forks, modules in the working
folder, results that cannot travel back, a worker stopped or gone."""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from ipo46xx.cli.fleet import site_json
from ipo46xx.fleet import processes
from ipo46xx.fleet.inventory import Inventory
from ipo46xx.fleet.runner import FleetProgress, FleetResult, run_fleet

from .fleet_sites import Fleet
from .hostile_sites import Misbehaving
from .test_fleet_processes import workers_of

T = TypeVar("T")


@pytest.fixture(autouse=True)
def tests_importable(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers import from this process's ``sys.path``, and a misbehaving site's class
    lives in ``tests.hostile_sites``: under ``pytest`` (not ``python -m pytest``, which
    puts the working folder first) nothing else puts the checkout there."""
    monkeypatch.syspath_prepend(str(pathlib.Path(__file__).resolve().parent.parent))


def within(seconds: float, call: Callable[[], T]) -> T:
    """``call()``, failing the test if it has not returned after ``seconds`` (a hang)."""
    box: list[Any] = []

    def run() -> None:
        try:
            box.append((True, call()))
        except BaseException as exc:  # handed to the test below
            box.append((False, exc))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert box, f"still running after {seconds} s: hung"
    ok, value = box[0]
    if not ok:
        raise value
    return value  # type: ignore[no-any-return]


def inventory(fleet: Fleet, **misbehave: str) -> Inventory:
    """The fleet's sites, each doing what ``misbehave`` names for it (site_01="exit")."""
    words = {name.replace("_", "-"): word for name, word in misbehave.items()}
    return Inventory(
        None,
        tuple(
            Misbehaving(s.name, s.ipo_url, s.target, misbehave=words.get(s.name, ""))
            for s in fleet.sites
        ),
    )


def stage(
    fleet: Fleet,
    journals: pathlib.Path,
    processes: int = 2,
    progress: Callable[[FleetProgress], None] | None = None,
    **misbehave: str,
) -> FleetResult:
    """``fleet stage`` of every site, by ``processes`` of one site at a time each."""
    return run_fleet(
        inventory(fleet, **misbehave),
        "stage",
        jobs=2,
        processes=processes,
        state_dir=journals,
        progress=progress,
    )


@pytest.fixture
def four(tmp_path: pathlib.Path) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path, 4)
    yield fleet
    fleet.close()


@pytest.fixture
def thread_errors(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What escaped a thread of this process (a listener that died)."""
    seen: list[str] = []
    monkeypatch.setattr(
        threading, "excepthook", lambda args: seen.append(f"{args.thread}: {args.exc_value!r}")
    )
    return seen


def sitecustomize(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    """A sitecustomize with ``code`` for the processes started from now on (the workers)."""
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(code)
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder), path])))


def test_a_worker_that_prints_as_python_starts_does_not_garble_the_run(
    four: Fleet, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A sitecustomize (or a .pth file) that prints runs in the worker before ipo46xx does.
    sitecustomize(tmp_path, monkeypatch, 'print("hello from sitecustomize")\n')
    result = within(60, lambda: stage(four, tmp_path / "j"))
    assert result.exit == 0 and [r.state for r in result.results] == ["staged"] * 4


def test_a_worker_that_never_starts_leaves_the_run_to_threads(
    four: Fleet,
    tmp_path: pathlib.Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A sitecustomize that waits for something that never comes (a network share, a
    # licence server) holds the worker before ipo46xx even loads.
    sitecustomize(tmp_path, monkeypatch, "import time\ntime.sleep(3600)\n")
    monkeypatch.setattr(processes, "START_TIMEOUT", 2.0)
    own = workers_of(os.getpid())
    result = within(60, lambda: stage(four, tmp_path / "j"))
    assert result.exit == 0 and [r.state for r in result.results] == ["staged"] * 4
    assert "did not start within 2 s" in caplog.text
    assert workers_of(os.getpid()) <= own


def test_a_fork_of_the_caller_does_not_keep_the_run_waiting(
    four: Fleet, tmp_path: pathlib.Path
) -> None:
    # A caller's own fork (multiprocessing's default on Linux before 3.14) holds a copy of
    # every pipe to the workers for as long as it lives.
    release_read, release_write = os.pipe()
    forks: list[int] = []

    def progress(event: FleetProgress) -> None:
        if event.event == "started" and not forks:
            pid = os.fork()
            if pid == 0:  # the fork: lives until the test is done with the run
                os.close(release_write)
                os.read(release_read, 1)
                os._exit(0)
            forks.append(pid)

    try:
        result = within(
            60,
            lambda: stage(four, tmp_path / "j", progress=progress),
        )
        assert result.exit == 0 and [r.state for r in result.results] == ["staged"] * 4
    finally:
        os.close(release_write)  # the fork reads the end of the pipe and exits
        os.close(release_read)
        for pid in forks:
            os.waitpid(pid, 0)


@pytest.mark.parametrize(
    ("word", "error"),
    [
        ("unloadable", "UnloadableError"),
        ("unpicklable", "UnpicklableError"),
        ("exit", "SystemExit"),  # would end the thread running the site
    ],
)
def test_an_error_that_cannot_travel_back_is_told_as_threads_tell_it(
    four: Fleet, tmp_path: pathlib.Path, thread_errors: list[str], word: str, error: str
) -> None:
    def plan(processes: int) -> list[dict[str, Any]]:
        result = run_fleet(
            inventory(four, site_01=word),
            "stage",
            jobs=2,
            processes=processes,
            state_dir=tmp_path / "j",
            dry_run=True,  # the same sites for both runs
        )
        return [site_json(r) for r in result.results]

    by_workers = within(60, lambda: plan(2))
    assert by_workers == plan(1)
    assert [entry["ok"] for entry in by_workers] == [True, False, True, True]
    assert by_workers[1]["exit"] == 4 and by_workers[1]["error"] == error
    assert not thread_errors


def test_a_worker_that_sends_nonsense_is_stopped_and_its_sites_failed(
    four: Fleet, tmp_path: pathlib.Path, thread_errors: list[str], caplog: Any
) -> None:
    result = within(60, lambda: stage(four, tmp_path / "j", site_01="garble"))
    garbled = result.results[1]
    assert garbled.exit == 4 and result.exit == 4
    assert "the worker process running this site ended" in garbled.message
    assert "stopping a worker process whose messages cannot be read" in caplog.text
    others = [r for r in result.results if r is not garbled]
    assert all(r.state == "staged" or r.exit == 4 for r in others)  # its own other site
    assert sum(r.state == "staged" for r in others) >= 2 and not thread_errors


def test_when_every_worker_is_gone_the_other_sites_run_here(
    tmp_path: pathlib.Path, caplog: Any
) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 6, gate=gate)
    own = workers_of(os.getpid())
    killed: list[int] = []

    def progress(event: FleetProgress) -> None:
        if event.event == "started" and not killed:  # as the OOM killer might
            killed.extend(workers_of(os.getpid()) - own)
            for pid in killed:
                os.kill(pid, signal.SIGKILL)
            gate.set()

    try:
        result = within(
            60,
            lambda: stage(fleet, tmp_path / "j", progress=progress),
        )
    finally:
        gate.set()
        fleet.close()
    assert len(killed) == 2
    assert [r.exit for r in result.results] == [4, 4, 0, 0, 0, 0], [
        r.message for r in result.results
    ]
    assert not result.cancelled and result.exit == 4
    assert "running the other 4 site(s) in this process" in caplog.text


def test_abandoning_a_run_ends_a_stopped_worker_too(tmp_path: pathlib.Path) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 6, gate=gate)
    own = workers_of(os.getpid())
    stopped: list[int] = []

    def progress(event: FleetProgress) -> None:
        stopped.extend(workers_of(os.getpid()) - own)
        os.kill(stopped[0], signal.SIGSTOP)  # a debugger, a Ctrl-Z to its group, a freeze
        while state(stopped[0]) != "T":  # a stopped process keeps a SIGTERM for later
            time.sleep(0.01)
        raise KeyboardInterrupt  # as a second Ctrl-C does

    try:
        with pytest.raises(KeyboardInterrupt):
            within(60, lambda: stage(fleet, tmp_path / "j", progress=progress))
        assert not alive(stopped[0])
    finally:
        gate.set()
        fleet.close()
        for pid in stopped:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


class Watch:
    """A progress callback that checks the counts as they come: every site started once
    and finished once after it, ``done`` rising by one, ``running`` never below 0."""

    def __init__(self, then: Callable[[FleetProgress], None] = lambda event: None) -> None:
        self.then = then
        self.started: list[str] = []
        self.finished: list[str] = []
        self.done = 0

    def __call__(self, event: FleetProgress) -> None:
        assert event.running >= 0 and event.done == len(self.finished) + (event.event != "started")
        if event.event == "started":
            assert event.site not in self.started
            self.started.append(event.site)
        else:
            assert event.site in self.started and event.site not in self.finished
            self.finished.append(event.site)
        assert event.running == len(self.started) - len(self.finished)
        self.then(event)


@pytest.mark.parametrize("kill", [0, 1, 2])
def test_progress_counts_hold_when_workers_die(tmp_path: pathlib.Path, kill: int) -> None:
    gate = threading.Event()
    fleet = Fleet(tmp_path, 8, gate=gate)
    own = workers_of(os.getpid())

    def then(event: FleetProgress) -> None:
        if len(watch.started) == 2 and event.event == "started":
            for pid in sorted(workers_of(os.getpid()) - own)[:kill]:
                os.kill(pid, signal.SIGKILL)
            gate.set()

    watch = Watch(then)
    try:
        result = within(
            60, lambda: stage(fleet, tmp_path / "j", progress=watch, site_05="unloadable")
        )
    finally:
        gate.set()
        fleet.close()
    assert sorted(watch.started) == sorted(watch.finished) == [s.name for s in fleet.sites]
    assert all(r.ran for r in result.results)


def test_no_more_workers_start_than_there_are_sites(tmp_path: pathlib.Path) -> None:
    fleet = Fleet(tmp_path, 2)
    own = workers_of(os.getpid())
    seen: set[int] = set()

    def progress(event: FleetProgress) -> None:
        seen.update(workers_of(os.getpid()) - own)

    try:
        result = run_fleet(
            inventory(fleet),
            "status",
            jobs=16,
            processes=16,  # a careless caller: 16 interpreters for 2 sites
            state_dir=tmp_path / "j",
            progress=progress,
        )
    finally:
        fleet.close()
    assert result.exit == 0 and 1 <= len(seen) <= 2


def test_modules_in_the_working_folder_are_not_what_a_worker_imports(
    four: Fleet, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    # The parent imports from where it was started; a worker must not pick up an
    # attrs.py (or queue.py, pickle.py ...) that happens to lie in the working folder.
    here = tmp_path / "downloads"
    here.mkdir()
    marker = tmp_path / "imported"
    (here / "attrs.py").write_text(f"open({str(marker)!r}, 'w').close()\nraise ImportError\n")
    monkeypatch.chdir(here)
    assert sys.path[0] != ""  # as `ipo46xx` and `python -m` start: not the working folder
    result = within(60, lambda: stage(four, tmp_path / "j"))
    assert result.exit == 0 and [r.state for r in result.results] == ["staged"] * 4
    assert not marker.exists()
    assert "running the sites in one process" not in caplog.text


_KILLED_WITH_A_FORK = """
import os, pathlib, sys, time
from ipo46xx.fleet.runner import run_fleet
from tests.fleet_sites import Fleet
from tests.test_fleet_processes_hostile import inventory

fleet = Fleet(pathlib.Path(sys.argv[1]), 6, delay=0.1)
forks = []

def progress(event):
    if event.event == "started" and not forks:
        forks.append(os.fork())
        if forks[0] == 0:  # the fork outlives this process, holding what it inherited
            time.sleep(120)
            os._exit(0)
        print(forks[0], flush=True)

run_fleet(inventory(fleet), "stage", jobs=2, processes=2, state_dir=sys.argv[1] + "/j",
          progress=progress)
"""


def state(pid: int) -> str:
    """The state of process ``pid`` ("R", "S", "T" stopped, "Z" a zombie), "" when gone."""
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie has ended)."""
    return state(pid) not in ("", "Z")


def test_workers_of_a_killed_caller_end_though_a_fork_of_it_lives(tmp_path: pathlib.Path) -> None:
    caller = subprocess.Popen(
        [sys.executable, "-c", _KILLED_WITH_A_FORK, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=pathlib.Path(__file__).parents[1],
    )
    assert caller.stdout is not None
    fork = int(caller.stdout.readline())
    try:
        workers = workers_of(caller.pid) - {fork}
        assert len(workers) == 2
        caller.kill()
        caller.wait()
        deadline = time.monotonic() + 60
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(alive(pid) for pid in workers), "the workers wait for a parent long gone"
    finally:
        os.kill(fork, signal.SIGKILL)
