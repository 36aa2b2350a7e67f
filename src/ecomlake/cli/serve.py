"""`ecomlake serve`: the dashboard in the foreground (`up --with dashboard` runs it managed)."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from ecomlake.cli.app import app, console, settings, setup_logging
from ecomlake.errors import EcomlakeError


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


@app.command()
def serve(
    port: Annotated[
        int | None, typer.Option(help="Port (default: dashboard.port, 8000).", min=1, max=65535)
    ] = None,
    host: Annotated[str | None, typer.Option(help="Address (default: 127.0.0.1).")] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Serve the dashboard: live page (/), analytics (/analytics), JSON API (/openapi.json)."""
    from ecomlake.dashboard.app import VENDOR, create_app

    setup_logging(verbose)
    cfg = settings()
    host = host or cfg.dashboard.host
    port = port or cfg.dashboard.port
    if not _port_free(host, port):
        raise EcomlakeError(f"port {port} on {host} is in use: pick another with --port")
    if not VENDOR.exists():
        console.print("[yellow]charts not built[/]: run `make setup` (copies ECharts from npm)")
    console.print(
        f"dashboard on http://{host}:{port}/ (analytics: /analytics, API schema: /openapi.json)"
    )
    import uvicorn  # the web server loads for `serve` only

    uvicorn.run(
        create_app(cfg),
        host=host,
        port=port,
        log_level="debug" if verbose else "warning",
        timeout_graceful_shutdown=2,
    )
