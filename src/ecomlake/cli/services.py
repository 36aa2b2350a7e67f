"""`ecomlake up | down | status`: the local services."""

from __future__ import annotations

import shutil
from typing import Annotated

import typer
from rich.table import Table

from ecomlake.cli.app import app, console, settings
from ecomlake.core.stream_job import running_job, stop_stream_job
from ecomlake.services.registry import all_services, known_names, resolve


@app.command()
def up(
    with_: Annotated[
        list[str] | None,
        typer.Option(
            "--with", help=f"Also start an optional service ({', '.join(known_names())})."
        ),
    ] = None,
) -> None:
    """Start Kafka (and any --with services), wait until healthy, create the topics."""
    cfg = settings()
    for service in resolve(cfg, with_ or []):
        with console.status(f"starting {service.name}..."):
            message = service.start()
        console.print(f"[green]✓[/] {message}")
    console.print(f"logs: {cfg.logs_dir}")


@app.command()
def down(
    purge: Annotated[
        bool, typer.Option("--purge", help="Also delete all state in the data folder.")
    ] = False,
) -> None:
    """Stop the stream job (with a savepoint), then every service (SIGTERM, then SIGKILL)."""
    cfg = settings()
    with console.status("stopping the stream job..."):
        stopped = stop_stream_job(cfg)
    if stopped:
        console.print(stopped)
    for service in reversed(all_services(cfg)):
        with console.status(f"stopping {service.name}..."):
            console.print(service.stop())
    if purge and cfg.data_dir.exists():
        shutil.rmtree(cfg.data_dir)
        console.print(f"purged {cfg.data_dir}")


@app.command()
def status() -> None:
    """List each service (and the stream job) with its pid, ports and health."""
    cfg = settings()
    table = Table("service", "pid", "ports", "state")
    for service in (s for top in all_services(cfg) for s in (top, *top.parts())):
        st = service.status()
        state = (
            "[green]healthy[/]"
            if st.healthy
            else ("[yellow]running, not responding[/]" if st.running else "[dim]stopped[/]")
        )
        table.add_row(st.name, str(st.pid or "-"), ", ".join(map(str, st.ports)), state)
    job = running_job(cfg)
    table.add_row(
        "stream job",
        str(job.pid) if job else "-",
        "",
        "[green]running[/]" if job else "[dim]stopped[/]",
    )
    console.print(table)
