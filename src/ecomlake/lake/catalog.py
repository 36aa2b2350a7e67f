"""The Iceberg catalog the stream job writes, opened with pyiceberg.

Flink's JDBC catalog and pyiceberg's SqlCatalog share one table layout, so both see the same
tables as long as the catalog name matches (`lake`).
"""

from __future__ import annotations

from pathlib import Path

from pyiceberg.catalog.sql import SqlCatalog

from ecomlake.config import Settings
from ecomlake.core.storage import pyiceberg_properties
from ecomlake.errors import EcomlakeError

CATALOG_NAME = "lake"


def sqlalchemy_uri(jdbc_uri: str) -> str:
    """`jdbc:sqlite:/path` -> `sqlite:////path`; `jdbc:postgresql://h/db` -> SQLAlchemy's form."""
    if jdbc_uri.startswith("jdbc:sqlite:"):
        return f"sqlite:///{jdbc_uri.removeprefix('jdbc:sqlite:')}"
    if jdbc_uri.startswith("jdbc:postgresql:"):
        return "postgresql+psycopg2:" + jdbc_uri.removeprefix("jdbc:postgresql:")
    raise EcomlakeError(
        f"unsupported catalog URI {jdbc_uri!r}: use jdbc:sqlite: or jdbc:postgresql:"
    )


def open_catalog(settings: Settings) -> SqlCatalog:
    lake = settings.lake
    uri = lake.catalog_uri(settings.data_dir)
    if uri.startswith("jdbc:sqlite:"):
        Path(uri.removeprefix("jdbc:sqlite:")).parent.mkdir(parents=True, exist_ok=True)
    return SqlCatalog(
        CATALOG_NAME,
        uri=sqlalchemy_uri(uri),
        warehouse=lake.warehouse_uri(settings.data_dir),
        **pyiceberg_properties(settings),  # on an s3:// warehouse: endpoint, credentials
    )
