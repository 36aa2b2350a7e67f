"""`ecomlake lake maintain` while the stream job writes: compaction, snapshot expiry and orphan
removal race the job's commits (every 2 s), and the lake still holds every valid event exactly
once, every malformed one rejected, nothing lost or doubled."""

from __future__ import annotations

import signal
from pathlib import Path

import orjson
import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.lake.tables import Lake
from ecomlake.services.kafka import KafkaService
from tests.integration.stream_helpers import (
    counts,
    expected_counts,
    run_cli,
    start_job,
    start_live_generator,
    stream_env,
)
from tests.integration.test_stream_crash import wait_for_commit_after


@pytest.mark.timeout(900)
def test_maintain_during_the_stream_loses_nothing(
    kafka: KafkaService, kafka_settings: Settings, tmp_path: Path
) -> None:
    topic = "it.maintain"
    data = tmp_path / "data"
    env = stream_env(kafka_settings, data, topic)
    log = tmp_path / "stream.log"
    manifest_path = tmp_path / "manifest.json"
    generator = start_live_generator(env, topic, manifest_path)
    job = start_job(env, topic, "--stop-after-idle", "5", log=log)
    try:
        commit = None
        for _ in range(5):  # a few small files to compact
            commit = wait_for_commit_after(data, commit, job)
        run_cli(env, "lake", "maintain", "--retain-hours", "0")
        assert job.poll() is None and generator.poll() is None, "maintain ran next to both"
        generator.send_signal(signal.SIGINT)
        assert generator.wait(timeout=120) == 130  # interrupted: flushed, manifest written
        assert job.wait(timeout=300) == 0, log.read_text()[-4000:]
    finally:
        for process in (generator, job):
            if process.poll() is None:
                process.kill()

    manifest = orjson.loads(manifest_path.read_bytes())
    assert counts(data) == expected_counts(manifest)
    history = Lake(load_settings(data_dir=data)).table("raw.events").history()
    operations = [v.operation for v in history]
    assert "replace" in operations  # the compaction committed between the job's appends
    assert operations.index("replace") < len(operations) - 1, "the job kept committing after it"
