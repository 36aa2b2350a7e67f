"""The stream job's plan (sql.py + split.py) with its endpoints swapped for files: no Kafka, no
Iceberg, the same views and inserts. Catches plan mistakes in seconds of job time."""

from __future__ import annotations

import base64
import csv
import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

from ecomlake.config import REPO_ROOT
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.run import Target, generate
from tests.integration.conftest import END

FLINK_PYTHON = REPO_ROOT / ".venvs" / "flink" / "bin" / "python"


def rows(folder: Path) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for part in sorted(folder.rglob("*"))
        if part.is_file() and not part.name.startswith(".")
        for line in part.read_text().splitlines()
    ]


def test_plan_with_file_endpoints_routes_every_message(tmp_path: Path) -> None:
    # One producer, no late sessions: every valid event is on time for the live windows.
    options = GeneratorOptions(events=3_000, end=END, bad_ratio=0.03, dup_ratio=0.02, late_ratio=0)
    jsonl = tmp_path / "events.jsonl"
    manifest = generate(options, Target("file", path=jsonl)).manifest
    source = tmp_path / "source"
    source.mkdir()
    with (source / "part-0.csv").open("w", newline="") as out:
        writer = csv.writer(out)
        for offset, line in enumerate(jsonl.read_bytes().splitlines()):
            writer.writerow([0, offset, base64.b64encode(line).decode()])
    result = subprocess.run(
        [str(FLINK_PYTHON), str(Path(__file__).with_name("flink_plan_job.py")), str(source),
         str(tmp_path / "out")],
        env=dict(os.environ, ECOMLAKE_DATA_DIR=str(tmp_path / "data")),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]

    events = rows(tmp_path / "out" / "out_events")
    rejected = rows(tmp_path / "out" / "out_rejected")
    metrics = rows(tmp_path / "out" / "out_metrics")
    assert len(events) == len({e["event_id"] for e in events}) == manifest["valid_events"]
    assert len(rejected) == manifest["invalid_events"] and all(r["reason"] for r in rejected)
    assert Counter(e["event_type"] for e in events) == manifest["by_type"]
    purchases = [e for e in events if e["event_type"] == "purchase"]
    assert purchases and all(p["items"] for p in purchases)  # the nested list survives
    # A bounded source ends with the final watermark: every minute closes, nothing is late.
    assert sum(m["events"] for m in metrics) == manifest["valid_events"]
    assert sum(m["orders"] for m in metrics) == len(purchases)
