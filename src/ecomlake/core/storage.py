"""Where the lake lives, said once for every client: a local folder, or an object store.

`lake.warehouse` decides: a file:// URI (the default, under the data folder) or
s3://BUCKET/PREFIX on the store of the `s3` settings. Each engine reaches an S3 warehouse
through its own client, and each needs the same four facts (endpoint, region, path-style
addressing, credentials) spelled its own way; this module is the one place that spells them.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ecomlake.config import Settings
from ecomlake.errors import EcomlakeError

if TYPE_CHECKING:
    from deltalake import DeltaTable
    from pyarrow.fs import S3FileSystem

LOCAL_CREDENTIALS = "credentials.json"  # under <data>/s3: the local server's own, mode 0600
CREDENTIAL_SETTINGS = "ECOMLAKE_S3__ACCESS_KEY_ID and ECOMLAKE_S3__SECRET_ACCESS_KEY"


@dataclass(frozen=True)
class S3Access:
    """What a client needs to reach the S3 store. `repr` hides the secret (logs)."""

    endpoint: str
    region: str
    path_style: bool
    key_id: str
    secret: str

    def __repr__(self) -> str:
        return f"S3Access(endpoint={self.endpoint!r}, region={self.region!r}, key_id=...)"

    @property
    def insecure(self) -> bool:
        return self.endpoint.startswith("http://")


def warehouse_scheme(settings: Settings) -> str:
    return settings.lake.warehouse_uri(settings.data_dir).split("://", 1)[0]


def on_object_store(settings: Settings) -> bool:
    return warehouse_scheme(settings) != "file"


def warehouse_bucket(settings: Settings) -> str | None:
    """The bucket an s3:// warehouse names (None on a local disk)."""
    uri = settings.lake.warehouse_uri(settings.data_dir)
    return uri.split("://", 1)[1].split("/", 1)[0] if warehouse_scheme(settings) == "s3" else None


def local_credentials_file(settings: Settings) -> Path:
    return settings.data_dir / "s3" / LOCAL_CREDENTIALS


def local_credentials(settings: Settings) -> tuple[str, str]:
    """The local server's credentials: from the settings when given, else generated once and
    kept under the data folder (so `up --with s3` plus the warehouse setting is enough)."""
    given = _given_credentials(settings)
    if given is not None:
        return given
    path = local_credentials_file(settings)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump({"key_id": "ecomlake-local", "secret": secrets.token_urlsafe(24)}, out)
    raw = json.loads(path.read_text())
    return raw["key_id"], raw["secret"]


def _given_credentials(settings: Settings) -> tuple[str, str] | None:
    s3 = settings.s3
    if s3.access_key_id is None and s3.secret_access_key is None:
        return None
    if s3.access_key_id is None or s3.secret_access_key is None:
        raise EcomlakeError(f"S3 credentials are half set: set both {CREDENTIAL_SETTINGS}")
    return s3.access_key_id.get_secret_value(), s3.secret_access_key.get_secret_value()


def s3_access(settings: Settings) -> S3Access:
    """The store's access: the configured credentials, else the local server's own."""
    s3 = settings.s3
    creds = _given_credentials(settings)
    if creds is None:
        if s3.endpoint is not None or not local_credentials_file(settings).is_file():
            raise EcomlakeError(
                f"no S3 credentials for {s3.endpoint_url()}: set {CREDENTIAL_SETTINGS} "
                "(or start the local server: ecomlake up --with s3)"
            )
        creds = local_credentials(settings)
    return S3Access(s3.endpoint_url(), s3.region, s3.path_style, *creds)


def _s3_lake(settings: Settings) -> S3Access | None:
    """The store's access when the warehouse is on S3 (None: no S3 options for any client)."""
    return s3_access(settings) if warehouse_scheme(settings) == "s3" else None


def pyiceberg_properties(settings: Settings) -> dict[str, str]:
    """pyiceberg's FileIO properties (its pyarrow S3 client); empty on a local disk."""
    a = _s3_lake(settings)
    if a is None:
        return {}
    return {
        "s3.endpoint": a.endpoint,
        "s3.region": a.region,
        "s3.access-key-id": a.key_id,
        "s3.secret-access-key": a.secret,
        "s3.force-virtual-addressing": str(not a.path_style).lower(),
    }


def delta_storage_options(settings: Settings) -> dict[str, str]:
    """delta-rs's object_store options. Commits are safe without a lock: delta-rs writes each
    log entry with a conditional PUT (If-None-Match: *), which S3 and the local server honour."""
    a = _s3_lake(settings)
    if a is None:
        return {}
    return {
        "AWS_ENDPOINT_URL": a.endpoint,
        "AWS_REGION": a.region,
        "AWS_ACCESS_KEY_ID": a.key_id,
        "AWS_SECRET_ACCESS_KEY": a.secret,
        "AWS_ALLOW_HTTP": str(a.insecure).lower(),
        "AWS_VIRTUAL_HOSTED_STYLE_REQUEST": str(not a.path_style).lower(),
    }


def iceberg_java_properties(settings: Settings) -> dict[str, str]:
    """Iceberg's S3FileIO (iceberg-aws-bundle) for the Flink and Spark catalogs. No secret:
    catalog options can reach logs and UIs; the JVM's AWS SDK reads them from `aws_env`."""
    a = _s3_lake(settings)
    if a is None:
        return {}
    return {
        "io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        "s3.endpoint": a.endpoint,
        "s3.path-style-access": str(a.path_style).lower(),
        "client.region": a.region,
    }


