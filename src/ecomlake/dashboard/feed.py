"""One refresh of the live page: new commits folded in, health probed, a JSON view built.

The first refresh reads the newest two days of raw.events (by partition) in one scan; every
later one reads only the files that new append snapshots added.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.table import Table as IcebergTable

from ecomlake.config import Settings
from ecomlake.dashboard.health import LagProbe, commit_rate, last_dag_runs, stream_job_running
from ecomlake.dashboard.live import COLUMNS, LiveAggregates
from ecomlake.dashboard.tail import AppendTail, Commit
from ecomlake.lake.catalog import open_catalog

log = logging.getLogger(__name__)
EVENTS, REJECTED = "raw.events", "raw.events_rejected"
KEEP_COMMITS_S = 120.0  # commit history kept for the rates


def newest_event_date(table: IcebergTable) -> date | None:
    partitions = table.inspect.partitions()
    if partitions.num_rows == 0:
        return None
    days = [p["event_date"] for p in partitions.column("partition").to_pylist() if p]
    return max((d for d in days if d is not None), default=None)


@dataclass
class LiveFeed:
    settings: Settings
    aggregates: LiveAggregates = field(default_factory=LiveAggregates)
    events: AppendTail | None = None
    rejected: AppendTail | None = None
    commits: dict[str, list[Commit]] = field(default_factory=lambda: {EVENTS: [], REJECTED: []})
    lag: LagProbe | None = None
    refreshes: int = 0

    def _open(self) -> None:
        catalog = open_catalog(self.settings)
        try:
            events = catalog.load_table(EVENTS)
            rejected = catalog.load_table(REJECTED)
        except NoSuchTableError:
            return  # the stream job has not created the lake yet: the empty state
        self.events = AppendTail(events, COLUMNS)
        self.rejected = AppendTail(rejected, [])
        seeded = events.current_snapshot()
        newest = newest_event_date(events)
        if seeded is not None and newest is not None:
            since = newest - timedelta(days=1)
            started = time.monotonic()
            rows = events.scan(
                row_filter=f"event_date >= '{since.isoformat()}'",
                selected_fields=tuple(COLUMNS),
                snapshot_id=seeded.snapshot_id,
            ).to_arrow()
            self.aggregates.fold(rows)
            took = time.monotonic() - started
            log.info("live page seeded: %d rows since %s in %.1f s", rows.num_rows, since, took)
        # The seed's snapshots are not read again; their commits still count for the rates.
        self.commits[EVENTS] = self.events.skip_through(seeded)
        self.commits[REJECTED] = self.rejected.skip_through(rejected.current_snapshot())

    def refresh(self) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        if self.events is None:
            self._open()
        if self.events is not None and self.rejected is not None:
            commits, rows = self.events.poll()
            if rows is not None:
                self.aggregates.fold(rows)
            self.commits[EVENTS].extend(commits)
            self.commits[REJECTED].extend(self.rejected.poll()[0])
        self.refreshes += 1
        for name, kept in self.commits.items():
            self.commits[name] = [
                c for c in kept if c.timestamp_ms > now_ms - KEEP_COMMITS_S * 1000
            ]
        if self.lag is None:
            self.lag = LagProbe(self.settings)
        view = self.aggregates.view()
        view["pipeline"] = self.pipeline(now_ms)
        view["updated_at_ms"] = now_ms
        return view

    def pipeline(self, now_ms: int) -> dict[str, Any]:
        assert self.lag is not None
        last = self.last_commit_ms()
        events_rate = commit_rate(self.commits[EVENTS], now_ms)
        dlq_rate = commit_rate(self.commits[REJECTED], now_ms)
        total = events_rate + dlq_rate
        kafka_up, lag = self.lag.probe()
        return {
            "stream_job": "running" if stream_job_running(self.settings) else "stopped",
            "kafka": "up" if kafka_up else "down",
            "consumer_lag": lag,
            "last_commit_ms": last,
            "commit_age_s": round((now_ms - last) / 1000, 1) if last is not None else None,
            "events_per_s": round(events_rate, 1),
            "dlq_per_s": round(dlq_rate, 1),
            "dlq_share": round(dlq_rate / total, 4) if total else 0.0,
            "airflow": last_dag_runs(self.settings),
        }

    def last_commit_ms(self) -> int | None:
        if self.events is None:
            return None
        snapshot = self.events.table.current_snapshot()
        return snapshot.timestamp_ms if snapshot is not None else None

    def close(self) -> None:
        if self.lag is not None:
            self.lag.close()
