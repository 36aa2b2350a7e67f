"""One typed settings object for the whole platform.

Values come, highest priority first, from: explicit overrides, environment variables
`ECOMLAKE_*` (nested with `__`, e.g. `ECOMLAKE_KAFKA__PORT=19092`), a TOML file
(`ECOMLAKE_CONFIG`, else `ecomlake.toml` in the working directory), then defaults that
work on one machine.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ecomlake.errors import EcomlakeError

PACKAGE_DIR = Path(__file__).resolve().parent


def find_repo_root() -> Path:
    """The checkout this package runs from (editable install), else the working directory."""
    for parent in PACKAGE_DIR.parents:
        if (parent / "pyproject.toml").is_file() and (parent / "jvm" / "pom.xml").is_file():
            return parent
    return Path.cwd()


REPO_ROOT = find_repo_root()


def runtime_python(runtime: str) -> Path:
    """The interpreter of a runtime's own environment (`.venvs/<runtime>`, made by make setup)."""
    return REPO_ROOT / ".venvs" / runtime / "bin" / "python"


def runtime_package(runtime: str, package: str) -> Path:
    """A package's folder (PyFlink's or PySpark's bundled distribution): this environment's
    when it has the package, else the one in `.venvs/<runtime>`."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is not None and spec.origin is not None:
        return Path(spec.origin).parent
    found = sorted((REPO_ROOT / ".venvs" / runtime).glob(f"lib/python3*/site-packages/{package}"))
    if not found:
        raise EcomlakeError(f"the {runtime} environment is missing: run `make setup`")
    return found[-1]


class KafkaSettings(BaseModel):
    """The local single-node Kafka broker (KRaft, combined broker + controller)."""

    model_config = ConfigDict(extra="forbid")  # a typo in ecomlake.toml is an error

    host: str = "127.0.0.1"
    port: int = Field(9092, ge=1, le=65535)
    controller_port: int = Field(9093, ge=1, le=65535)
    events_topic: str = "ecom.events"
    dlq_topic: str = "ecom.events.dlq"
    metrics_topic: str = "ecom.metrics.live"
    partitions: int = Field(6, ge=1, le=1024)
    heap: str = "1g"
    start_timeout_s: float = Field(90.0, gt=0)

    @property
    def bootstrap_servers(self) -> str:
        return f"{self.host}:{self.port}"


WAREHOUSE_SCHEMES = ("file", "s3")
NOT_YET_SCHEMES = ("gs", "abfss")  # named so that their users get a plain answer


class LakeSettings(BaseModel):
    """The Iceberg catalog (JDBC: SQLite by default, PostgreSQL by URI) and its warehouse."""

    model_config = ConfigDict(extra="forbid")

    catalog: str | None = None  # JDBC URI; default: SQLite in the data folder
    # URI; default: the data folder's lake/warehouse. s3://BUCKET/PREFIX puts every table on
    # the object store of the `s3` settings (gs:// and abfss://: not yet, docs/object-storage.md).
    warehouse: str | None = None

    @field_validator("warehouse")
    @classmethod
    def _known_scheme(cls, value: str | None) -> str | None:
        if value is None:
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme in NOT_YET_SCHEMES:
            raise ValueError(
                f"{scheme}:// warehouses are not supported yet (file:// and s3:// are: "
                "docs/object-storage.md)"
            )
        if scheme not in WAREHOUSE_SCHEMES:
            known = ", ".join(f"{s}://" for s in WAREHOUSE_SCHEMES)
            raise ValueError(f"lake.warehouse must start with one of {known}")
        if scheme != "file" and not value.split("://", 1)[1].split("/", 1)[0]:
            raise ValueError(f"lake.warehouse {value!r} names no bucket")
        return value.rstrip("/")

    def catalog_uri(self, data_dir: Path) -> str:
        return self.catalog or f"jdbc:sqlite:{data_dir / 'lake' / 'catalog.db'}"

    def warehouse_uri(self, data_dir: Path) -> str:
        return self.warehouse or (data_dir / "lake" / "warehouse").as_uri()

    def curated_dir(self, data_dir: Path) -> Path:
        """Where the batch layer's Delta tables live: one folder per table."""
        return data_dir / "lake" / "curated"


