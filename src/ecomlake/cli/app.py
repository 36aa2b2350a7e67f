"""Shared CLI plumbing: the Typer app, the console, settings loading, one-line errors."""

from __future__ import annotations

import logging

import typer
from rich.console import Console
from rich.logging import RichHandler

from ecomlake.config import Settings, load_settings

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

app = typer.Typer(
    name="ecomlake",
    help="ecomlake: real-time analytics for e-commerce events (Kafka -> Flink -> Iceberg -> "
    "Spark/Delta -> dbt), on one machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def settings() -> Settings:
    return load_settings()


def setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, rich_tracebacks=False)],
    )
