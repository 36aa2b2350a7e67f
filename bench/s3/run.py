"""Object storage vs local disk: the stream drain and the ETL full refresh on the same data.

One broker and one pre-loaded topic. For each lake - a local folder, then `s3://` on the local
S3 server of `ecomlake up --with s3` (s3proxy on a folder of the same disk) - a fresh data
folder, `ecomlake stream --stop-after-idle 3` (its own consumer group) drains the topic into
Iceberg, `ecomlake etl --full-refresh` (its own `local[*]` Spark application) writes the
curated Delta tables, then `ecomlake transform` builds the dbt marts on DuckDB. Wall time of
each command, start-ups included, and what was stored (objects and bytes). On S3, the server
logs every request (s3proxy at debug level: it costs the S3 run a little), counted by kind for
each command, and per Iceberg commit for the stream. Both lakes must end with the same rows.

    .venv/bin/python -m bench.s3.run --events 500000
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench.broker import Session, free_port, fresh_broker
from ecomlake.config import REPO_ROOT, load_settings
from ecomlake.core.storage import curated_uri, delta_storage_options
from ecomlake.core.topics import ensure_topics
from ecomlake.lake.catalog import open_catalog
from ecomlake.services.s3 import S3Service

console = Console()
RESULTS = REPO_ROOT / "bench" / "s3" / "results"
KEY, SECRET = "bench-key", "bench-secret-0123456789"


def timed(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ecomlake", *args], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        said = (done.stdout[-3000:] + done.stderr[-2000:]).strip()
        raise SystemExit(f"`ecomlake {' '.join(args)}` failed: {said}")
    return round(time.monotonic() - started, 1)


def stored(root: Path) -> tuple[int, int]:
    """Files and bytes of table data under a folder (the local lake, or the S3 server's)."""
    files = [p for p in root.rglob("*") if p.is_file() and p.name != "catalog.db"]
    return len(files), sum(p.stat().st_size for p in files)


REQUEST = re.compile(r"\{(GET|PUT|POST|HEAD|DELETE)@\w+ http://[^/]+(/[^ ]*)")


def request_kind(method: str, target: str) -> str:
    """A logged S3 request's kind: list, get, head, put (a whole object or a multipart part),
    multipart (start or complete), delete."""
    path, _, query = target.partition("?")
    if method == "GET":
        return "list" if "list-type" in query or path.count("/") == 1 else "get"
    if method == "POST":
        return "delete" if "delete" in query else "multipart"
    return method.lower()


class RequestLog:
    """The S3 server's log, read from where the previous command left it."""

    def __init__(self, path: Path) -> None:
        self.path, self.offset = path, 0

    def since_last(self) -> dict[str, int]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            text = log.read().decode(errors="replace")
            self.offset = log.tell()
        counts: dict[str, int] = {}
        for method, target in REQUEST.findall(text):
            kind = request_kind(method, target)
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items()))


def run_settings(env: dict[str, str]) -> Any:
    saved = dict(os.environ)
    os.environ.update(env)  # the run's settings (warehouse, S3) are in its environment
    try:
        return load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def curated_events(env: dict[str, str]) -> int:
    from deltalake import DeltaTable

    settings = run_settings(env)
    events = f"{curated_uri(settings)}/events"
    table = DeltaTable(events, storage_options=delta_storage_options(settings))
    return int(table.to_pyarrow_dataset().count_rows())


def iceberg_commits(env: dict[str, str]) -> int:
    """Snapshots of every Iceberg table: the stream's commits (one per table per checkpoint
    with new rows)."""
    catalog = open_catalog(run_settings(env))
    return sum(
        len(catalog.load_table(table).snapshots())
        for namespace in catalog.list_namespaces()
        for table in catalog.list_tables(namespace)
    )


def run_lake(
    session: Session, name: str, topic: str, extra: dict[str, str], log: RequestLog | None = None
) -> dict[str, Any]:
    data = session.folder / name
    env = (
        session.env
        | extra
        | {
            "ECOMLAKE_DATA_DIR": str(data),
            "ECOMLAKE_STREAM__GROUP_ID": f"bench-{name}",
            "ECOMLAKE_BATCH__WARM": "false",
        }
    )
    out: dict[str, Any] = {}
    requests: dict[str, dict[str, int]] = {}
    steps = (("stream_s", ("stream", "--topic", topic, "--stop-after-idle", "3")),
             ("etl_full_s", ("etl", "--full-refresh")), ("dbt_s", ("transform",)))  # fmt: skip
    for key, args in steps:
        if log is not None:
            log.since_last()  # what came before this command (start-up, the previous one)
        with console.status(f"{name}: {args[0]}..."):
            out[key] = timed(env, *args)
        if log is not None:
            requests[args[0]] = log.since_last()
    out["curated_events"] = curated_events(env)
    out["iceberg_commits"] = iceberg_commits(env)
    if requests:
        out["requests"] = requests
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    args = parser.parse_args()
    topic = "bench.s3"
    with fresh_broker(console, "ecomlake-bench-s3-") as session:
        port = free_port()
        s3 = {"port": port, "access_key_id": KEY, "secret_access_key": SECRET}
        server = S3Service(load_settings(data_dir=session.folder / "s3-server", s3=s3))
        os.environ["LOG_LEVEL"] = "debug"  # s3proxy logs each request: counted per command
        try:
            console.print(server.start())
        finally:
            del os.environ["LOG_LEVEL"]
        try:
            ensure_topics(session.settings.kafka.bootstrap_servers, {topic: 6})
            with console.status(f"pre-loading {args.events:,} events..."):
                subprocess.run([sys.executable, "-m", "ecomlake", "generate", "--topic", topic,
                                "--quiet", "--events", str(args.events), "--workers", "2"],
                               env=session.env, check=True)  # fmt: skip
            local = run_lake(session, "local", topic, {})
            local["files"], local["bytes"] = stored(session.folder / "local" / "lake")
            on_s3 = {
                "ECOMLAKE_LAKE__WAREHOUSE": "s3://ecomlake/bench",
                "ECOMLAKE_S3__PORT": str(port),
                "ECOMLAKE_S3__ACCESS_KEY_ID": KEY,
                "ECOMLAKE_S3__SECRET_ACCESS_KEY": SECRET,
            }
            remote = run_lake(session, "s3", topic, on_s3, RequestLog(server.log_file))
            remote["files"], remote["bytes"] = stored(session.folder / "s3-server" / "s3" / "store")
        finally:
            console.print(server.stop())
    if local["curated_events"] != remote["curated_events"]:
        raise SystemExit(f"the lakes differ: {local} vs {remote}")
    out = {"events": args.events, "local": local, "s3": remote}
    table = Table("", "local disk", "S3 (local server)", "S3 / local")
    for key in ("stream_s", "etl_full_s", "dbt_s", "files", "bytes"):
        ratio = remote[key] / local[key] if local[key] else float("nan")
        table.add_row(key, f"{local[key]:,}", f"{remote[key]:,}", f"{ratio:.2f}")
    console.print(table)
    commits = remote["iceberg_commits"]
    for command, counts in remote["requests"].items():
        total = sum(counts.values())
        per_commit = f", {total / commits:.1f} per Iceberg commit" if command == "stream" else ""
        console.print(f"S3 requests, {command}: {total:,} ({counts}){per_commit}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
