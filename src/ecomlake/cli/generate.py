"""`ecomlake generate`: simulate shoppers and produce their events to Kafka or a file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from ecomlake.cli.app import app, console, settings
from ecomlake.core.topics import topic_partitions
from ecomlake.errors import EcomlakeError
from ecomlake.generator.geo import DEFAULT_COUNTRY_MIX
from ecomlake.generator.options import Funnel, GeneratorOptions, parse_country_mix

if TYPE_CHECKING:  # the engine (numpy) and the metrics server load when a run starts, not
    # at every start of the CLI
    from ecomlake.generator.metrics import GeneratorMetrics
    from ecomlake.generator.run import Result, Target


def _parse_end(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise EcomlakeError(f"--end {text!r} is not an ISO date/time, e.g. 2026-11-01") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class RateColumn(ProgressColumn):
    """Events per second over the whole run (rich's own speed column shows bytes)."""

    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = f"{task.completed / elapsed:,.0f} events/s" if elapsed > 0 else ""
        return Text(rate, style="cyan")


@app.command(name="generate")
def generate_command(
    events: Annotated[
        int | None,
        typer.Option(
            "--events",
            "-n",
            help="Messages to produce "
            "(valid + malformed + re-sends). Default 100000 unless --duration.",
        ),
    ] = None,
    duration: Annotated[
        float | None, typer.Option("--duration", help="Stop after this many seconds of wall time.")
    ] = None,
    rate: Annotated[
        float,
        typer.Option(
            "--rate",
            help="Events per second; 0 = as fast as possible. With --live, the real-time rate.",
        ),
    ] = 0.0,
    seed: Annotated[
        int, typer.Option("--seed", help="Same seed and options give byte-identical events.")
    ] = 42,
    days: Annotated[
        float,
        typer.Option(
            "--days", help="Backfill: spread event times over the last D days, ending at --end."
        ),
    ] = 1.0,
    end: Annotated[
        str | None,
        typer.Option(
            "--end", help="End of the backfill window (ISO, UTC). Default: today 00:00 UTC."
        ),
    ] = None,
    live: Annotated[
        bool,
        typer.Option("--live", help="Event times are now: sessions unfold in real time at --rate."),
    ] = False,
    bad_ratio: Annotated[
        float, typer.Option("--bad-ratio", help="Share of extra malformed messages (10 kinds).")
    ] = 0.01,
    dup_ratio: Annotated[
        float, typer.Option("--dup-ratio", help="Share of exact re-sends of valid events.")
    ] = 0.01,
    bot_ratio: Annotated[
        float, typer.Option("--bot-ratio", help="Share of sessions that are crawlers.")
    ] = 0.05,
    late_ratio: Annotated[
        float,
        typer.Option("--late-ratio", help="Share of sessions whose tail arrives minutes late."),
    ] = 0.01,
    jitter_ms: Annotated[
        int, typer.Option("--jitter-ms", help="Max out-of-order jitter per event.")
    ] = 2_000,
    countries: Annotated[
        str | None, typer.Option("--countries", help="Country mix, e.g. US=0.5,GB=0.2,DE=0.3.")
    ] = None,
    view_to_cart: Annotated[
        float, typer.Option(help="Funnel: sessions with a product view that add to cart.")
    ] = Funnel.view_to_cart,
    cart_to_checkout: Annotated[
        float, typer.Option(help="Funnel: carts that reach checkout.")
    ] = Funnel.cart_to_checkout,
    checkout_to_purchase: Annotated[
        float, typer.Option(help="Funnel: checkouts that purchase.")
    ] = Funnel.checkout_to_purchase,
    refund_rate: Annotated[
        float, typer.Option(help="Share of orders refunded later.")
    ] = Funnel.refund_rate,
    to: Annotated[str, typer.Option("--to", help="kafka or file.")] = "kafka",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="JSONL path for --to file.")
    ] = None,
    topic: Annotated[
        str | None,
        typer.Option("--topic", help="Kafka topic (default: the events topic from settings)."),
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Write the ground-truth manifest (JSON) here.")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Producer processes.")] = 1,
    metrics_port: Annotated[
        int | None, typer.Option("--metrics-port", help="Expose Prometheus metrics on this port.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Simulate shoppers and produce their events (with a ground-truth manifest)."""
    cfg = settings()
    for name, value in (
        ("view-to-cart", view_to_cart),
        ("cart-to-checkout", cart_to_checkout),
        ("checkout-to-purchase", checkout_to_purchase),
        ("refund-rate", refund_rate),
    ):
        if not 0.0 <= value <= 1.0:
            raise EcomlakeError(f"--{name} must be in [0, 1], got {value}")
    if events is None and duration is None and not live:
        events = 100_000
    options = GeneratorOptions(
        events=events,
        duration_s=duration,
        rate=rate,
        seed=seed,
        days=days,
        end=_parse_end(end),
        live=live,
        bad_ratio=bad_ratio,
        dup_ratio=dup_ratio,
        bot_ratio=bot_ratio,
        late_ratio=late_ratio,
        jitter_ms=max(0, jitter_ms),
        workers=workers,
        country_mix=parse_country_mix(countries) if countries else dict(DEFAULT_COUNTRY_MIX),
        funnel=Funnel(
            view_to_cart=view_to_cart,
            cart_to_checkout=cart_to_checkout,
            checkout_to_purchase=checkout_to_purchase,
            refund_rate=refund_rate,
        ),
    )
    from ecomlake.generator.metrics import GeneratorMetrics
    from ecomlake.generator.run import Target, write_manifest

    if to == "kafka":
        topic = topic or cfg.kafka.events_topic
        if topic_partitions(cfg.kafka.bootstrap_servers, topic) is None:
            raise EcomlakeError(f"Kafka topic {topic!r} does not exist: run `ecomlake up`")
        target = Target("kafka", bootstrap=cfg.kafka.bootstrap_servers, topic=topic)
    elif to == "file":
        if output is None:
            raise EcomlakeError("--to file needs --output PATH")
        target = Target("file", path=output)
    else:
        raise EcomlakeError(f"--to must be kafka or file, got {to!r}")

    metrics = GeneratorMetrics.serve(metrics_port) if metrics_port else None
    result = _run_with_progress(options, target, quiet, metrics)
    if manifest is not None:
        write_manifest(result.manifest, manifest)
    print_summary(result, manifest)
    if result.delivery_errors:
        raise EcomlakeError(
            f"{result.delivery_errors} messages were not delivered ({result.first_error}); "
            "the manifest counts them as produced, so do not reconcile against it"
        )
    if result.interrupted:
        raise typer.Exit(130)


def _run_with_progress(
    options: GeneratorOptions, target: Target, quiet: bool, metrics: GeneratorMetrics | None
) -> Result:
    total = options.events
    with Progress(
        TextColumn("[bold]generating[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task("generate", total=total)

        def on_progress(sent: int, errors: int) -> None:
            progress.update(task, completed=sent)
            if metrics is not None:
                metrics.observe(sent, errors)

        from ecomlake.generator.run import generate

        return generate(options, target, on_progress)


def print_summary(result: Result, manifest_path: Path | None) -> None:
    m = result.manifest
    table = Table("event type", "valid events", title="events by type", title_justify="left")
    for name, count in m["by_type"].items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    days = Table(
        "day (UTC)",
        "events",
        "orders",
        "gross USD",
        "refunds USD",
        "active users",
        title="ground truth by day",
        title_justify="left",
    )
    for day, row in m["by_day"].items():
        days.add_row(
            day,
            f"{row['events']:,}",
            f"{row['orders']:,}",
            row["gross_revenue"],
            row["refunds"],
            f"{row['active_users']:,}",
        )
    console.print(days)
    console.print(
        f"produced [bold]{m['total_events']:,}[/] messages = {m['valid_events']:,} valid + "
        f"{m['invalid_events']:,} malformed + {m['duplicate_events']:,} re-sends "
        f"({m['bot_events']:,} bot, {m['late_events']:,} late) in {result.seconds:.1f}s: "
        f"[bold]{m['producing_events_per_second']:,} events/s[/] while producing, "
        f"{result.rate:,.0f} events/s over the whole run; "
        f"delivery errors: {result.delivery_errors}"
    )
    if manifest_path is not None:
        console.print(f"manifest: {manifest_path}")
