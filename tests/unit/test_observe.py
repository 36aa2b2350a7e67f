"""Observability as code: the Prometheus config and alert rules pass promtool (its checks and
the rules' unit tests), the Grafana JSON is what the Python generates, and every ecomlake_*
series the rules and dashboards query is one the code exports."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from ecomlake.config import REPO_ROOT, load_settings
from ecomlake.dashboard.metrics import DashboardMetrics
from ecomlake.generator.metrics import GeneratorMetrics
from ecomlake.observe import grafana
from ecomlake.observe.prometheus_config import RULES, prometheus_config

pytestmark = pytest.mark.unit
PROMETHEUS_DIR = REPO_ROOT / "deploy" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("promtool")
    assert tool, "promtool not found: `make setup` installs Debian's prometheus package"
    return subprocess.run([tool, *args], capture_output=True, text=True, check=False,
                          cwd=PROMETHEUS_DIR)  # fmt: skip


def test_prometheus_config_scrapes_every_component(tmp_path: Path) -> None:
    settings = load_settings(observe={"kafka_jmx_port": 9999}, dashboard={"port": 8111})
    config = json.loads(prometheus_config(settings))
    targets = {job["job_name"]: job["static_configs"][0]["targets"]
               for job in config["scrape_configs"]}  # fmt: skip
    assert targets["kafka"] == ["127.0.0.1:9999"]
    assert targets["ecomlake-dashboard"] == ["127.0.0.1:8111"]
    assert targets["flink"] == ["127.0.0.1:9249", "127.0.0.1:9250"]
    assert "generator" in targets
    path = tmp_path / "prometheus.yml"
    path.write_text(prometheus_config(settings))
    checked = promtool("check", "config", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    no_jmx = json.loads(prometheus_config(load_settings(observe={"kafka_jmx_port": 0})))
    assert "kafka" not in {job["job_name"] for job in no_jmx["scrape_configs"]}


def test_alert_rules_check_and_unit_tests() -> None:
    checked = promtool("check", "rules", str(RULES))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "7 rules found" in checked.stdout
    tested = promtool("test", "rules", "alerts_test.yml")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "SUCCESS" in tested.stdout


def test_alert_rules_cover_the_required_failures() -> None:
    names = set(re.findall(r"- alert: (\w+)", RULES.read_text()))
    assert {"StreamJobDown", "LakeNotFresh", "DeadLetterSpike", "ConsumerLagGrowing",
            "AirflowDagFailed"} <= names  # fmt: skip


def test_grafana_json_is_generated_from_python() -> None:
    assert grafana.main(["--check"]) == 0
    for path in grafana.files():
        model = json.loads(path.read_text())
        assert model["panels"] and all(p["targets"] for p in model["panels"])
        ids = [p["id"] for p in model["panels"]]
        assert len(ids) == len(set(ids))


def exported_names() -> set[str]:
    generator = CollectorRegistry()
    GeneratorMetrics(generator)
    names: set[str] = set()
    for registry in (DashboardMetrics().registry, generator):
        for family in registry.collect():  # a labelled gauge has no samples until first set
            names |= {family.name} | {sample.name for sample in family.samples}
    return names


def test_queried_series_are_exported() -> None:
    exported = exported_names()
    texts = [RULES.read_text()] + [p.read_text() for p in grafana.files()]
    queried = {name for text in texts for name in re.findall(r"\becomlake_[a-z_]+\b", text)}
    # Dashboard/rule names that are not series: the uid and job labels.
    queried -= {"ecomlake_pipeline", "ecomlake_live_sales"}
    assert queried and queried <= exported, queried - exported
