"""The warm Spark (`ecomlake up --with spark`): what its processes are started with, and how a
job finds its Connect server. The processes themselves run in tests/integration (every
Spark job of the ETL story, the Airflow story and the dashboard test uses them)."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.core.process import PidRecord, pin_marker
from ecomlake.core.spark import (
    CONNECT_RECORD,
    server_conf,
    session_conf,
    spark_conf,
    warm_server,
)
from ecomlake.errors import EcomlakeError
from ecomlake.services.registry import resolve
from ecomlake.services.spark import SparkConnectServer, SparkMaster, SparkWorker, properties


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture
def settings(tmp_path: Path, listening: int) -> Settings:
    jars = tmp_path / "jars" / "spark"
    jars.mkdir(parents=True)
    (jars / "delta-spark.jar").write_bytes(b"")
    return load_settings(
        data_dir=tmp_path / "data", jars_dir=tmp_path / "jars",
        batch={"connect_port": listening, "master_port": 17077},
    )  # fmt: skip


def test_a_session_sets_only_what_a_running_application_lets_it(settings: Settings) -> None:
    server, session = server_conf(settings), session_conf(settings)
    assert not set(server) & set(session)
    assert spark_conf(settings) == server | session
    # Static settings (jars, extensions) stay with the application; the lake is per session.
    assert "spark.jars" in server and "spark.sql.extensions" in server
    assert session["spark.sql.catalog.lake.uri"].endswith(
        str(settings.data_dir / "lake" / "catalog.db")
    )


def test_no_jars_says_run_make_setup(tmp_path: Path) -> None:
    bare = load_settings(data_dir=tmp_path / "data", jars_dir=tmp_path / "none")
    with pytest.raises(EcomlakeError, match="make setup"):
        server_conf(bare)


def test_the_connect_server_runs_on_the_master_on_loopback(settings: Settings) -> None:
    conf = SparkConnectServer(settings).conf()
    assert conf["spark.master"] == "spark://127.0.0.1:17077"
    assert conf["spark.connect.grpc.binding.address"] == "127.0.0.1"
    assert conf["spark.connect.grpc.binding.port"] == str(settings.batch.connect_port)
    assert conf["spark.connect.session.manager.defaultSessionTimeout"] == "10m"
    assert (
        conf["spark.sql.catalog.lake.uri"] == session_conf(settings)["spark.sql.catalog.lake.uri"]
    )


def test_each_process_carries_its_marker_in_its_command_line(settings: Settings) -> None:
    for service in (SparkMaster(settings), SparkWorker(settings), SparkConnectServer(settings)):
        assert service.marker in service.command()
    assert SparkConnectServer(settings).pid_file.name == CONNECT_RECORD


def test_properties_escape_backslashes() -> None:
    assert properties({"a": r"C:\x", "b": "1"}) == "a=C:\\\\x\nb=1\n"


def test_spark_is_an_optional_service_with_its_worker_and_connect_server(
    settings: Settings,
) -> None:
    [_, spark] = resolve(settings, ["spark"])
    assert isinstance(spark, SparkMaster)
    assert [p.name for p in spark.parts()] == ["spark-worker", "spark-connect"]


def test_a_job_finds_the_warm_server_only_while_it_runs(settings: Settings) -> None:
    assert warm_server(settings) is None  # no record
    record = settings.run_dir / CONNECT_RECORD
    PidRecord(os.getpid(), (settings.batch.connect_port,), time.time(),
              pin_marker(os.getpid(), "started:")).save(record)  # fmt: skip
    assert warm_server(settings) == f"sc://127.0.0.1:{settings.batch.connect_port}"
    PidRecord(2**22 + 1, (), time.time(), "started:1").save(record)  # a process long gone
    assert warm_server(settings) is None


def test_a_connect_address_must_be_a_spark_connect_url(tmp_path: Path) -> None:
    assert load_settings(data_dir=tmp_path, batch={"connect": "sc://spark:15002"}).batch.connect
    with pytest.raises(EcomlakeError, match="connect"):
        load_settings(data_dir=tmp_path, batch={"connect": "http://spark:15002"})