class S3Settings(BaseModel):
    """An S3-compatible object store: the local server of `ecomlake up --with s3` by default,
    or any S3 endpoint. Credentials come from the environment (ECOMLAKE_S3__ACCESS_KEY_ID,
    ECOMLAKE_S3__SECRET_ACCESS_KEY); without them, the local server's own (written by it under
    the data folder, mode 0600). They are never logged nor passed on in `as_env`."""

    model_config = ConfigDict(extra="forbid")

    bucket: str = Field("ecomlake", pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    port: int = Field(8333, ge=1, le=65535)  # the local server's
    endpoint: str | None = Field(None, pattern=r"^https?://[^/\s]+/?$")  # default: local server
    region: str = "us-east-1"
    path_style: bool = True  # http://host/bucket/key: what local servers and MinIO-likes need
    access_key_id: SecretStr | None = None
    secret_access_key: SecretStr | None = None

    def endpoint_url(self) -> str:
        return (self.endpoint or f"http://127.0.0.1:{self.port}").rstrip("/")


class StreamSettings(BaseModel):
    """The Flink stream job: checkpoints (= Iceberg commits), dedup memory, live windows."""

    model_config = ConfigDict(extra="forbid")

    group_id: str = "ecomlake-stream"  # Kafka consumer group: offsets committed per checkpoint
    parallelism: int = Field(1, ge=1, le=64)
    checkpoint_interval_s: float = Field(2.0, ge=0.2, le=600)
    dedup_ttl_h: float = Field(24.0, gt=0)
    # Where keyed state (dedup memory, open windows) lives: RocksDB (off-heap, bounded, spills
    # to disk, incremental checkpoints) or the JVM heap (faster, grows with the dedup window).
    state_backend: Literal["rocksdb", "hashmap"] = "rocksdb"
    allowed_lateness_s: float = Field(5.0, ge=0)  # watermark delay of the live aggregates
    # A partition silent this long stops holding back the live windows. Not shorter: during a
    # backfill a partition whose first fetch is still queued would count as idle and its
    # events would all arrive behind the watermark.
    idle_partition_s: float = Field(60.0, gt=0)
    # Heap of the JVM that runs the embedded mini-cluster (without a cap the JVM takes a
    # quarter of RAM: 6 GB peak on a 2M-event drain here).
    heap: str = Field("1536m", pattern=r"^\d+[mg]$")
    rest_port: int = Field(8081, ge=1, le=65535)  # `ecomlake up --with flink` cluster
    metrics_port: int = Field(9249, ge=1, le=65535)  # Prometheus reporter (first port)


class BatchSettings(BaseModel):
    """The Spark ETL (raw Iceberg -> curated Delta) and lake maintenance."""

    model_config = ConfigDict(extra="forbid")

    master: str = "local[*]"  # or spark://host:7077 etc.: the same job on a cluster
    driver_memory: str = Field("3g", pattern=r"^\d+[mg]$")
    shuffle_partitions: int = Field(4, ge=1, le=10_000)
    # Tasks that rebuild a Delta table's state from its log (raise it for logs of 100k+ files).
    delta_snapshot_partitions: int = Field(2, ge=1, le=10_000)
    # Pseudonymizes emails (sha-256 of salt + address): set your own secret in production.
    pii_salt: str = Field("ecomlake-dev-salt", min_length=8)
    session_gap_min: float = Field(30.0, gt=0)
    # Behavioural bot rule: a session this long whose hits come faster than this on average.
    bot_min_events: int = Field(20, ge=2)
    bot_max_mean_gap_s: float = Field(5.0, gt=0)
    # `ecomlake lake maintain`: what is kept.
    snapshot_retention_h: float = Field(168.0, ge=0)
    retain_last_snapshots: int = Field(5, ge=1)
    orphan_min_age_h: float = Field(24.0, ge=1)  # younger files may belong to a running commit
    target_file_mb: int = Field(128, ge=1)
    # The warm Spark of `ecomlake up --with spark`: a standalone master and worker and a Spark
    # Connect server. Jobs use it while it runs (unless `warm` is false or --master is given).
    warm: bool = True
    # A Spark Connect server to use instead (sc://host:port): a shared or remote one.
    connect: str = Field("", pattern=r"^(sc://\S+)?$")
    master_port: int = Field(7077, ge=1, le=65535)
    master_ui_port: int = Field(8090, ge=1, le=65535)
    worker_ui_port: int = Field(8091, ge=1, le=65535)
    connect_port: int = Field(15002, ge=1, le=65535)
    connect_ui_port: int = Field(4050, ge=1, le=65535)
    executor_memory: str = Field("3g", pattern=r"^\d+[mg]$")
    # A session a killed job left behind (and its cached frames) is dropped after this long.
    connect_session_timeout_min: int = Field(10, ge=1)


class OrchestrateSettings(BaseModel):
    """Airflow (`ecomlake up --with airflow`, `ecomlake orchestrate`) and its DAGs."""

    model_config = ConfigDict(extra="forbid")

    port: int = Field(8080, ge=1, le=65535)  # API server and UI
    # The first day ecommerce_daily's catch-up covers once the DAG is unpaused.
    start_date: datetime = datetime(2026, 1, 1, tzinfo=UTC)
    # SQLAlchemy URI of Airflow's metadata DB; default SQLite in the data folder. PostgreSQL:
    # postgresql+psycopg2://user:pass@host/airflow (psycopg2 is in .venvs/airflow).
    metadata_db: str | None = None
    # ecommerce_daily's sensor: how long to wait for the lake to cover the interval.
    sensor_timeout_s: float = Field(3600.0, gt=0)
    sensor_poke_s: float = Field(30.0, gt=0)
    # The interval's raw snapshot also goes to Snowflake (an Iceberg table reading its
    # metadata) when switched on; needs SNOWFLAKE_* credentials and the names below.
    snowflake_load: bool = False
    snowflake_external_volume: str = "ecomlake_lake"
    snowflake_catalog_integration: str = "ecomlake_object_store"
    # A check fails when the newest raw commit is older than this at the check's time.
    max_lake_age_h: float = Field(36.0, gt=0)


class DashboardSettings(BaseModel):
    """The web dashboard (`ecomlake serve`, `ecomlake up --with dashboard`)."""

    model_config = ConfigDict(extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    refresh_s: float = Field(1.0, ge=0.1, le=60)  # how often the live page's numbers update
    horizon_min: int = Field(60, ge=5, le=1440)  # minutes the live charts show


class ObserveSettings(BaseModel):
    """Prometheus (`ecomlake up --with prometheus`) and the Kafka broker's JMX exporter."""

    model_config = ConfigDict(extra="forbid")

    prometheus_port: int = Field(9090, ge=1, le=65535)
    kafka_jmx_port: int = Field(9404, ge=0, le=65535)  # exporter agent in the broker; 0 = off
    # Where Prometheus looks for `ecomlake generate --metrics-port` (run it with this port).
    generator_port: int = Field(9101, ge=1, le=65535)
    scrape_interval_s: int = Field(5, ge=1, le=300)
    retention: str = Field("7d", pattern=r"^\d+[hdw]$")


class Settings(BaseSettings):
    """Everything configurable. Paths may be relative to the repository root."""

    model_config = SettingsConfigDict(
        env_prefix="ECOMLAKE_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Path(".ecomlake")
    jars_dir: Path = Path("jvm/lib")
    java: str = "java"
    kafka: KafkaSettings = KafkaSettings()
    lake: LakeSettings = LakeSettings()
    s3: S3Settings = S3Settings()
    stream: StreamSettings = StreamSettings()
    batch: BatchSettings = BatchSettings()
    orchestrate: OrchestrateSettings = OrchestrateSettings()
    dashboard: DashboardSettings = DashboardSettings()
    observe: ObserveSettings = ObserveSettings()

    @field_validator("data_dir", "jars_dir")
    @classmethod
    def _anchor(cls, value: Path) -> Path:
        value = value.expanduser()
        return value if value.is_absolute() else REPO_ROOT / value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = config_file()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_file is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
        return tuple(sources)

    @cached_property
    def logs_dir(self) -> Path:
        return self.data_dir / "logs"

    @cached_property
    def run_dir(self) -> Path:
        return self.data_dir / "run"

    @cached_property
    def airflow_home(self) -> Path:
        return self.data_dir / "airflow"

    @cached_property
    def airflow_metadata_db(self) -> str:
        """Airflow's metadata database: the configured URL, or SQLite in its home."""
        return self.orchestrate.metadata_db or f"sqlite:///{self.airflow_home / 'airflow.db'}"

    def jars(self, runtime: str) -> Path:
        return self.jars_dir / runtime

    def as_env(self) -> dict[str, str]:
        """These settings as ECOMLAKE_* variables: a child `ecomlake` process started with
        them sees exactly these settings (environment variables win over ecomlake.toml)."""
        env: dict[str, str] = {}
        for name, value in self.model_dump(mode="json", exclude=SECRETS).items():
            items = value.items() if isinstance(value, dict) else [(None, value)]
            for field, item in items:
                if item is None:
                    continue
                key = f"ECOMLAKE_{name}" + (f"__{field}" if field else "")
                text = item if isinstance(item, str) else json.dumps(item)
                env[key.upper()] = text
        return env


# Settings `as_env` leaves out: a child gets them from the environment they came from.
SECRETS: dict[str, set[str]] = {"s3": {"access_key_id", "secret_access_key"}}


def config_file() -> Path | None:
    explicit = os.environ.get("ECOMLAKE_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise EcomlakeError(f"ECOMLAKE_CONFIG points to {path}, which does not exist")
        return path
    default = Path.cwd() / "ecomlake.toml"
    return default if default.is_file() else None


def load_settings(**overrides: Any) -> Settings:
    """Load settings, turning validation problems into one-line errors."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "settings"
        raise EcomlakeError(
            f"invalid setting {where}: {first['msg']} "
            f"(check ECOMLAKE_{where.upper().replace('.', '__')} or ecomlake.toml)"
        ) from None
    except ValueError as exc:  # malformed TOML
        raise EcomlakeError(f"cannot read configuration: {exc}") from None
