"""`ecomlake stream`: run the Flink stream job (in the flink environment) with a progress bar."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from typing import IO, Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ecomlake.cli.app import app, console, settings
from ecomlake.core.jobs import job_command
from ecomlake.core.offsets import OffsetWatcher


def _forward(lines: IO[str], progress: Progress) -> None:
    for line in lines:
        progress.console.print(line.rstrip(), markup=False, highlight=False)


@app.command()
def stream(
    topic: Annotated[str | None, typer.Option(help="Kafka topic (default: events topic).")] = None,
    stop_after_idle: Annotated[
        float | None,
        typer.Option(
            metavar="SECONDS",
            help="Stop once everything is committed and nothing arrived for this long.",
        ),
    ] = None,
    cluster: Annotated[
        bool, typer.Option("--cluster", help="Submit to the cluster of `up --with flink`.")
    ] = False,
    reset_state: Annotated[
        bool,
        typer.Option(
            "--reset-state",
            help="Forget saved state (dedup memory, offsets); start from the group's offsets.",
        ),
    ] = False,
    parallelism: Annotated[int | None, typer.Option(min=1, help="Flink parallelism.")] = None,
    checkpoint_interval: Annotated[
        float | None, typer.Option(min=0.2, help="Seconds between checkpoints (= commits).")
    ] = None,
) -> None:
    """Kafka -> validate, enrich, dedup -> Iceberg raw tables, dead letters, live metrics.

    Runs until Ctrl-C or `ecomlake down` (a clean stop takes a savepoint); a restart resumes
    from the last savepoint or checkpoint.
    """
    cfg = settings()  # fail early on bad configuration
    topic = topic or cfg.kafka.events_topic
    args = ["--topic", topic]
    if stop_after_idle is not None:
        args += ["--stop-after-idle", str(stop_after_idle)]
    args += ["--cluster"] * cluster + ["--reset-state"] * reset_state
    command = job_command("flink", "ecomlake.stream.job", args)  # fails early with no env
    watcher = OffsetWatcher(cfg, topic)  # also checks the broker and the topic
    env = os.environ.copy()
    if parallelism is not None:
        env["ECOMLAKE_STREAM__PARALLELISM"] = str(parallelism)
    if checkpoint_interval is not None:
        env["ECOMLAKE_STREAM__CHECKPOINT_INTERVAL_S"] = str(checkpoint_interval)
    columns = (
        TextColumn("committed to the lake"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("stream", total=None)
        job = subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert job.stdout is not None
        threading.Thread(target=_forward, args=(job.stdout, progress), daemon=True).start()
        try:
            while job.poll() is None:
                at = watcher.position()
                progress.update(task, completed=at.committed, total=at.end)
                time.sleep(1)
        except KeyboardInterrupt:
            # The job got the same Ctrl-C and is stopping with a savepoint: let it finish.
            progress.console.print("stopping (savepoint)...")
            job.wait()
        finally:
            watcher.close()
    if job.returncode != 0:
        console.print(
            f"[red]stream job failed[/] (exit {job.returncode}); logs: {cfg.logs_dir / 'flink'}"
        )
        sys.exit(job.returncode or 1)
    console.print("[green]✓[/] stream job stopped; see `ecomlake lake tables`")
