"""`ecomlake stream`: run the Flink stream job (in the flink environment) on this machine."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Annotated

import typer

from ecomlake.cli.app import app, console, settings
from ecomlake.config import REPO_ROOT
from ecomlake.errors import EcomlakeError

FLINK_PYTHON = REPO_ROOT / ".venvs" / "flink" / "bin" / "python"


@app.command()
def stream(
    topic: Annotated[str | None, typer.Option(help="Kafka topic (default: events topic).")] = None,
    bounded: Annotated[
        bool, typer.Option("--bounded", help="Stop at the topic's current end (backfills).")
    ] = False,
    parallelism: Annotated[int, typer.Option(help="Flink parallelism.")] = 1,
    checkpoint_interval: Annotated[
        float, typer.Option(help="Seconds between checkpoints (= Iceberg commits).")
    ] = 2.0,
) -> None:
    """Kafka -> validate, enrich, dedup -> Iceberg raw.events / raw.events_rejected (Flink)."""
    settings()  # fail early on bad configuration
    if not FLINK_PYTHON.exists():
        raise EcomlakeError("the flink environment is missing: run `make setup`")
    command = [
        str(FLINK_PYTHON),
        "-m",
        "ecomlake.stream.job",
        "--parallelism",
        str(parallelism),
        "--checkpoint-interval",
        str(checkpoint_interval),
    ]
    if topic:
        command += ["--topic", topic]
    if bounded:
        command.append("--bounded")
    console.print(f"stream job starting ({'bounded' if bounded else 'until Ctrl-C'})")
    result = subprocess.run(command, env=os.environ.copy(), check=False)
    if result.returncode != 0:
        sys.exit(result.returncode)
    console.print("[green]✓[/] stream job finished; see `ecomlake lake tables`")
