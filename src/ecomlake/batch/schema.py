"""raw.events' columns (declared once, in Flink SQL types, by the stream job) in Spark DDL."""

from __future__ import annotations

import re

from ecomlake.contracts.columns import EVENT_COLUMNS


def spark_type(flink: str) -> str:
    """A Flink SQL type from `ecomlake.contracts.columns` as a Spark DDL type."""
    kind = flink.replace("TIMESTAMP(3)", "TIMESTAMP_NTZ").replace("ROW<", "STRUCT<")
    kind = "BINARY" if kind == "BYTES" else kind
    return re.sub(r"(\w+) (STRING|INT|DECIMAL)", r"\1: \2", kind) if "STRUCT" in kind else kind


def raw_events_ddl() -> str:
    return ", ".join(f"`{name}` {spark_type(kind)}" for name, kind in EVENT_COLUMNS)
