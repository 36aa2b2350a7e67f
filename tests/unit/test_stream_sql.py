"""The stream job's SQL and state bookkeeping, without running Flink."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ecomlake.config import load_settings
from ecomlake.stream import sql
from ecomlake.stream.state import StateDirs


def test_source_parses_with_the_jvm_format_and_declares_the_watermark() -> None:
    settings = load_settings(stream={"allowed_lateness_s": 7, "group_id": "g1"})
    ddl = sql.kafka_source_ddl(settings, "t1", Path("/data/geo's.bin"))
    assert "'topic'='t1'" in ddl and "'properties.group.id'='g1'" in ddl
    assert "'scan.startup.mode'='group-offsets'" in ddl
    assert "WATERMARK FOR rowtime AS rowtime - INTERVAL '7' SECOND" in ddl
    assert "'format'='ecomlake-v1'" in ddl
    assert "'ecomlake-v1.geo'='/data/geo''s.bin'" in ddl  # quoted for SQL
    assert "'ecomlake-v1.rates'='USD=1;EUR=1.08;" in ddl


def test_the_format_columns_are_the_event_columns_but_kafkas_own() -> None:
    names = [name for name, _ in sql.FORMAT_COLUMNS]
    assert names[:3] == ["ok", "rowtime", "payload"] and names[-1] == "revenue_usd"
    events = [f"e_{n}" for n in sql.EVENT_NAMES if n not in ("kafka_partition", "kafka_offset")]
    assert names[3:-1] == events


def test_an_older_rejected_table_gains_payload_bytes() -> None:
    old = {"payload", "reason", "detail", "kafka_partition", "kafka_offset", "ingest_time"}
    assert sql.upgrade_ddl(old) == [f"ALTER TABLE {sql.REJECTED} ADD (`payload_bytes` BYTES)"]
    assert sql.upgrade_ddl(old | {"payload_bytes"}) == []


def test_kafka_sinks_are_transactional_and_keyed() -> None:
    settings = load_settings(kafka={"dlq_topic": "d", "metrics_topic": "m"})
    dlq, live = sql.kafka_dlq_ddl(settings), sql.kafka_live_ddl(settings)
    for ddl in (dlq, live):
        assert "'sink.delivery-guarantee'='exactly-once'" in ddl
    assert "'topic'='d'" in dlq and "'topic'='m'" in live
    assert "'connector'='upsert-kafka'" in live
    assert "PRIMARY KEY (window_start, country_code)" in live


def test_every_column_reaches_a_sink() -> None:
    views, inserts = sql.views_sql("src"), sql.inserts_sql(sql.Endpoints())
    text = " ".join(views + inserts)
    for name in sql.EVENT_NAMES:
        assert f"`e_{name}` AS `{name}`" in text
    for name in sql.REJECTED_NAMES:
        assert f"AS {name}" in text or f", {name}" in text
    # Refused messages only reach Python, for their reason.
    assert "explain_rejection(payload, e_ingest_time)" in text and "WHERE NOT ok" in text
    assert len(inserts) == 5  # events, rejected, metrics + the two Kafka copies


def test_kafka_copies_can_be_left_out() -> None:
    inserts = sql.inserts_sql(sql.Endpoints(dlq=None, live=None))
    assert [i.split()[2] for i in inserts] == [sql.EVENTS, sql.REJECTED, sql.METRICS]


def test_restart_picks_the_newest_complete_snapshot_and_prunes_the_rest(tmp_path: Path) -> None:
    dirs = StateDirs(tmp_path / "checkpoints", tmp_path / "savepoints")
    dirs.create()

    def snapshot(path: Path, age_s: float, complete: bool = True) -> Path:
        path.mkdir(parents=True)
        if complete:
            (path / "_metadata").write_bytes(b"x")
            stamp = time.time() - age_s
            os.utime(path / "_metadata", (stamp, stamp))
        return path

    snapshot(dirs.checkpoints / "job1" / "chk-3", 30)
    newest = snapshot(dirs.savepoints / "savepoint-1", 10)
    snapshot(dirs.checkpoints / "job2" / "chk-9", 1, complete=False)  # killed mid-checkpoint
    assert dirs.latest() == newest
    dirs.prune(keep=newest)
    assert [p.name for p in dirs.snapshots()] == ["savepoint-1"]
    assert not (dirs.checkpoints / "job1").exists()
