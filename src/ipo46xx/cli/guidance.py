"""What the operator does next, as sentences with commands that can be copied."""

from __future__ import annotations

import re

from ..staging.restoring import MANAGER_PATH
from ..staging.stager import Stager


def state_flag(stager: Stager) -> str:
    """`` --state-dir DIR`` when the journal is not where commands look by default."""
    from ..staging.journal import default_state_dir  # noqa: PLC0415

    if stager.state_dir == default_state_dir(stager.storage.url):
        return ""
    return f" --state-dir {stager.state_dir}"


def next_steps(state: str, stager: Stager, tls: str = "", trusted: bool | None = None) -> list[str]:
    """The operator's next steps after a run reached ``state``; ``tls`` holds the TLS
    options the run used, so that the commands can be copied as they are; ``trusted`` is
    what restore's trust check found (``False``: phones would not trust the IP Office;
    ``None``: it cannot tell, or a run from an older version recorded nothing).

    >>> from ipo46xx.storage import MemoryStorage
    >>> from ipo46xx.staging.stager import Stager
    >>> stager = Stager("192.168.42.1", MemoryStorage(), "/tmp/journal")
    >>> next_steps("staged", stager)[2]
    'Step 8: then run `ipo46xx restore --ipo http://192.168.42.1/46xxsettings.txt --target memory:// --state-dir /tmp/journal`.'
    """  # noqa: E501
    if state == "new":  # no run, or one that stopped before the target was touched
        if (stager.state_dir / "journal.json").exists():
            return [
                "The last run stopped before it changed anything on the target: nothing to "
                "roll back; stage starts over."
            ]
        return ["Nothing is recorded for this target: nothing to roll back; stage starts a run."]
    target = stager.storage.url
    flag = state_flag(stager)
    where = f"--ipo {stager.ipo_url} --target {target}{flag}{tls}"
    if state == "staged":
        return [
            "Step 6: restart the phones. Each downloads the edited 46xxsettings.txt and drops "
            f"its stored certificates; `ipo46xx verify {where}` checks what the IP Office serves.",
            f"Step 7: regenerate the IP Office certificate in Manager ({MANAGER_PATH}, "
            "Regenerate), and send the configuration.",
            _step8(stager, target, flag, tls),
        ]
    if state == "restored" and trusted is False:
        return [
            "Do not restart the phones: they would not trust the IP Office (`ipo46xx verify "
            f"{where}` says why). `ipo46xx rollback --target {target}{flag}` puts the card "
            "back as it was before stage; check the certificate (`ipo46xx cert --ipo "
            f"{stager.ipo_url}`), then run the advisory's steps again from stage.",
        ]
    if state == "restored" and trusted is None:
        return [
            "Cannot tell yet whether the phones will trust the IP Office: no certificate "
            "could be judged (see above). Before you restart the phones, check from a network "
            f"that reaches the IP Office as they do: `ipo46xx verify {where}`, with "
            "--tls-port N for the port phones use (TLSPORT) if it is not found by itself.",
        ]
    if state == "restored":
        return [
            "Step 9: restart the phones again; they download the settings file and trust the "
            f"new root CA. `ipo46xx verify {where}` checks what the IP Office serves.",
        ]
    if state == "changed":
        return [
            "The change is on the card: phones take it when they next read their settings "
            f"(restart them to make it now). `ipo46xx verify {where}` checks what each phone "
            f"gets; `ipo46xx rollback --target {target}{flag}` undoes it.",
        ]
    if state == "changing":
        return [
            "The change was interrupted: run the same `ipo46xx change` command again to finish "
            f"it, or `ipo46xx rollback --target {target}{flag}` to undo."
        ]
    if state == "rolled-back" and trusted is False:
        return [
            "The target is as it was before the run. Do not restart the phones: the file on it "
            "names a root CA that does not sign the certificate the IP Office presents now (see "
            f"above). Run the advisory again to give them the current one: `ipo46xx stage "
            f"{where}`, then restore."
        ]
    if state == "rolled-back":
        return [
            "The target is as it was before the run. Restart the phones if they read what the run "
            "wrote."
        ]
    if state in ("staging", "restoring", "rolling-back"):
        action = {"staging": "stage", "restoring": "restore", "rolling-back": "rollback"}[state]
        return [
            f"The {action} was interrupted: run `ipo46xx {action} {where}` again to finish it,"
            f" or `ipo46xx rollback --target {target}{flag}` to undo."
        ]
    return []


def _step8(stager: Stager, target: str, flag: str, tls: str) -> str:
    command = f"ipo46xx restore --ipo {stager.ipo_url} --target {target}{flag}"
    pin = re.search(r" --pin (\S+)", tls)
    if pin is None:
        return f"Step 8: then run `{command}{tls}`."
    # Regenerating changes the fingerprint: the pin of this run will not match any more.
    tls = tls.replace(pin.group(0), " --pin NEW-SHA256")
    return (
        f"Step 8: then run `{command}{tls}` with NEW-SHA256 the new fingerprint that "
        f"`ipo46xx cert --ipo {stager.ipo_url}` prints (regenerating changes it)."
    )
