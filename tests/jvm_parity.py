"""Run messages through the JVM stream function and the Python reference, side by side.

The JVM side is `ParityCli` in the stream function's jar (jvm/stream-udf, built by `make
setup`): the same `MessageParser` the Flink job calls. The Python side is the reference,
`ecomlake.stream.rows.process`, rendered in the CLI's text form so rows compare as strings.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecomlake.config import REPO_ROOT, Settings
from ecomlake.contracts.columns import EVENT_COLUMNS
from ecomlake.core.money import RATES_TO_USD, to_usd
from ecomlake.stream.geo_export import geo_table
from ecomlake.stream.rows import process

JAR = REPO_ROOT / "jvm" / "lib" / "stream-udf" / "ecomlake-stream-udf.jar"
RATES = ",".join(f"{code}={rate}" for code, rate in RATES_TO_USD.items())
CENT = Decimal("0.01")


def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.quantize(CENT), "f")
    if isinstance(value, datetime):
        return str(round(value.replace(tzinfo=UTC).timestamp() * 1000))
    if isinstance(value, date):
        return str((value - date(1970, 1, 1)).days)
    if isinstance(value, list):
        return ";".join(
            f"{i['product_id']}:{i['quantity']}:{format(i['unit_price'].quantize(CENT), 'f')}"
            for i in value
        )
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def python_line(raw: bytes | None, now_ms: int) -> str:
    """The reference's outcome in the CLI's form: "0", or "1" and the typed columns."""
    ok, row = process(raw, 0, 0, now_ms)
    if not ok:
        return "0"
    revenue = to_usd(row["total"], row["currency"]) if row["event_type"] == "purchase" else None
    values = [row[name] for name, _ in EVENT_COLUMNS] + [revenue]
    return "\t".join(["1"] + [_text(v) for v in values])


def jvm_lines(settings: Settings, messages: Sequence[bytes | None], now_ms: int) -> list[str]:
    """The JVM function's outcome per message, in order."""
    stdin = "".join(
        "-\n" if raw is None else base64.b64encode(raw).decode() + "\n" for raw in messages
    )
    geo = geo_table(settings.data_dir)
    done = subprocess.run(
        ["java", "-cp", str(JAR), "dev.ecomlake.stream.ParityCli", str(geo), RATES, str(now_ms)],
        input=stdin.encode(),
        capture_output=True,
        check=True,
        timeout=600,
    )
    return done.stdout.decode("utf-8").split("\n")[:-1]  # not splitlines: \x85, \u2028 are data


def jvm_columns() -> list[tuple[str, str]]:
    done = subprocess.run(
        ["java", "-cp", str(JAR), "dev.ecomlake.stream.ParityCli", "--columns"],
        capture_output=True,
        check=True,
        text=True,
    )
    return [(n, t) for n, t in (line.split("\t") for line in done.stdout.splitlines())]


def mismatches(
    settings: Settings, messages: Sequence[bytes | None], now_ms: int
) -> list[tuple[bytes | None, str, str]]:
    """(message, python, jvm) for every message the two sides treat differently."""
    jvm = jvm_lines(settings, messages, now_ms)
    assert len(jvm) == len(messages)
    found = []
    for raw, theirs in zip(messages, jvm, strict=True):
        ours = python_line(raw, now_ms)
        if ours != theirs:
            found.append((raw, ours, theirs))
    return found


def jar_path() -> Path:
    return JAR
