"""Generic managed background process: start detached, record its pid, check it, stop it."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ecomlake.errors import EcomlakeError


@dataclass(frozen=True)
class PidRecord:
    """What `up` wrote about a running service, so `status` and `down` find exactly it."""

    pid: int
    ports: tuple[int, ...]
    started_at: float
    marker: str  # a string in the process's command line, guarding against pid reuse

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__ | {"ports": list(self.ports)}))
        tmp.replace(path)

    @staticmethod
    def load(path: Path) -> PidRecord | None:
        try:
            raw = json.loads(path.read_text())
            return PidRecord(raw["pid"], tuple(raw["ports"]), raw["started_at"], raw["marker"])
        except (OSError, ValueError, KeyError):
            return None


STARTED_MARKER = "started:"


def start_ticks(pid: int) -> str:
    """When `pid` started (clock ticks since boot): with the pid, unique while the machine runs."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]


def pin_marker(pid: int, marker: str) -> str:
    """A `started:` marker gets the process's start time, read right after the spawn."""
    return f"{STARTED_MARKER}{start_ticks(pid)}" if marker == STARTED_MARKER else marker


def process_alive(pid: int, marker: str) -> bool:
    """True when `pid` runs and is still our process: its command line holds `marker`, or,
    for a `started:<ticks>` marker, it started at that time (for programs that rewrite their
    command line, like Airflow's components)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    if fields[0] == "Z":
        return False
    if marker.startswith(STARTED_MARKER):
        return fields[19] == marker.removeprefix(STARTED_MARKER)
    return marker.encode() in cmdline


def port_in_use(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            return exc.errno in (errno.EADDRINUSE, errno.EACCES)
    return False


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=timeout):
        return True
    return False


def spawn(
    command: list[str], log_file: Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[bytes]:
    """Start `command` detached in its own session, stdout+stderr appended to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        try:
            proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                cwd=cwd,
            )
        except FileNotFoundError:
            raise EcomlakeError(f"cannot run {command[0]!r}: not found") from None
        except PermissionError as exc:
            raise EcomlakeError(f"cannot run {command[0]!r}: {exc.strerror}") from None
    return proc


def terminate(pid: int, marker: str, grace_s: float = 30.0, group: bool = False) -> bool:
    """SIGTERM the process (its whole group with `group`: spawn() makes each service a group
    leader), wait up to `grace_s`, then SIGKILL. True if it had to be killed."""
    if not process_alive(pid, marker):
        return False

    def kill(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig) if group else os.kill(pid, sig)

    kill(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        reap(pid)
        if not process_alive(pid, marker):
            if group:  # workers left behind by the leader
                kill(signal.SIGKILL)
            return False
        time.sleep(0.2)
    kill(signal.SIGKILL)
    for _ in range(50):
        reap(pid)
        if not process_alive(pid, marker):
            break
        time.sleep(0.1)
    return True


def reap(pid: int) -> None:
    """Collect the exit status if `pid` is our child (it is when started in this process)."""
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    """True when `url` answers 200: a service's health endpoint."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False
