"""The nine-step flow end to end against the IP Office emulator, and its refusals."""

from __future__ import annotations

import json
import pathlib
import time
from collections.abc import Iterator

import pytest

from ipo46xx import InputError, StateError, load, parse, trustcerts
from ipo46xx.cli.guidance import next_steps
from ipo46xx.emulator import INITIAL_ROOT_CA
from ipo46xx.errors import LockedError, TargetChangedError
from ipo46xx.staging.journal import default_state_dir, state_lock
from ipo46xx.staging.stager import Stager
from ipo46xx.storage import MemoryStorage

from .conftest import FIXTURES
from .staging_site import ADMIN, BACKUP, SETTINGS, Site, make_site


@pytest.fixture(
    params=[("memory", True), ("memory", False), ("local", True), ("local", False)],
    ids=["memory-explicit", "memory-auto", "local-explicit", "local-auto"],
)
def site(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> Iterator[Site]:
    kind, explicit = request.param
    result = make_site(kind, explicit, tmp_path)
    yield result
    result.close()


def _names(data: bytes) -> list[str]:
    return [n for t in trustcerts(parse(data)) for n in t.names]


def test_the_whole_advisory(site: Site) -> None:
    before = site.snapshot()
    explicit = SETTINGS in before
    stager = site.stager()

    staged = stager.stage()
    assert staged.state == "staged"
    card = site.snapshot()
    assert all(t.names == [] for t in trustcerts(parse(card[SETTINGS])))
    assert card.get(BACKUP) == before.get(SETTINGS)
    assert (BACKUP in card) == explicit
    assert "-SET TRUSTCERTS" in staged.diff and '+SET TRUSTCERTS ""' in staged.diff
    assert any("Step 7" in step for step in next_steps(staged.state, stager))
    assert stager.verify().ok
    settings_requests = [r for r in site.ipo.served if r.startswith("/46xxsettings.txt")]
    assert settings_requests[-1].endswith("explicit")

    # Step 8 before step 7: refused, and the card is as staged.
    with pytest.raises(StateError, match="not been regenerated"):
        stager.restore()
    assert site.snapshot() == card
    assert stager.status().state == "staged"

    new_ca = site.ipo.regenerate_certificate()
    restored = stager.restore()
    assert restored.state == "restored"
    after = site.snapshot()
    assert BACKUP not in after and site.temporaries() == []
    if explicit:
        assert after[SETTINGS] == ADMIN.replace(INITIAL_ROOT_CA.encode(), new_ca.encode())
        assert _names(after[SETTINGS]) == [
            "AcmeRootCA.pem",
            new_ca,
            "AcmeRootCA.pem",
            "WebRootCA.pem",
        ]
    else:
        assert after == {}
    verification = stager.verify()
    assert verification.ok, verification.message

    rolled = stager.rollback()
    assert rolled.state == "rolled-back"
    assert site.snapshot() == before


def test_stage_and_restore_are_idempotent(site: Site) -> None:
    stager = site.stager()
    stager.stage()
    card = site.snapshot()
    assert stager.stage().done == ["already staged; nothing to do"]
    assert site.snapshot() == card
    site.ipo.regenerate_certificate()
    stager.restore()
    card = site.snapshot()
    assert stager.restore().done == ["already restored; nothing to do"]
    assert site.snapshot() == card


def test_an_existing_backup_is_never_clobbered(site: Site) -> None:
    site.card.write(BACKUP, b"someone's only copy")
    before = site.snapshot()
    with pytest.raises(TargetChangedError, match="only copy"):
        site.stager().stage()
    assert site.snapshot() == before
    assert site.stager().status().state == "new"


def test_a_target_that_is_not_the_ipo_card_is_refused(tmp_path: pathlib.Path) -> None:
    card = MemoryStorage({SETTINGS: ADMIN})
    elsewhere = MemoryStorage({SETTINGS: ADMIN.replace(b"ACME", b"OTHER")})
    site = Site(card, elsewhere, tmp_path / "state")
    try:
        with pytest.raises(TargetChangedError, match="serves a different file"):
            site.stager().stage()
        assert site.snapshot() == {SETTINGS: ADMIN}
    finally:
        site.close()


def test_nothing_to_blank_is_an_error_not_a_success(tmp_path: pathlib.Path) -> None:
    script = (FIXTURES / "upgrade-script" / "96xxupgrade.txt").read_bytes()
    card = MemoryStorage({SETTINGS: script})
    site = Site(card, card, tmp_path / "state")
    try:
        with pytest.raises(InputError, match="no active SET TRUSTCERTS"):
            site.stager().stage()
        assert site.snapshot() == {SETTINGS: script}
    finally:
        site.close()


@pytest.mark.parametrize("kind", ["memory", "local"])
@pytest.mark.parametrize(
    ("explicit", "meddle"),
    [
        (True, "edit-txt"),
        (True, "edit-bak"),
        (True, "remove-bak"),
        (False, "edit-txt"),
        (False, "add-bak"),
    ],
)
def test_a_target_changed_between_stage_and_restore_stops_restore(
    tmp_path: pathlib.Path, kind: str, explicit: bool, meddle: str
) -> None:
    site = make_site(kind, explicit, tmp_path)
    try:
        stager = site.stager()
        stager.stage()
        site.ipo.regenerate_certificate()
        if meddle == "edit-txt":
            site.card.write(SETTINGS, site.card.read(SETTINGS) + b"SET X 1\r\n")
        elif meddle == "edit-bak":
            site.card.write(BACKUP, ADMIN + b"SET X 1\n")
        elif meddle == "remove-bak":
            site.card.remove(BACKUP)
        else:
            site.card.write(BACKUP, b"new")
        before = site.snapshot()
        with pytest.raises(TargetChangedError, match="changed under us"):
            stager.restore()
        assert site.snapshot() == before
        assert stager.status().state == "staged"
    finally:
        site.close()


def test_a_second_run_on_the_same_target_fails_at_once(site: Site) -> None:
    stager = site.stager()
    with state_lock(stager.state_dir, site.card.url):
        started = time.monotonic()
        with pytest.raises(LockedError, match="another ipo46xx run"):
            stager.stage()
        assert time.monotonic() - started < 2
    stager.stage()


def test_plan_touches_nothing(site: Site) -> None:
    before = site.snapshot()
    stager = site.stager()
    plan = stager.plan()
    assert plan.action == "stage"
    assert '+SET TRUSTCERTS ""' in plan.diff
    assert any("rename" in step for step in plan.steps) == (SETTINGS in before)
    assert site.snapshot() == before
    assert not stager.state_dir.exists() or not (stager.state_dir / "journal.json").exists()
    stager.stage()
    staged = site.snapshot()
    restore_plan = stager.plan()
    assert restore_plan.action == "restore"
    assert any("remove" in step for step in restore_plan.steps)
    rollback_plan = stager.plan("rollback")
    assert rollback_plan.steps
    assert site.snapshot() == staged


def test_restore_with_an_explicit_mapping(tmp_path: pathlib.Path) -> None:
    site = make_site("memory", True, tmp_path)
    try:
        stager = site.stager()
        stager.stage()
        mapping = {INITIAL_ROOT_CA: "Root-CA-0000AAAA.pem"}
        plan = stager.plan("restore", mapping)
        assert '+SET TRUSTCERTS "AcmeRootCA.pem,Root-CA-0000AAAA.pem"' in plan.diff
        # Before step 7 the IP Office still names OLD: refused, the card stays staged.
        staged = site.snapshot()
        with pytest.raises(StateError, match="not been regenerated"):
            stager.restore(mapping)
        assert site.snapshot() == staged
        site.ipo.regenerate_certificate("Root-CA-0000AAAA.pem")
        outcome = stager.restore(mapping)
        assert outcome.ok and outcome.warnings == []
        assert site.snapshot() == {
            SETTINGS: ADMIN.replace(INITIAL_ROOT_CA.encode(), b"Root-CA-0000AAAA.pem")
        }
    finally:
        site.close()


def test_status_and_journal_record_the_run(site: Site) -> None:
    stager = site.stager()
    assert stager.status().state == "new"
    stager.stage()
    status = stager.status()
    assert status.state == "staged"
    assert status.target == site.card.url
    assert [s["step"] for s in status.steps][:2] == ["fetch", "blank"]
    assert all(s["status"] == "done" for s in status.steps)
    assert status.files[SETTINGS] == "staged"
    journal = json.loads((stager.state_dir / "journal.json").read_text())
    assert journal["state"] == "staged"
    kept = {p.name for p in stager.state_dir.iterdir()}
    assert {"served.txt", "staged.txt"} <= kept
    if site.card.exists(BACKUP):
        assert (stager.state_dir / "original.txt").read_bytes() == ADMIN


def test_verify_notices_when_the_ipo_serves_something_else(site: Site) -> None:
    stager = site.stager()
    stager.stage()
    site.card.write(SETTINGS, b"SET TRUSTCERTS other.pem\r\n")
    result = stager.verify()
    assert not result.ok
    assert "does not serve" in result.message
    assert "+SET TRUSTCERTS other.pem" in result.diff


def test_operations_out_of_order_say_what_to_do(tmp_path: pathlib.Path) -> None:
    site = make_site("memory", True, tmp_path)
    try:
        stager = site.stager()
        for operation in (stager.restore, stager.verify):
            with pytest.raises(StateError, match=r"start(ed)? with stage"):
                operation()
        # Rollback with no run to undo is not a mistake: there is simply nothing to do.
        assert "nothing to roll back" in stager.rollback().done[0]
    finally:
        site.close()


def test_restore_under_way_refuses_a_different_mapping(tmp_path: pathlib.Path) -> None:
    site = make_site("memory", True, tmp_path)
    try:
        stager = site.stager()
        stager.stage()
        journal_path = stager.state_dir / "journal.json"
        record = json.loads(journal_path.read_text())
        record["state"] = "restoring"  # as if restore had stopped right after it began
        record["mapping"] = None
        journal_path.write_text(json.dumps(record))
        with pytest.raises(StateError, match="already under way"):
            stager.restore({INITIAL_ROOT_CA: "Root-CA-0000AAAA.pem"})
    finally:
        site.close()


def test_a_new_run_after_restore_archives_the_old_journal(tmp_path: pathlib.Path) -> None:
    site = make_site("memory", True, tmp_path)
    try:
        stager = site.stager()
        stager.stage()
        site.ipo.regenerate_certificate()
        stager.restore()
        stager.stage()
        assert stager.status().state == "staged"
        assert len(list((stager.state_dir / "runs").iterdir())) == 1
    finally:
        site.close()


def test_default_state_dir_follows_xdg(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    stager = Stager("192.168.42.1", MemoryStorage())
    assert stager.state_dir == default_state_dir("memory://")
    assert stager.state_dir.parent == tmp_path / "ipo46xx"
    assert stager.ipo_url == "http://192.168.42.1/46xxsettings.txt"


def test_emulator_serves_the_fixture_and_is_case_sensitive(tmp_path: pathlib.Path) -> None:
    from ipo46xx import fetch  # noqa: PLC0415
    from ipo46xx.errors import FetchError  # noqa: PLC0415

    site = make_site("memory", False, tmp_path)
    try:
        # As a real IP Office does, it names the ports it really listens on.
        fixture = load(FIXTURES / "ipo11-auto" / "46xxsettings.txt").to_bytes()
        assert fetch(site.ipo.settings_url) == fixture.replace(
            b"SET HTTPPORT 80", f"SET HTTPPORT {site.ipo.http_port}".encode()
        ).replace(b"SET TLSPORT 411", f"SET TLSPORT {site.ipo.tls_port}".encode())
        with pytest.raises(FetchError, match="case-sensitive"):
            fetch(site.ipo.url + "/46XXsettings.txt")
        old = site.ipo.root_ca
        new = site.ipo.regenerate_certificate()
        assert new != old
        assert new.encode() in fetch(site.ipo.settings_url)
    finally:
        site.close()


def test_the_plan_says_a_staged_auto_generated_file_replaces_the_tailoring(
    tmp_path: pathlib.Path,
) -> None:
    generated = make_site("memory", False, tmp_path / "generated")
    explicit = make_site("memory", True, tmp_path / "explicit")
    try:
        [note] = [n for n in generated.stager().plan("stage").notes if "tailoring" in n]
        assert "IP Office 11.0.4.7.0 build 6 at 192.168.42.1" in note
        assert "46xxspecials.txt" in note
        assert not [n for n in explicit.stager().plan("stage").notes if "tailoring" in n]
    finally:
        generated.close()
        explicit.close()