def aws_env(settings: Settings) -> dict[str, str]:
    """Environment variables for a JVM on the store: the AWS SDK's default credential chain."""
    a = _s3_lake(settings)
    if a is None:
        return {}
    return {
        "AWS_ACCESS_KEY_ID": a.key_id,
        "AWS_SECRET_ACCESS_KEY": a.secret,
        "AWS_REGION": a.region,
    }


def spark_s3a_conf(settings: Settings) -> dict[str, str]:
    """Hadoop's s3a (Spark's Delta reads and writes) on the store, as Hadoop keys (a session
    sets them as they are; an application's conf prefixes them with `spark.hadoop.`).
    Credentials come from the JVM's environment (`aws_env`: s3a's default chain reads it)."""
    a = _s3_lake(settings)
    if a is None:
        return {}
    return {
        "fs.s3a.endpoint": a.endpoint,
        "fs.s3a.endpoint.region": a.region,
        "fs.s3a.path.style.access": str(a.path_style).lower(),
        "fs.s3a.connection.ssl.enabled": str(not a.insecure).lower(),
        # Iceberg records s3:// locations; its Spark actions (orphan-file removal) list them
        # through Hadoop, which has no s3:// file system of its own.
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
    }


def curated_uri(settings: Settings) -> str:
    """Where the curated Delta tables live, one folder per table: `<data>/lake/curated` on a
    local disk, `<warehouse>/curated` on an object store (next to the Iceberg namespaces)."""
    if not on_object_store(settings):
        return str(settings.lake.curated_dir(settings.data_dir))
    return settings.lake.warehouse_uri(settings.data_dir).rstrip("/") + "/curated"


def spark_uri(uri: str) -> str:
    """The same location as Spark's Hadoop file systems name it (s3:// is s3a:// there)."""
    return "s3a://" + uri.removeprefix("s3://") if uri.startswith("s3://") else uri


def is_delta_table(settings: Settings, uri: str) -> bool:
    """A Delta table is at `uri` (its log folder exists): local path or s3:// URI."""
    if not uri.startswith("s3://"):
        return (Path(uri) / "_delta_log").is_dir()
    from pyarrow import fs

    info = s3_filesystem(settings).get_file_info(uri.removeprefix("s3://") + "/_delta_log")
    return bool(info.type == fs.FileType.Directory)


def curated_tables(settings: Settings) -> dict[str, str]:
    """The curated Delta tables the ETL has written, name -> location (a folder or an s3://
    prefix with a Delta log), in name order; empty when there are none yet."""
    root = curated_uri(settings)
    if not root.startswith("s3://"):
        folder = Path(root)
        names = [p.name for p in folder.iterdir()] if folder.is_dir() else []
    else:
        from pyarrow import fs

        listing = fs.FileSelector(root.removeprefix("s3://"), allow_not_found=True)
        stored = s3_filesystem(settings).get_file_info(listing)
        names = [f.base_name for f in stored if f.type == fs.FileType.Directory]
    tables = {name: f"{root}/{name}" for name in sorted(names)}
    return {name: uri for name, uri in tables.items() if is_delta_table(settings, uri)}


def open_delta(settings: Settings, uri: str, version: int | None = None) -> DeltaTable:
    """delta-rs's handle on the Delta table at `uri`, through the store's client when remote."""
    from deltalake import DeltaTable

    return DeltaTable(uri, version=version, storage_options=delta_storage_options(settings) or None)


def parquet_files(settings: Settings, uri: str) -> int:
    """How many Parquet files are stored under `uri` (in a table's log or not)."""
    if not uri.startswith("s3://"):
        return sum(1 for _ in Path(uri).rglob("*.parquet"))
    from pyarrow import fs

    listing = fs.FileSelector(uri.removeprefix("s3://"), recursive=True, allow_not_found=True)
    stored = s3_filesystem(settings).get_file_info(listing)
    return sum(1 for f in stored if f.path.endswith(".parquet"))


def s3_filesystem(settings: Settings) -> S3FileSystem:
    """pyarrow's S3 client on the configured store (it may create buckets)."""
    from pyarrow import fs  # not every runtime environment imports this module for pyarrow

    a = s3_access(settings)
    return fs.S3FileSystem(
        access_key=a.key_id,
        secret_key=a.secret,
        endpoint_override=a.endpoint,
        scheme="http" if a.insecure else "https",
        region=a.region,
        force_virtual_addressing=not a.path_style,
        allow_bucket_creation=True,
    )


# pyarrow spells the S3 error codes in capitals (ListObjectsV2 with a wrong secret gives
# SIGNATURE_DOES_NOT_MATCH), delta-rs and the JVM as S3 does.
_DENIED = ("ACCESS_DENIED", "INVALID_ACCESS_KEY_ID", "SIGNATURE_DOES_NOT_MATCH",
           "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied")  # fmt: skip
_UNREACHABLE = ("NETWORK_CONNECTION", "Couldn't connect", "Connection refused")


def object_store_error(exc: BaseException) -> str | None:
    """One line for an object-store failure the S3 clients report with a stack of detail
    (pyarrow's OSError, delta-rs's errors), naming the setting to check; None otherwise."""
    text = str(exc)
    if any(mark in text for mark in _DENIED):
        return (
            f"the object store refused the credentials: check {CREDENTIAL_SETTINGS} "
            "(and s3.endpoint)"
        )
    if "AWS Error" in text and any(mark in text for mark in _UNREACHABLE):
        return (
            "cannot reach the object store at s3.endpoint (ECOMLAKE_S3__ENDPOINT): is it "
            "running? (the local one: ecomlake up --with s3)"
        )
    return None
