"""The dbt project's conventions, checked on its parsed manifest (as dbt-project-evaluator
does): layers depend only downwards, sources only in staging, a primary-key test on every
model, freshness on every source, descriptions on every model and column. Also: the profiles
for real Snowflake and Databricks accounts render and parse with their adapters."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ecomlake.config import runtime_python

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "transform"
DBT = runtime_python("dbt").parent / "dbt"

pytestmark = pytest.mark.skipif(not DBT.exists(), reason="the dbt environment is not set up")


TARGETS = ["duckdb", "snowflake", "databricks", "spark", "snowflake-dialect"]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | None]]:
    """`dbt parse` for every target, in one dbt process: (where, each target's error)."""
    out = tmp_path_factory.mktemp("dbt")
    result = subprocess.run(
        [str(runtime_python("dbt")), str(Path(__file__).with_name("dbt_parse.py")), str(PROJECT),
         str(out), *TARGETS],
        env=dict(os.environ, DBT_SEND_ANONYMOUS_USAGE_STATS="false"),
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, (result.stdout + result.stderr)[-3000:]
    errors: dict[str, str | None] = json.loads(lines[-1].removeprefix("RESULT "))
    return out, errors


@pytest.fixture(scope="module")
def nodes(parsed: tuple[Path, dict[str, str | None]]) -> dict[str, Any]:
    out, errors = parsed
    assert errors["duckdb"] is None, errors["duckdb"]
    manifest: dict[str, Any] = json.loads((out / "duckdb" / "target" / "manifest.json").read_text())
    return manifest


def models(parsed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {n["name"]: n for n in parsed["nodes"].values() if n["resource_type"] == "model"}


LAYER = {"stg": 0, "int": 1, "fct": 2, "dim": 2}


def test_the_marts_the_issue_names_exist(nodes: dict[str, Any]) -> None:
    assert {
        "fct_orders", "fct_daily_revenue", "fct_revenue_by_segment", "fct_daily_active_users",
        "fct_funnel_daily", "fct_sessions", "dim_customers", "dim_products",
        "fct_product_performance", "fct_cohort_retention",
    } <= set(models(nodes))  # fmt: skip


def test_layers_depend_only_downwards_and_sources_only_in_staging(nodes: dict[str, Any]) -> None:
    for name, model in models(nodes).items():
        prefix = name.split("_", 1)[0]
        assert prefix in LAYER, f"{name}: models are stg_, int_, fct_ or dim_"
        assert model["fqn"][1] == {"stg": "staging", "int": "intermediate"}.get(prefix, "marts")
        for parent in model["depends_on"]["nodes"]:
            kind, parent_name = parent.split(".")[0], parent.split(".")[-1]
            if kind == "source":
                assert prefix == "stg", f"{name} reads a source directly"
            elif kind == "model":
                parent_prefix = parent_name.split("_", 1)[0]
                assert LAYER[parent_prefix] <= LAYER[prefix], f"{name} depends on {parent_name}"
                assert prefix != "stg", f"staging model {name} depends on a model"


def test_every_model_has_a_primary_key_test(nodes: dict[str, Any]) -> None:
    keyed: set[str] = set()
    for node in nodes["nodes"].values():
        if node["resource_type"] != "test" or "test_metadata" not in node:
            continue
        kind = node["test_metadata"]["name"]
        if kind in ("unique", "unique_combination"):
            keyed.update(n.split(".")[-1] for n in node["depends_on"]["nodes"])
    assert set(models(nodes)) <= keyed, set(models(nodes)) - keyed


def test_every_model_and_column_is_described(nodes: dict[str, Any]) -> None:
    for name, model in models(nodes).items():
        assert model["description"].strip(), f"{name} has no description"
        assert model["columns"], f"{name} documents no columns"
        for column, spec in model["columns"].items():
            assert spec["description"].strip(), f"{name}.{column} has no description"


def test_documented_columns_are_the_models_columns(nodes: dict[str, Any]) -> None:
    """Every column a model selects is documented: compare with the final select's aliases
    in the compiled-free SQL by name (each documented column appears in the model's SQL)."""
    for name, model in models(nodes).items():
        sql = model["raw_code"]
        for column in model["columns"]:
            assert column in sql, f"{name}: documented column {column} is not in its SQL"


def test_every_source_has_freshness_except_reference_data(nodes: dict[str, Any]) -> None:
    for source in nodes["sources"].values():
        freshness = source.get("freshness") or {}
        has_rule = bool((freshness.get("warn_after") or {}).get("count"))
        if source["name"] == "currency_rates":
            assert not has_rule  # fixed reference data: documented as not ageing
        else:
            assert has_rule and source["loaded_at_field"], source["name"]


def test_tricky_logic_has_unit_tests(nodes: dict[str, Any]) -> None:
    tested = {u["model"] for u in nodes["unit_tests"].values()}
    assert {"int_session_funnel_steps", "fct_daily_revenue", "fct_daily_active_users",
            "fct_cohort_retention", "fct_funnel_daily"} <= tested  # fmt: skip


def test_dashboard_exposure_depends_on_marts(nodes: dict[str, Any]) -> None:
    [exposure] = nodes["exposures"].values()
    assert exposure["type"] == "dashboard"
    assert "model.ecomlake.fct_daily_revenue" in exposure["depends_on"]["nodes"]


@pytest.mark.parametrize("target", TARGETS[1:])
def test_profiles_for_other_targets_parse(
    target: str, parsed: tuple[Path, dict[str, str | None]]
) -> None:
    out, errors = parsed
    assert errors[target] is None, errors[target]
    assert (out / target / "target" / "manifest.json").exists()
