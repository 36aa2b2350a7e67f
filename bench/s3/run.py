"""Object storage vs local disk: the stream drain and the ETL full refresh on the same data.

One broker and one pre-loaded topic. For each lake - a local folder, then `s3://` on the local
S3 server of `ecomlake up --with s3` (s3proxy on a folder of the same disk) - a fresh data
folder, `ecomlake stream --stop-after-idle 3` (its own consumer group) drains the topic into
Iceberg, then `ecomlake etl --full-refresh` (its own `local[*]` Spark application) writes the
curated Delta tables. Wall time of each command, start-ups included, and what was stored
(objects and bytes: every object is at least one PUT on S3). Both lakes must end with the same
row counts.

    .venv/bin/python -m bench.s3.run --events 500000
"""

from __future__ import annotations

import argparse
import json
import os
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
from ecomlake.services.s3 import S3Service

console = Console()
RESULTS = REPO_ROOT / "bench" / "s3" / "results"
KEY, SECRET = "bench-key", "bench-secret-0123456789"


def timed(env: dict[str, str], *args: str) -> float:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "ecomlake", *args], env=env,
                          capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"`ecomlake {' '.join(args)}` failed: {done.stderr[-2000:]}")
    return round(time.monotonic() - started, 1)


def stored(root: Path) -> tuple[int, int]:
    """Files and bytes of table data under a folder (the local lake, or the S3 server's)."""
    files = [p for p in root.rglob("*") if p.is_file() and p.name != "catalog.db"]
    return len(files), sum(p.stat().st_size for p in files)


def curated_events(env: dict[str, str]) -> int:
    from deltalake import DeltaTable

    saved = dict(os.environ)
    os.environ.update(env)  # the run's settings (warehouse, S3) are in its environment
    try:
        settings = load_settings()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    events = f"{curated_uri(settings)}/events"
    table = DeltaTable(events, storage_options=delta_storage_options(settings))
    return int(table.to_pyarrow_dataset().count_rows())


def run_lake(session: Session, name: str, topic: str, extra: dict[str, str]) -> dict[str, Any]:
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
    with console.status(f"{name}: streaming..."):
        stream_s = timed(env, "stream", "--topic", topic, "--stop-after-idle", "3")
    with console.status(f"{name}: ETL full refresh..."):
        etl_s = timed(env, "etl", "--full-refresh")
    return {"stream_s": stream_s, "etl_full_s": etl_s, "curated_events": curated_events(env)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500_000)
    args = parser.parse_args()
    topic = "bench.s3"
    with fresh_broker(console, "ecomlake-bench-s3-") as session:
        port = free_port()
        s3 = {"port": port, "access_key_id": KEY, "secret_access_key": SECRET}
        server = S3Service(load_settings(data_dir=session.folder / "s3-server", s3=s3))
        console.print(server.start())
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
            remote = run_lake(session, "s3", topic, on_s3)
            remote["files"], remote["bytes"] = stored(session.folder / "s3-server" / "s3" / "store")
        finally:
            console.print(server.stop())
    if local["curated_events"] != remote["curated_events"]:
        raise SystemExit(f"the lakes differ: {local} vs {remote}")
    out = {"events": args.events, "local": local, "s3": remote}
    table = Table("", "local disk", "S3 (local server)", "S3 / local")
    for key in ("stream_s", "etl_full_s", "files", "bytes"):
        ratio = remote[key] / local[key] if local[key] else float("nan")
        table.add_row(key, f"{local[key]:,}", f"{remote[key]:,}", f"{ratio:.2f}")
    console.print(table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
