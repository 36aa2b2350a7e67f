"""The dashboard's web app: two pages, the JSON API behind them, /metrics and /healthz.

One background thread refreshes the live view every `dashboard.refresh_s` seconds; every
client (polling /api/live or following /api/live/stream) gets that same view, so a hundred
open pages cost the lake one reader.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from ecomlake.config import Settings
from ecomlake.dashboard.feed import LiveFeed
from ecomlake.dashboard.marts import QUERIES, Marts
from ecomlake.dashboard.metrics import DashboardMetrics
from ecomlake.dashboard.models import LiveView, MartAnswer, Span
from ecomlake.errors import EcomlakeError

log = logging.getLogger(__name__)
WEB = Path(__file__).parent / "web"
VENDOR = WEB / "vendor" / "echarts.min.js"  # copied from node_modules by `make setup`
KEEPALIVE_S = 15.0
DEFAULT_DAYS = 30  # the analytics page's default range: the last 30 days with data


class LiveState:
    """The latest live view, refreshed by one thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.feed = LiveFeed(settings)
        self.metrics = DashboardMetrics()
        self.view: dict[str, Any] = {"empty": True, "clock": None, "day": None, "rows_read": 0}
        self.body = orjson.dumps(self.view)
        self.version = 0
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start refreshing (again: an app's lifespan may run more than once, as in tests)."""
        if self.thread is not None and self.thread.is_alive():
            return
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="live-refresh", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=10)

    def _run(self) -> None:
        period = self.settings.dashboard.refresh_s
        stop = self.stop
        while not stop.is_set():
            started = time.monotonic()
            try:
                view = self.feed.refresh()
            except Exception as exc:  # keep serving the last view; say why it is old
                error = f"{type(exc).__name__}: {exc}"
                if error != self.view.get("error"):  # once per new error, not every second
                    log.exception("live refresh failed")
                view = self.view | {"error": error}
            took = time.monotonic() - started
            self.metrics.refresh_seconds.observe(took)
            self.metrics.update(view)
            self.view, self.body = view, orjson.dumps(view)
            self.version += 1
            stop.wait(max(0.0, period - took))
        self.feed.close()


