"""A real Samba ``smbd`` on 127.0.0.1 for tests: own port, own config and state folders.

The server runs in a new session (``start_new_session=True``) because its parent signals
its whole process group on exit; it is stopped through that group, whose id is its PID.
Start-up waits for smbd's *own* listening socket (found through /proc), not for any
process that happens to accept on the port.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import time

SHARES = {"sd": "read only = no", "ro": "read only = yes"}


def tool(name: str) -> str | None:
    """Where a Samba program is: on PATH, or in the sbin folders a bare PATH lacks."""
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which(name, path=path)


def unavailable_reason() -> str | None:
    """Why a real smbd cannot run here, or None when it can."""
    missing = [name for name in ("smbd", "pdbedit") if tool(name) is None]
    if missing:
        return (
            f"{' and '.join(missing)} not found: install Debian's samba "
            "(apt-get install samba) to run the SMB tests"
        )
    if os.geteuid() != 0:
        return "smbd needs root here (it switches users per connection); run as root"
    if not pathlib.Path("/proc/net/tcp").exists():
        return "no /proc/net/tcp to watch smbd's listening socket"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _listening_inodes(port: int) -> set[str]:
    inodes = set()
    for line in pathlib.Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and local == f"0100007F:{port:04X}":
            inodes.add(inode)
    return inodes


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    for fd in pathlib.Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


class Samba:
    """One smbd with shares ``sd`` (writable) and ``ro`` (read-only), one user."""

    def __init__(self, root: pathlib.Path, *, encryption: str = "if_required") -> None:
        self.root = root
        self.user = "root"  # smbd maps SMB users to Unix users; root exists everywhere
        self.password = "pw-" + secrets.token_hex(8)
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self.share_paths = {name: root / "shares" / name for name in SHARES}
        self.encryption = encryption

    def _write_config(self) -> pathlib.Path:
        state = self.root / "state"
        for sub in ("private", "lock", "state", "cache", "pid", "ncalrpc", "log"):
            (state / sub).mkdir(parents=True, exist_ok=True)
        for path in self.share_paths.values():
            path.mkdir(parents=True, exist_ok=True)
        shares = "".join(
            f"[{name}]\n  path = {self.share_paths[name]}\n  {option}\n"
            for name, option in SHARES.items()
        )
        config = self.root / "smb.conf"
        config.write_text(
            "[global]\n"
            "  server role = standalone server\n"
            f"  smb ports = {self.port}\n"
            "  interfaces = 127.0.0.1\n"
            "  bind interfaces only = yes\n"
            "  disable netbios = yes\n"
            f"  private dir = {state / 'private'}\n"
            f"  lock directory = {state / 'lock'}\n"
            f"  state directory = {state / 'state'}\n"
            f"  cache directory = {state / 'cache'}\n"
            f"  pid directory = {state / 'pid'}\n"
            f"  ncalrpc dir = {state / 'ncalrpc'}\n"
            f"  log file = {state / 'log' / 'log.%m'}\n"
            f"  passdb backend = tdbsam:{state / 'private' / 'passdb.tdb'}\n"
            "  server signing = mandatory\n"
            "  server min protocol = SMB2_10\n"
            f"  server smb encrypt = {self.encryption}\n"
            "  map to guest = never\n"
            "  load printers = no\n"
            "  printing = bsd\n"
            "  printcap name = /dev/null\n"
            "  disable spoolss = yes\n"
            "  usershare path =\n" + shares
        )
        return config

    def start(self, timeout: float = 30.0) -> None:
        for attempt in range(3):
            # A restarted server comes back on its old port, as a real one does: a journal
            # knows its target by URL.  A port taken meanwhile falls back to a new one.
            if attempt or not self.port:
                self.port = _free_port()
            config = self._write_config()
            if not (self.root / "state" / "private" / "passdb.tdb").exists():
                subprocess.run(
                    [tool("pdbedit") or "pdbedit", "-s", str(config), "-a", "-u", self.user, "-t"],
                    input=f"{self.password}\n{self.password}\n".encode(),
                    capture_output=True,
                    check=True,
                )
            log = open(self.root / "smbd.out", "ab")  # noqa: SIM115  (kept for the server)
            self.process = subprocess.Popen(
                [
                    tool("smbd") or "smbd",
                    "--foreground",
                    "--no-process-group",
                    "-s",
                    str(config),
                    "--debug-stdout",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
            log.close()
            if self._wait_listening(timeout):
                return
            self.stop()
        raise RuntimeError(f"smbd did not start; its output:\n{self.log_tail()}")

    def _wait_listening(self, timeout: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            try:
                if _listening_inodes(self.port) & _socket_inodes(self.process.pid):
                    return True
            except FileNotFoundError:
                return False
            time.sleep(0.05)
        return False

    def log_tail(self) -> str:
        path = self.root / "smbd.out"
        return path.read_text(errors="replace")[-3000:] if path.exists() else "(no output)"

    def _signal_group(self, signum: int) -> None:
        if self.process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def pause(self) -> None:
        """Freeze every smbd process: the server stops answering but keeps its sockets."""
        self._signal_group(signal.SIGSTOP)

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)

    def kill(self) -> None:
        """Kill smbd and every child at once, as a crash or a power cut would."""
        self._signal_group(signal.SIGCONT)
        self._signal_group(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            self._signal_group(signal.SIGKILL)  # children may outlive the parent
            return
        self._signal_group(signal.SIGCONT)
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(10)
        self._signal_group(signal.SIGKILL)

    def url(self, share: str = "sd", folder: str = "", user: str | None = None) -> str:
        who = f"{user or self.user}@"
        path = f"/{folder}" if folder else ""
        return f"smb://{who}127.0.0.1:{self.port}/{share}{path}"
