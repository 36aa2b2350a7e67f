"""The contract every local service fulfils, and the start/stop/status logic they share."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from ecomlake.config import Settings
from ecomlake.core.process import (
    PidRecord,
    pin_marker,
    port_in_use,
    process_alive,
    spawn,
    terminate,
)
from ecomlake.errors import EcomlakeError


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int | None
    ports: tuple[int, ...]
    running: bool
    healthy: bool
    detail: str


class Service(ABC):
    """A process `ecomlake up` runs in the background. Subclasses say how to run and probe it."""

    name: str = ""
    group_kill = False  # stop the whole process group (children that ignore SIGTERM)

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    # --- what a subclass provides -------------------------------------------------------------
    @property
    @abstractmethod
    def ports(self) -> tuple[int, ...]: ...

    @property
    def host(self) -> str:
        return "127.0.0.1"

    @abstractmethod
    def command(self) -> list[str]:
        """The command line; it must contain `self.marker` (unless that is `started:`)."""

    @abstractmethod
    def healthy(self) -> bool: ...

    def preflight(self) -> None:  # noqa: B027 (optional hook)
        """Fail fast, with a message saying what to do, when the service cannot start."""

    def prepare(self) -> None:  # noqa: B027 (optional hook)
        """One-time set-up before the first start (formatting storage, writing config)."""

    def after_start(self) -> str:
        """Work once healthy (creating topics). Returns a line for the user, or ''."""
        return ""

    def env(self) -> dict[str, str] | None:
        return None

    def cwd(self) -> Path | None:
        """The working directory (None: the caller's)."""
        return None

    def parts(self) -> list[Service]:
        """Processes this service starts and stops with itself (shown by `ecomlake status`)."""
        return []

    # --- shared behaviour ---------------------------------------------------------------------
    @property
    def state_dir(self) -> Path:
        return self.settings.data_dir / self.name

    @property
    def marker(self) -> str:
        return str(self.state_dir)

    @property
    def pid_file(self) -> Path:
        return self.settings.run_dir / f"{self.name}.json"

    @property
    def log_file(self) -> Path:
        return self.settings.logs_dir / f"{self.name}.log"

    @property
    def start_timeout_s(self) -> float:
        return 90.0

    def record(self) -> PidRecord | None:
        rec = PidRecord.load(self.pid_file)
        if rec is not None and not process_alive(rec.pid, rec.marker):
            self.pid_file.unlink(missing_ok=True)
            return None
        return rec

    def start(self) -> str:
        """Start unless running; wait until healthy. Returns a message for the user."""
        rec = self.record()
        if rec is not None:
            return f"{self.name} is already running (pid {rec.pid})"
        self.preflight()
        for port in self.ports:
            if port_in_use(self.host, port):
                raise EcomlakeError(
                    f"port {port} needed by {self.name} is in use by another process: stop it, "
                    f"or choose another port in ecomlake.toml / ECOMLAKE_* settings"
                )
        self.prepare()
        proc = spawn(self.command(), self.log_file, env=self.env(), cwd=self.cwd())
        pid = proc.pid
        marker = pin_marker(pid, self.marker)
        PidRecord(pid, self.ports, time.time(), marker).save(self.pid_file)
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            # poll(), not the /proc marker check: right after fork the child has not exec'd yet.
            if proc.poll() is not None:
                self.pid_file.unlink(missing_ok=True)
                raise EcomlakeError(
                    f"{self.name} exited during start-up; see its log: {self.log_file}"
                )
            if self.healthy():
                extra = self.after_start()
                ports = ", ".join(str(p) for p in self.ports)
                where = f", port {ports}" if ports else ""
                return f"{self.name} started (pid {pid}{where}){extra}"
            time.sleep(0.5)
        terminate(pid, marker, grace_s=10, group=self.group_kill)
        self.pid_file.unlink(missing_ok=True)
        raise EcomlakeError(
            f"{self.name} did not become healthy within {self.start_timeout_s:.0f}s; "
            f"see its log: {self.log_file}"
        )

    def stop(self) -> str:
        rec = self.record()
        if rec is None:
            return f"{self.name} is not running"
        killed = terminate(rec.pid, rec.marker, group=self.group_kill)
        self.pid_file.unlink(missing_ok=True)
        how = "killed after the grace period" if killed else "stopped"
        return f"{self.name} {how} (pid {rec.pid})"

    def status(self) -> ServiceStatus:
        rec = self.record()
        if rec is None:
            return ServiceStatus(self.name, None, self.ports, False, False, "not running")
        ok = self.healthy()
        return ServiceStatus(
            self.name, rec.pid, rec.ports, True, ok, "healthy" if ok else "not responding"
        )
