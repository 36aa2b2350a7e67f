"""Entry point: registers the commands and turns user errors into one line."""

from __future__ import annotations

import sys

from ecomlake.cli import (  # noqa: F401  (registers commands)
    demo,
    etl,
    generate,
    lake,
    orchestrate,
    serve,
    services,
    stream,
    transform,
)
from ecomlake.cli.app import app, err_console
from ecomlake.errors import EcomlakeError


def run() -> None:
    # Typer reports usage errors itself; errors we raise on purpose become one red line.
    try:
        app()
    except EcomlakeError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
