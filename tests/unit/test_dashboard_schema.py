"""Property tests of the dashboard's API against its own OpenAPI schema (schemathesis): for
generated requests, every answer has a documented status code and matches its schema, and
nothing fails with a server error. Run over a real DuckDB warehouse file and an empty lake."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings

from ecomlake.config import load_settings
from ecomlake.dashboard.app import create_app
from tests.unit.test_dashboard_api import build_marts

pytestmark = pytest.mark.unit


def _app() -> FastAPI:
    # The schema is loaded at import time, before fixtures exist: a temporary folder of its own.
    folder = Path(tempfile.mkdtemp(prefix="ecomlake-schema-"))
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        kafka_port = sock.getsockname()[1]
    config = load_settings(data_dir=folder, kafka={"port": kafka_port})
    build_marts(config)
    return create_app(config)


schema = schemathesis.openapi.from_asgi("/openapi.json", _app()).exclude(
    path="/api/live/stream"  # an endless event stream: tested in the browser test
)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_schema(case: schemathesis.Case[Any]) -> None:
    case.call_and_validate()