class BodyCache:
    """Serialized answers by request, valid for one version of the warehouse file; the
    oldest go first beyond `size` (date ranges are the client's choice)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.items: OrderedDict[Hashable, tuple[float, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable, version: float | None) -> bytes | None:
        with self.lock:
            hit = self.items.get(key)
            if hit is None or version is None or hit[0] != version:
                return None
            self.items.move_to_end(key)
            return hit[1]

    def put(self, key: Hashable, version: float, body: bytes) -> None:
        with self.lock:
            self.items[key] = (version, body)
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)


def _parse_range(start: date | None, end: date | None, marts: Marts) -> tuple[date, date]:
    if start is None or end is None:
        _, last = marts.span()
        last = last or date.today()
        end = end or last
        start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise HTTPException(422, f"start {start} is after end {end}")
    return start, end


def create_app(settings: Settings) -> FastAPI:
    live = LiveState(settings)
    marts = Marts(settings)
    bodies = BodyCache()
    misses = threading.Lock()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        live.start()
        yield
        live.close()

    app = FastAPI(
        title="ecomlake dashboard",
        version=version("ecomlake"),
        description="Live e-commerce metrics from the lake, analytics from the dbt marts.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI and ReDoc load their scripts from a CDN: the schema is
        redoc_url=None,  # at /openapi.json for any OpenAPI viewer or client generator
    )
    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.get("/", include_in_schema=False)
    def live_page() -> FileResponse:
        return FileResponse(WEB / "live.html")

    @app.get("/analytics", include_in_schema=False)
    def analytics_page() -> FileResponse:
        return FileResponse(WEB / "analytics.html")

    @app.get("/healthz", tags=["service"])
    def healthz() -> dict[str, Any]:
        """The app answers; `charts` says whether the chart library was built by `make setup`."""
        return {"status": "ok", "live_version": live.version, "charts": VENDOR.exists()}

    @app.get("/metrics", tags=["service"], response_class=Response)
    def metrics() -> Response:
        """Prometheus metrics: the pipeline's health as the live page sees it."""
        return Response(generate_latest(live.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/live", response_model=LiveView, tags=["live"])
    async def live_view() -> Response:
        """The live numbers: per-minute series, today's totals, funnel and pipeline health."""
        return Response(live.body, media_type="application/json")

    @app.get("/api/live/stream", tags=["live"], response_class=StreamingResponse)
    async def live_stream(request: Request) -> StreamingResponse:
        """Server-sent events: one `data:` message with the /api/live view per refresh."""

        async def events() -> AsyncIterator[bytes]:
            seen, quiet_since = -1, time.monotonic()
            while not await request.is_disconnected():
                if live.version != seen:
                    seen, quiet_since = live.version, time.monotonic()
                    yield b"data: " + live.body + b"\n\n"
                elif time.monotonic() - quiet_since > KEEPALIVE_S:
                    quiet_since = time.monotonic()
                    yield b": keepalive\n\n"
                await asyncio.sleep(0.05)

        headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(events(), media_type="text/event-stream", headers=headers)

    @app.get("/api/marts", response_model=Span, tags=["analytics"],
             responses={503: {"description": "The warehouse cannot be read"}})  # fmt: skip
    def marts_span() -> Span:
        """The days the marts cover, and the names /api/marts/{name} accepts."""
        if not marts.available():
            return Span(first=None, last=None, marts=sorted(QUERIES))
        try:
            first, last = marts.span()
        except EcomlakeError as exc:
            raise HTTPException(503, str(exc)) from None
        return Span(
            first=first.isoformat() if first else None,
            last=last.isoformat() if last else None,
            marts=sorted(QUERIES),
        )

    def mart_body(name: str, start: date | None, end: date | None) -> bytes:
        """The answer as JSON (DuckDB on a cache miss: runs in a worker thread). One miss is
        computed at a time: fifty clients arriving together must not open fifty readers."""
        with misses:
            cached = bodies.get((name, start, end), marts.version())
            return cached if cached is not None else _mart_body(name, start, end)

    def _mart_body(name: str, start: date | None, end: date | None) -> bytes:
        try:
            first, last = _parse_range(start, end, marts)
            answer = marts.query(name, first, last)
        except EcomlakeError as exc:
            raise HTTPException(503, str(exc)) from None
        model = MartAnswer(name=name, start=first.isoformat(), end=last.isoformat(),
                           stale=answer.stale, rows=answer.rows)  # fmt: skip
        body = orjson.dumps(model.model_dump())
        if not answer.stale:
            bodies.put((name, start, end), answer.version, body)
        return body

    @app.get(
        "/api/marts/{name}",
        response_model=MartAnswer,
        tags=["analytics"],
        responses={
            404: {"description": "Unknown query name"},
            422: {"description": "A bad date, or start after end"},
            503: {"description": "No warehouse yet, or it cannot be read"},
        },
    )
    async def mart(
        name: str,
        start: Annotated[
            date | None, Query(description="First day (default: 30 days back)")
        ] = None,
        end: Annotated[date | None, Query(description="Last day (default: the newest)")] = None,
    ) -> Response:
        """One analytics query over the dbt marts for a date range (inclusive)."""
        if name not in QUERIES:
            raise HTTPException(404, f"unknown mart query {name!r}; known: {', '.join(QUERIES)}")
        if start is not None and end is not None and start > end:
            raise HTTPException(422, f"start {start} is after end {end}")
        # Answered from memory while the warehouse file is unchanged: no thread, no DuckDB.
        body = bodies.get((name, start, end), marts.version())
        if body is None:
            body = await run_in_threadpool(mart_body, name, start, end)
        return Response(body, media_type="application/json")

    return app
