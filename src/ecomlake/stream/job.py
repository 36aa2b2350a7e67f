"""The stream job: Kafka -> validate, type, enrich -> dedup -> Iceberg, dead letters, live metrics.

The SQL is in `sql.py`; the per-message work is the source's Kafka format (`jvm/stream-udf`,
JVM: contract, typing, enrichment), with the Python reference naming the reasons of refused
messages (`explain.py`, Arrow batches). This module configures Flink
(checkpoints = Iceberg commits and Kafka transactions, state kept across restarts, metrics),
submits the job and watches it until it should stop:
- Ctrl-C or SIGTERM (`ecomlake down`): stop with a savepoint, so the next start resumes there;
- `--stop-after-idle S`: the same, once every message on the topic is committed and nothing new
  arrived for S seconds;
- a crash (even kill -9): the next start resumes from the last completed checkpoint.

Runs in the flink environment: `.venvs/flink/bin/python -m ecomlake.stream.job --help`
(`ecomlake stream` starts it and shows progress).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from confluent_kafka import KafkaException

from ecomlake.config import Settings, load_settings
from ecomlake.core.offsets import OffsetWatcher
from ecomlake.core.process import PidRecord
from ecomlake.core.stream_job import PID_MARKER, pid_file
from ecomlake.errors import EcomlakeError
from ecomlake.stream import sql
from ecomlake.stream.geo_export import geo_table
from ecomlake.stream.runtime import table_environment
from ecomlake.stream.state import StateDirs

log = logging.getLogger("ecomlake.stream")


@dataclass(frozen=True)
class JobOptions:
    topic: str
    stop_after_idle: float | None = None  # seconds; None: run until stopped
    cluster: bool = False  # submit to `ecomlake up --with flink` instead of the mini-cluster
    reset_state: bool = False  # forget saved state (offsets then come from the Kafka group)


class StopRequested(Exception):
    """SIGTERM arrived: stop cleanly, as for Ctrl-C."""


def flink_config(settings: Settings, options: JobOptions, restore: Path | None) -> dict[str, str]:
    s, dirs = settings.stream, StateDirs.of(settings)
    config = {
        "pipeline.name": f"ecomlake-stream {options.topic}",
        # Chained operators hand rows on without copying them (the SQL operators do not keep
        # them); only where a task fans out to several branches is a row copied.
        "pipeline.object-reuse": "true",
        # Plan views shared by several sinks once: otherwise the lake sink and the live windows
        # each get their own dedup (two RocksDB states, two shuffles of every row).
        "table.optimizer.reuse-optimize-block-with-digest-enabled": "true",
        # PyFlink's fusing of Python operators, off as in every measured drain. (It fuses Python
        # functions with each other; it does not take the one here out of the source's task.)
        "python.operator-chaining.enabled": "false",
        "parallelism.default": str(s.parallelism),
        "python.executable": sys.executable,  # the flink environment, on every task manager
        # Only refused messages reach Python (for their reason): small, prompt batches.
        "python.fn-execution.bundle.size": "1000",
        "python.fn-execution.bundle.time": "100",
        "table.local-time-zone": "UTC",
        # Dedup memory (event ids for `dedup_ttl_h`) in RocksDB: bounded heap, incremental
        # checkpoints that copy only what changed.
        "state.backend.type": s.state_backend,
        "execution.checkpointing.incremental": "true",
        # RocksDB's memory from explicit sizes, not the mini-cluster's small managed share
        # (tiny memtables made it flush and compact all the time; measured in docs/benchmarks.md).
        "state.backend.rocksdb.memory.managed": "false",
        "state.backend.rocksdb.writebuffer.size": "32mb",
        "state.backend.rocksdb.writebuffer.count": "3",
        "state.backend.rocksdb.block.cache-size": "32mb",
        "execution.checkpointing.interval": f"{round(s.checkpoint_interval_s * 1000)} ms",
        "execution.checkpointing.dir": dirs.checkpoints.as_uri(),
        "execution.checkpointing.savepoint-dir": dirs.savepoints.as_uri(),
        "execution.checkpointing.externalized-checkpoint-retention": "RETAIN_ON_CANCELLATION",
        "execution.checkpointing.num-retained": "2",
        "table.exec.state.ttl": f"{round(s.dedup_ttl_h * 3600)} s",
        "table.exec.source.idle-timeout": f"{round(s.idle_partition_s * 1000)} ms",
        # Ride through a broker outage (restarts from the last checkpoint, 1 s, 2 s, 4 s ...
        # up to 10 s apart; `flink_jobmanager_job_numRestarts` counts them), but fail visibly
        # after about 6 minutes of failing instead of restarting forever.
        "restart-strategy.type": "exponential-delay",
        "restart-strategy.exponential-delay.initial-backoff": "1 s",
        "restart-strategy.exponential-delay.max-backoff": "10 s",
        "restart-strategy.exponential-delay.backoff-multiplier": "2.0",
        "restart-strategy.exponential-delay.reset-backoff-threshold": "10 min",
        "restart-strategy.exponential-delay.attempts-before-reset-backoff": "40",
        "metrics.reporter.prom.factory.class": (
            "org.apache.flink.metrics.prometheus.PrometheusReporterFactory"
        ),
        "metrics.reporter.prom.port": f"{s.metrics_port}-{s.metrics_port + 9}",
    }
    if restore is not None:
        config["execution.state-recovery.path"] = restore.as_uri()
    if options.cluster:
        config |= {
            "execution.target": "remote",
            "rest.address": "127.0.0.1",
            "rest.port": str(s.rest_port),
        }
    return config


def submit(settings: Settings, options: JobOptions, restore: Path | None) -> Any:
    """Build the job (tables, views, inserts) and submit it; returns its JobClient."""
    from ecomlake.stream.explain import explain_rejection

    env = table_environment(settings, flink_config(settings, options, restore))
    for statement in sql.lake_tables_ddl():
        env.execute_sql(statement)
    have = set(env.from_path(sql.REJECTED).get_schema().get_field_names())
    for statement in sql.upgrade_ddl(have):
        log.info("upgrading the lake: %s", statement)
        env.execute_sql(statement)
    env.create_temporary_system_function("explain_rejection", explain_rejection())
    env.execute_sql(sql.kafka_source_ddl(settings, options.topic, geo_table(settings.data_dir)))
    env.execute_sql(sql.kafka_dlq_ddl(settings))
    env.execute_sql(sql.kafka_live_ddl(settings))
    for statement in sql.views_sql(sql.Endpoints().source):
        env.execute_sql(statement)
    statements = env.create_statement_set()
    for statement in sql.inserts_sql(sql.Endpoints()):
        statements.add_insert_sql(statement)
    return statements.execute().get_job_client()


def stop_with_savepoint(client: Any, folder: Path) -> str:
    """Stop the job after a savepoint (sources first, then a final commit of every sink)."""
    # PyFlink 2.0.2's JobClient.stop_with_savepoint calls a Java signature that no longer
    # exists (the format type became mandatory), so call the Java client directly.
    from pyflink.java_gateway import get_gateway

    canonical = get_gateway().jvm.org.apache.flink.core.execution.SavepointFormatType.CANONICAL
    for attempt in range(60):
        try:
            future = client._j_job_client.stopWithSavepoint(False, folder.as_uri(), canonical)
            return str(future.get())
        except Exception as exc:  # tasks still starting: "Not all required tasks are running"
            if "not all required tasks" not in str(exc).lower() or attempt == 59:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise StopRequested


def _idle_for(watcher: OffsetWatcher, outage: list[float]) -> float:
    """The watcher's idle time; 0 while the broker cannot be reached (the job rides it out)."""
    try:
        idle = watcher.idle_for()
    except KafkaException as exc:
        if not outage:
            log.warning("Kafka unreachable (%s): the job restarts until it is back", exc)
            outage.append(time.monotonic())
        return 0.0
    if outage:
        log.info("Kafka reachable again after %.0f s", time.monotonic() - outage.pop())
    return idle


