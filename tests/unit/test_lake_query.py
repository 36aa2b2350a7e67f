"""SQL over Iceberg tables: pyiceberg reads, DuckDB computes, money stays exact."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.errors import EcomlakeError
from ecomlake.lake.catalog import open_catalog, sqlalchemy_uri
from ecomlake.lake.query import describe_tables, run_query
from ecomlake.lake.tables import Lake

ORDERS = pa.table(
    {
        "order_id": ["O1", "O2", "O3"],
        "country_code": ["US", "DE", "US"],
        "total_usd": pa.array(
            [Decimal("10.10"), Decimal("0.20"), Decimal("99.99")], type=pa.decimal128(12, 2)
        ),
    }
)


@pytest.fixture
def lake(tmp_path: Path) -> Settings:
    settings = load_settings(data_dir=tmp_path / "data")
    catalog = open_catalog(settings)
    catalog.create_namespace("raw")
    table = catalog.create_table(("raw", "orders"), schema=ORDERS.schema)
    table.append(ORDERS)
    return settings


def test_query_sees_namespace_dot_table(lake: Settings) -> None:
    result = run_query(
        Lake(lake),
        "SELECT count(*) AS n, sum(total_usd) AS usd FROM raw.orders WHERE country_code = 'US'",
    )
    assert result.to_pylist() == [{"n": 2, "usd": Decimal("110.09")}]


def test_bad_sql_is_one_line(lake: Settings) -> None:
    with pytest.raises(EcomlakeError) as info:
        run_query(Lake(lake), "SELEC * FROM raw.orders")
    assert "\n" not in str(info.value) and "syntax error" in str(info.value)


def test_unknown_table_is_an_error(lake: Settings) -> None:
    with pytest.raises(EcomlakeError, match="no_such"):
        run_query(Lake(lake), "SELECT * FROM raw.no_such")


def test_describe_tables(lake: Settings) -> None:
    [info] = describe_tables(Lake(lake))
    assert (info.name, info.kind, info.rows, info.versions, info.files) == (
        "raw.orders",
        "iceberg",
        3,
        1,
        1,
    )
    assert info.last_commit is not None


def test_cli_json_keeps_money_exact(lake: Settings) -> None:
    env = dict(os.environ, ECOMLAKE_DATA_DIR=str(lake.data_dir))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ecomlake",
            "query",
            "--format",
            "json",
            "SELECT order_id, total_usd FROM raw.orders ORDER BY order_id",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        {"order_id": "O1", "total_usd": "10.10"},
        {"order_id": "O2", "total_usd": "0.20"},
        {"order_id": "O3", "total_usd": "99.99"},
    ]


def test_jdbc_uris_map_to_sqlalchemy() -> None:
    assert sqlalchemy_uri("jdbc:sqlite:/x/c.db") == "sqlite:////x/c.db"
    assert sqlalchemy_uri("jdbc:postgresql://h:5432/lake") == "postgresql+psycopg2://h:5432/lake"
    with pytest.raises(EcomlakeError):
        sqlalchemy_uri("jdbc:mysql://h/lake")
