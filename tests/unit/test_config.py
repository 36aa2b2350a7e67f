"""Settings: defaults, environment, TOML file, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecomlake.config import REPO_ROOT, load_settings
from ecomlake.errors import EcomlakeError


def test_defaults_work_on_one_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_settings()
    assert cfg.kafka.bootstrap_servers == "127.0.0.1:9092"
    assert cfg.data_dir == REPO_ROOT / ".ecomlake"
    assert cfg.kafka.partitions == 6


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ECOMLAKE_KAFKA__PORT", "19092")
    monkeypatch.setenv("ECOMLAKE_DATA_DIR", str(tmp_path / "state"))
    cfg = load_settings()
    assert cfg.kafka.port == 19092
    assert cfg.data_dir == tmp_path / "state"


def test_toml_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "ecomlake.toml").write_text('[kafka]\nport = 29092\nevents_topic = "x.events"\n')
    monkeypatch.chdir(tmp_path)
    cfg = load_settings()
    assert (cfg.kafka.port, cfg.kafka.events_topic) == (29092, "x.events")


def test_environment_beats_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "ecomlake.toml").write_text("[kafka]\nport = 29092\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ECOMLAKE_KAFKA__PORT", "39092")
    assert load_settings().kafka.port == 39092


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("ECOMLAKE_KAFKA__PORT", "not-a-port", "kafka.port"),
        ("ECOMLAKE_KAFKA__PORT", "70000", "kafka.port"),
        ("ECOMLAKE_KAFKA__PARTITIONS", "0", "kafka.partitions"),
    ],
)
def test_bad_values_give_one_line_errors(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str, fragment: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(name, value)
    with pytest.raises(EcomlakeError) as info:
        load_settings()
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_unknown_toml_key_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "ecomlake.toml").write_text("[kafka]\nprot = 1\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EcomlakeError, match=r"kafka\.prot"):
        load_settings()


def test_missing_config_file_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ECOMLAKE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(EcomlakeError, match="does not exist"):
        load_settings()


def test_broken_toml_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "ecomlake.toml").write_text("[kafka\nport = \n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(EcomlakeError, match="configuration"):
        load_settings()


def test_settings_pass_to_a_child_process_as_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # What `up --with dashboard` hands its `ecomlake serve`: the child must see these settings.
    parent = load_settings(data_dir=tmp_path, kafka={"port": 19999}, dashboard={"port": 8111},
                           orchestrate={"metadata_db": "sqlite:////x/airflow.db"})  # fmt: skip
    for key, value in parent.as_env().items():
        monkeypatch.setenv(key, value)
    assert load_settings() == parent
