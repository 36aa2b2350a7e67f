"""The pipeline's health as the live page and Prometheus see it.

Each probe answers quickly or says it could not tell (None): the page must keep updating
while Kafka is down or Airflow never ran.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from confluent_kafka import KafkaException

from ecomlake.config import Settings
from ecomlake.core.offsets import OffsetWatcher
from ecomlake.core.stream_job import running_job
from ecomlake.core.topics import broker_reachable
from ecomlake.dashboard.tail import Commit
from ecomlake.errors import EcomlakeError

RATE_WINDOW_S = 10.0  # events/s and DLQ/s average the commits of the last 10 s


def commit_rate(commits: list[Commit], now_ms: int, window_s: float = RATE_WINDOW_S) -> float:
    """Rows per second that appends added within the last `window_s` seconds."""
    floor = now_ms - window_s * 1000
    added = sum(
        c.added_records for c in commits if c.operation == "append" and c.timestamp_ms > floor
    )
    return added / window_s


class LagProbe:
    """Messages on the events topic not yet covered by the stream job's committed offsets."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.watcher: OffsetWatcher | None = None

    def probe(self) -> tuple[bool, int | None]:
        """(broker reachable, lag); lag None when it cannot be told."""
        if not broker_reachable(self.settings.kafka.bootstrap_servers, timeout_s=0.5):
            self.close()
            return False, None
        try:
            if self.watcher is None:
                self.watcher = OffsetWatcher(self.settings, self.settings.kafka.events_topic)
            return True, self.watcher.position(attempts=2).behind
        except (EcomlakeError, KafkaException):  # no topic yet, a broker restarting
            self.close()
            return True, None

    def close(self) -> None:
        if self.watcher is not None:
            self.watcher.close()
            self.watcher = None


def stream_job_running(settings: Settings) -> bool:
    return running_job(settings) is not None


def last_dag_runs(settings: Settings) -> dict[str, str]:
    """Each DAG's latest run state in Airflow's metadata DB ({} when Airflow never ran)."""
    url = sa.engine.make_url(settings.airflow_metadata_db)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        return {}
    try:
        engine = sa.create_engine(url)
    except ImportError:  # a PostgreSQL metadata DB: its driver lives in .venvs/airflow only
        return {}
    try:
        with engine.connect() as con:
            rows = con.execute(
                sa.text(
                    "SELECT r.dag_id, r.state FROM dag_run r JOIN (SELECT dag_id, "
                    "MAX(COALESCE(end_date, start_date)) AS last FROM dag_run GROUP BY dag_id) m "
                    "ON r.dag_id = m.dag_id AND COALESCE(r.end_date, r.start_date) = m.last"
                )
            ).all()
    except sa.exc.SQLAlchemyError:  # no dag_run table yet: Airflow's DB not migrated
        return {}
    finally:
        engine.dispose()
    return {str(dag): str(state) for dag, state in rows}
