"""Entry point: registers the commands and turns user errors into one line."""

from __future__ import annotations

import signal
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
from ecomlake.core.storage import object_store_error
from ecomlake.errors import EcomlakeError


def run() -> None:
    # Ctrl-C (or `kill -INT`) stops the long-running commands cleanly (a savepoint, a flushed
    # manifest). A shell without job control (a script's `&`, some CI runners) starts background
    # commands with SIGINT ignored, and Python keeps an ignored SIGINT ignored: listen anyway.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # Typer reports usage errors itself; errors we raise on purpose become one red line.
    try:
        app()
    except EcomlakeError as exc:
        err_console.print(f"[red]error:[/] {exc}", highlight=False)
        sys.exit(1)
    except OSError as exc:  # the S3 clients' failures (pyarrow's and delta-rs's)
        line = object_store_error(exc)
        if line is None:
            raise
        err_console.print(f"[red]error:[/] {line}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)
