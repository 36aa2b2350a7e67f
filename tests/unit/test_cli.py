"""The command line: help everywhere, and bad input as one line, never a stack trace."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

COMMANDS = ["up", "down", "status", "generate", "stream", "demo", "query", "lake", "lake tables",
            "orchestrate", "orchestrate run", "serve"]  # fmt: skip


def ecomlake(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ecomlake", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help(command: str) -> None:
    result = ecomlake(*command.split(), "--help")
    assert result.returncode == 0
    assert "Usage" in result.stdout


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["generate", "--bad-ratio", "2", "--to", "file", "-o", "x"], "--bad-ratio"),
        (["generate", "--to", "carrier-pigeon"], "--to must be kafka or file"),
        (["generate", "--to", "file"], "--output"),
        (["generate", "--end", "yesterday-ish", "--to", "file", "-o", "x"], "--end"),
        (["generate", "--countries", "US:1", "--to", "file", "-o", "x"], "--countries"),
        (["generate", "--live", "--to", "file", "-o", "x"], "--rate"),
        (["generate", "--events", "0", "--to", "file", "-o", "x"], "--events"),
        (["up", "--with", "nosuchservice"], "unknown service"),
        (["orchestrate", "run", "ecommerce_daily", "--date", "2026-13-01"], "--date"),
        (["orchestrate", "run", "nosuchdag", "--date", "2026-11-01"], "unknown DAG 'nosuchdag'"),
    ],
)
def test_bad_arguments_give_one_line_errors(args: list[str], fragment: str, tmp_path: Path) -> None:
    result = ecomlake(*args, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error:") and fragment in lines[0]


def test_serve_on_a_busy_port_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        result = ecomlake("serve", "--port", str(busy.getsockname()[1]), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("error: port") and "--port" in result.stderr


def test_bad_config_gives_one_line_error(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, ECOMLAKE_KAFKA__PORT="nope")
    result = ecomlake("status", env=env, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "kafka.port" in result.stderr


def test_typer_usage_errors_do_not_trace(tmp_path: Path) -> None:
    result = ecomlake("generate", "--events", "many", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_kafka_not_running_is_one_line(tmp_path: Path) -> None:
    import os

    env = dict(os.environ, ECOMLAKE_KAFKA__PORT="1")  # nothing listens on port 1
    result = ecomlake("generate", "--events", "10", env=env, cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "ecomlake up" in result.stderr


def test_generate_to_file_writes_events_and_manifest(tmp_path: Path) -> None:
    out, manifest = tmp_path / "e.jsonl", tmp_path / "m.json"
    result = ecomlake(
        "generate",
        "--to",
        "file",
        "-o",
        str(out),
        "--events",
        "500",
        "--manifest",
        str(manifest),
        "--end",
        "2026-11-01",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    assert len(out.read_bytes().splitlines()) == 500
    assert '"total_events": 500' in manifest.read_text()


def test_sigint_stops_a_live_generator_started_with_sigint_ignored(tmp_path: Path) -> None:
    """As a script's `cmd &` starts it (no job control: SIGINT ignored), `kill -INT` still
    stops it cleanly: exit 130, the manifest written and marked interrupted."""
    out, manifest = tmp_path / "e.jsonl", tmp_path / "m.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "ecomlake", "generate", "--to", "file", "-o", str(out), "--live",
         "--rate", "200", "--duration", "120", "--manifest", str(manifest), "--quiet"],
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not (out.exists() and out.stat().st_size) and proc.poll() is None:
        assert time.monotonic() < deadline, "nothing generated in 60 s"
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert '"interrupted": true' in manifest.read_text()