def watch(client: Any, watcher: OffsetWatcher, options: JobOptions) -> bool:
    """Wait until the job ends (False) or should be stopped (True)."""
    last_report = 0.0
    outage: list[float] = []
    seen = None
    try:
        while True:
            status = client.get_job_status().result()
            if status.is_globally_terminal_state():
                client.get_job_execution_result().result()  # raises the job's failure
                return False
            if status != seen and seen is not None:
                # A failure (broker or object store gone): Flink restarts the job from its
                # last checkpoint with a growing back-off; the cause is in the Flink log.
                log.log(logging.INFO if str(status).endswith("RUNNING") else logging.WARNING,
                        "job %s", str(status).rsplit(".", 1)[-1])  # fmt: skip
            seen = status
            idle = _idle_for(watcher, outage)
            if time.monotonic() - last_report >= 10:
                last_report = time.monotonic()
                at = watcher.last
                if at is not None:
                    log.info("%s: %d of %d messages committed", status, at.committed, at.end)
            if options.stop_after_idle is not None and idle >= options.stop_after_idle:
                log.info("idle for %.0f s with everything committed: stopping", idle)
                return True
            time.sleep(1)
    except (KeyboardInterrupt, StopRequested):
        log.info("stop requested")
        return True


def run(settings: Settings, options: JobOptions) -> None:
    dirs = StateDirs.of(settings)
    if options.reset_state:
        dirs.reset()
    dirs.create()
    restore = dirs.latest()
    dirs.prune(keep=restore)
    if restore is not None:
        log.info("resuming from %s", restore)
    else:
        log.info("first start: reading %s from the group's committed offsets", options.topic)
    watcher = OffsetWatcher(settings, options.topic)
    record = pid_file(settings)
    PidRecord(os.getpid(), (), time.time(), PID_MARKER).save(record)
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        client = submit(settings, options, restore)
        log.info("job %s running", client.get_job_id())
        if watch(client, watcher, options):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second request must not cut it short
            path = stop_with_savepoint(client, dirs.savepoints)
            log.info("stopped with savepoint %s", path)
    finally:
        watcher.close()
        record.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Kafka -> validate, enrich, dedup -> Iceberg, dead letters, live metrics."
    )
    parser.add_argument("--topic", help="default: the events topic from settings")
    parser.add_argument(
        "--stop-after-idle",
        type=float,
        metavar="SECONDS",
        help="stop once everything is committed and nothing arrived for this long",
    )
    parser.add_argument(
        "--cluster", action="store_true", help="submit to the cluster of `up --with flink`"
    )
    parser.add_argument(
        "--reset-state",
        action="store_true",
        help="forget the saved state (dedup memory, offsets): start from the group's offsets",
    )
    args = parser.parse_args(argv)
    # Our lines at INFO on our own handler: in the mini-cluster the Python functions run in
    # this process (loopback), and Beam's worker swaps the root logger's handlers.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s stream %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    logging.basicConfig(level=logging.WARNING)
    try:
        settings = load_settings()
        options = JobOptions(
            topic=args.topic or settings.kafka.events_topic,
            stop_after_idle=args.stop_after_idle,
            cluster=args.cluster,
            reset_state=args.reset_state,
        )
        run(settings, options)
    except EcomlakeError as exc:
        sys.exit(f"error: {exc}")


if __name__ == "__main__":
    main()
