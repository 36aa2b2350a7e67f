"""Fill raw.events for the ETL benchmark without going through Kafka and Flink.

Streaming 5M events through the Flink job takes 15 minutes here; what the ETL reads is the
same either way: rows made by the stream job's own `rows.process` (validation, typing, geo-IP,
user agent), appended to an Iceberg table with raw.events' columns and partitioning, in
commits of `--commit-rows` (the stream job commits every 2 s: many snapshots).
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.exceptions import NamespaceAlreadyExistsError, NoSuchTableError
from pyiceberg.table import Table

from ecomlake.contracts.columns import EVENT_COLUMNS
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import Target, generate
from ecomlake.stream.rows import process

SIMPLE: dict[str, pa.DataType] = {
    "STRING": pa.string(),
    "INT": pa.int32(),
    "BIGINT": pa.int64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "TIMESTAMP(3)": pa.timestamp("us"),
}


def arrow_type(flink: str) -> pa.DataType:
    """The Flink SQL types of rows.py as Arrow types."""
    if flink in SIMPLE:
        return SIMPLE[flink]
    if decimal := re.fullmatch(r"DECIMAL\((\d+), (\d+)\)", flink):
        return pa.decimal128(int(decimal[1]), int(decimal[2]))
    if items := re.fullmatch(r"ARRAY<ROW<(.*)>>", flink):
        fields = re.findall(r"(\w+) (DECIMAL\(\d+, \d+\)|\w+)", items[1])
        return pa.list_(pa.struct([(name, arrow_type(kind)) for name, kind in fields]))
    raise ValueError(f"no Arrow type for {flink}")


RAW_SCHEMA = pa.schema([(name, arrow_type(kind)) for name, kind in EVENT_COLUMNS])


def raw_table(catalog: SqlCatalog) -> Table:
    """raw.events as the stream job creates it (identity partitions event_date, event_type)."""
    with contextlib.suppress(NamespaceAlreadyExistsError):
        catalog.create_namespace("raw")
    try:
        return catalog.load_table(("raw", "events"))
    except NoSuchTableError:
        table = catalog.create_table(("raw", "events"), schema=RAW_SCHEMA)
        with table.update_spec() as spec:
            spec.add_identity("event_date")
            spec.add_identity("event_type")
        return table


def _rows(lines: list[bytes]) -> pa.Table:
    now = int(time.time() * 1000)
    rows: list[dict[str, Any]] = []
    for offset, line in enumerate(lines):
        ok, row = process(line, 0, offset, now)
        if ok:
            rows.append(row)
    return pa.Table.from_pylist(rows, schema=RAW_SCHEMA)


def _chunks(path: Path, size: int) -> Iterator[list[bytes]]:
    with path.open("rb") as lines:
        while chunk := list(itertools.islice(lines, size)):
            yield [line.rstrip(b"\n") for line in chunk]


def load(
    catalog: SqlCatalog,
    work: Path,
    events: int,
    end: datetime,
    seed: int,
    commit_rows: int = 100_000,
) -> int:
    """Generate `events` messages ending at `end` and append the valid ones; returns rows."""
    path = work / f"events-{seed}.jsonl"
    generate(
        GeneratorOptions(events=events, days=2.0, end=end, seed=seed, workers=2),
        Target("file", path=path),
    )
    table = raw_table(catalog)
    written = 0
    ctx = multiprocessing.get_context("forkserver")
    with ctx.Pool(2) as pool:
        for arrow in pool.imap(_rows, _chunks(path, commit_rows)):
            table.append(arrow)
            written += arrow.num_rows
    path.unlink()
    return written


WINDOW_END = datetime(2026, 11, 1, tzinfo=UTC)
