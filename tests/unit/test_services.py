"""The service runner's refusals: each says what to do, in one line."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.core.process import PidRecord, port_in_use, process_alive
from ecomlake.errors import EcomlakeError
from ecomlake.services.kafka import KafkaService, new_cluster_id, server_properties
from ecomlake.services.registry import resolve


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "state", jars_dir=tmp_path / "jars")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_missing_jars_say_run_make_setup(settings: Settings) -> None:
    with pytest.raises(EcomlakeError, match="make setup"):
        KafkaService(settings).start()


def test_missing_java_says_install_jdk(tmp_path: Path) -> None:
    cfg = load_settings(data_dir=tmp_path, java="no-such-java-binary")
    with pytest.raises(EcomlakeError, match="JDK 17"):
        KafkaService(cfg).start()


def test_port_in_use_is_refused(tmp_path: Path, busy_port: int) -> None:
    assert port_in_use("127.0.0.1", busy_port)
    cfg = load_settings(data_dir=tmp_path, kafka={"port": busy_port})
    if not (cfg.jars_dir / "kafka").is_dir():
        pytest.skip("Kafka jars not fetched")
    with pytest.raises(EcomlakeError, match=f"port {busy_port}"):
        KafkaService(cfg).start()


def test_status_of_a_stopped_service(settings: Settings) -> None:
    status = KafkaService(settings).status()
    assert (status.running, status.healthy, status.pid) == (False, False, None)


def test_stale_pid_file_is_ignored(settings: Settings) -> None:
    service = KafkaService(settings)
    PidRecord(pid=2**22 - 1, ports=(1,), started_at=0.0, marker=service.marker).save(
        service.pid_file
    )
    assert service.record() is None
    assert not service.pid_file.exists()


def test_pid_reuse_is_detected() -> None:
    import os

    assert process_alive(os.getpid(), "python")
    assert not process_alive(os.getpid(), "definitely-not-in-my-command-line")


def test_unknown_optional_service(settings: Settings) -> None:
    with pytest.raises(EcomlakeError, match="known services: kafka"):
        resolve(settings, ["grafana"])


def test_single_node_properties(settings: Settings) -> None:
    text = server_properties(settings, Path("/data"))
    assert "process.roles=broker,controller" in text
    assert "offsets.topic.replication.factor=1" in text
    assert "listeners=PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093" in text


def test_group_stop_reaches_children_that_ignore_sigterm(tmp_path: Path) -> None:
    """Airflow's components: identified by their start time (they rewrite their command line),
    and stopped with their whole process group (their workers ignore SIGTERM)."""
    import subprocess
    import time

    from ecomlake.core.process import STARTED_MARKER, pin_marker, spawn, terminate

    script = "trap '' TERM; sleep 300 & wait"  # the child ignores SIGTERM too
    leader = spawn(["bash", "-c", script], tmp_path / "log")
    marker = pin_marker(leader.pid, STARTED_MARKER)
    time.sleep(0.5)
    assert process_alive(leader.pid, marker)
    assert not process_alive(leader.pid, f"{STARTED_MARKER}1")  # a reused pid starts later
    assert terminate(leader.pid, marker, grace_s=1, group=True)  # needed SIGKILL
    time.sleep(0.2)
    found = subprocess.run(["ps", "-o", "stat=", "-g", str(leader.pid)], capture_output=True,
                           text=True, check=False)  # fmt: skip
    assert [s for s in found.stdout.split() if not s.startswith("Z")] == []  # zombies are dead


def test_kafka_loads_the_jmx_exporter_agent_when_fetched(tmp_path: Path) -> None:
    jars = tmp_path / "jars"
    (jars / "jmx").mkdir(parents=True)
    (jars / "jmx" / "jmx_prometheus_javaagent-1.0.1.jar").touch()
    on = KafkaService(load_settings(data_dir=tmp_path / "s", jars_dir=jars,
                                    observe={"kafka_jmx_port": 9555}))  # fmt: skip
    [agent] = [arg for arg in on.command() if arg.startswith("-javaagent:")]
    assert agent.endswith(f"=127.0.0.1:9555:{on.state_dir / 'jmx-exporter.yaml'}")
    assert 9555 in on.ports  # checked free before start, like the broker's own ports
    off = KafkaService(load_settings(data_dir=tmp_path / "s", jars_dir=jars,
                                     observe={"kafka_jmx_port": 0}))  # fmt: skip
    assert not any(arg.startswith("-javaagent:") for arg in off.command())


def test_dashboard_and_prometheus_are_optional_services(settings: Settings) -> None:
    names = [service.name for service in resolve(settings, ["dashboard", "prometheus"])]
    assert names == ["kafka", "dashboard", "prometheus"]
    dashboard = resolve(settings, ["dashboard"])[1]
    assert dashboard.marker in " ".join(dashboard.command())  # how `down` recognises it
    prometheus = resolve(settings, ["prometheus"])[1]
    assert prometheus.marker in " ".join(prometheus.command())


def test_cluster_ids_never_look_like_an_option(monkeypatch: pytest.MonkeyPatch) -> None:
    # 0xf8... encodes to "-...": one random id in 64 did, and the storage tool refused it.
    draws = iter([bytes([0xF8]) + bytes(15), bytes(16)])
    monkeypatch.setattr("uuid.uuid4", lambda: type("U", (), {"bytes": next(draws)})())
    assert new_cluster_id() == "AAAAAAAAAAAAAAAAAAAAAA"
