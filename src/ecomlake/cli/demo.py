"""`ecomlake demo`: the end-to-end main job as far as the platform goes today."""

from __future__ import annotations

from typing import Annotated

import typer

from ecomlake.cli.app import app, console, settings
from ecomlake.cli.generate import _run_with_progress, print_summary
from ecomlake.errors import EcomlakeError
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import Target, write_manifest
from ecomlake.services.kafka import KafkaService


@app.command()
def demo(
    events: Annotated[int, typer.Option("--events", "-n", help="Messages to produce.")] = 100_000,
    days: Annotated[float, typer.Option("--days", help="Backfill window in days.")] = 2.0,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Producer processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
) -> None:
    """Start Kafka, produce a realistic stream with bad, duplicate, late and bot events,
    and print the ground truth every later layer is reconciled against."""
    cfg = settings()
    kafka = KafkaService(cfg)
    console.rule("[bold]1. Kafka")
    with console.status("starting Kafka..."):
        console.print(f"[green]✓[/] {kafka.start()}")
    console.rule("[bold]2. Generate shopper events")
    options = GeneratorOptions(events=events, days=days, workers=workers, seed=seed)
    target = Target("kafka", bootstrap=cfg.kafka.bootstrap_servers, topic=cfg.kafka.events_topic)
    result = _run_with_progress(options, target, quiet=False, metrics=None)
    manifest_path = cfg.data_dir / "manifests" / "demo.json"
    write_manifest(result.manifest, manifest_path)
    console.rule("[bold]3. What was produced")
    print_summary(result, manifest_path)
    if result.delivery_errors:
        raise EcomlakeError(f"{result.delivery_errors} messages were not delivered")
    console.print(
        f"\nnext: [bold]ecomlake status[/], more events with [bold]ecomlake generate --help[/], "
        f"stop with [bold]ecomlake down[/] (add --purge to delete {cfg.data_dir})"
    )
