"""Where the lake lives: the warehouse URI, the S3 settings, and each client's spelling of them
(ecomlake.core.storage). The round trip against a real server is in the integration tests."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ecomlake.config import Settings, load_settings
from ecomlake.core.storage import (
    aws_env,
    curated_tables,
    curated_uri,
    delta_storage_options,
    iceberg_java_properties,
    local_credentials,
    local_credentials_file,
    object_store_error,
    on_object_store,
    pyiceberg_properties,
    s3_access,
    spark_s3a_conf,
    spark_uri,
    warehouse_bucket,
)
from ecomlake.errors import EcomlakeError

SECRET = "s3cr3t-value-never-logged"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)  # no ecomlake.toml
    for name in ("WAREHOUSE", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "ENDPOINT", "PORT"):
        monkeypatch.delenv(f"ECOMLAKE_LAKE__{name}", raising=False)
        monkeypatch.delenv(f"ECOMLAKE_S3__{name}", raising=False)


def on_s3(tmp_path: Path, **s3: object) -> Settings:
    return load_settings(data_dir=tmp_path, lake={"warehouse": "s3://shop/lake/"}, s3=s3)


def test_the_default_lake_is_a_local_folder(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path)
    assert settings.lake.warehouse_uri(tmp_path) == (tmp_path / "lake" / "warehouse").as_uri()
    assert not on_object_store(settings)
    assert warehouse_bucket(settings) is None
    # No client gets object-store options, and no credentials are needed.
    assert pyiceberg_properties(settings) == delta_storage_options(settings) == {}
    assert iceberg_java_properties(settings) == aws_env(settings) == spark_s3a_conf(settings) == {}
    assert curated_uri(settings) == str(tmp_path / "lake" / "curated")


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/data/lake", "lake.warehouse must start with one of file://, s3://"),
        ("gs://bucket/lake", "gs:// warehouses are not supported yet (file:// and s3:// are"),
        ("hdfs://nn/lake", "lake.warehouse must start with one of"),
        ("s3:///lake", "names no bucket"),
    ],
)
def test_a_bad_warehouse_is_one_line_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str, message: str
) -> None:
    monkeypatch.setenv("ECOMLAKE_LAKE__WAREHOUSE", uri)
    with pytest.raises(EcomlakeError) as err:
        load_settings(data_dir=tmp_path)
    text = str(err.value)
    assert text.startswith("invalid setting lake.warehouse") and message in text
    assert "ECOMLAKE_LAKE__WAREHOUSE" in text and "\n" not in text


def test_credentials_from_the_environment_reach_every_client(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOMLAKE_LAKE__WAREHOUSE", "s3://shop/lake")
    monkeypatch.setenv("ECOMLAKE_S3__ENDPOINT", "https://s3.eu-west-1.amazonaws.com")
    monkeypatch.setenv("ECOMLAKE_S3__REGION", "eu-west-1")
    monkeypatch.setenv("ECOMLAKE_S3__PATH_STYLE", "false")
    monkeypatch.setenv("ECOMLAKE_S3__ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("ECOMLAKE_S3__SECRET_ACCESS_KEY", SECRET)
    settings = load_settings(data_dir=tmp_path)
    assert warehouse_bucket(settings) == "shop"
    assert pyiceberg_properties(settings) == {
        "s3.endpoint": "https://s3.eu-west-1.amazonaws.com",
        "s3.region": "eu-west-1",
        "s3.access-key-id": "AKIAEXAMPLE",
        "s3.secret-access-key": SECRET,
        "s3.force-virtual-addressing": "true",
    }
    delta = delta_storage_options(settings)
    assert delta["AWS_ALLOW_HTTP"] == "false" and delta["AWS_SECRET_ACCESS_KEY"] == SECRET
    assert delta["AWS_VIRTUAL_HOSTED_STYLE_REQUEST"] == "true"
    # The JVM catalogs get no secret in their options (those reach logs): the SDK's env.
    java = iceberg_java_properties(settings)
    assert SECRET not in java.values() and java["s3.path-style-access"] == "false"
    assert aws_env(settings)["AWS_SECRET_ACCESS_KEY"] == SECRET
    # Spark: Delta through s3a (no secret in its conf either), next to the Iceberg tables.
    s3a = spark_s3a_conf(settings)
    assert s3a["fs.s3a.endpoint"] == "https://s3.eu-west-1.amazonaws.com"
    assert s3a["fs.s3a.path.style.access"] == "false"
    assert s3a["fs.s3a.connection.ssl.enabled"] == "true"
    assert SECRET not in s3a.values()
    assert curated_uri(settings) == "s3://shop/lake/curated"
    assert spark_uri(curated_uri(settings)) == "s3a://shop/lake/curated"
    assert spark_uri("/data/lake/curated") == "/data/lake/curated"


def test_secrets_stay_out_of_reprs_and_child_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ECOMLAKE_S3__ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("ECOMLAKE_S3__SECRET_ACCESS_KEY", SECRET)
    settings = on_s3(tmp_path)
    assert SECRET not in repr(settings) and SECRET not in repr(s3_access(settings))
    env = settings.as_env()
    assert "ECOMLAKE_S3__SECRET_ACCESS_KEY" not in env and SECRET not in env.values()
    assert env["ECOMLAKE_LAKE__WAREHOUSE"] == "s3://shop/lake"


def test_half_set_credentials_are_an_error(tmp_path: Path) -> None:
    with pytest.raises(EcomlakeError, match="half set: set both ECOMLAKE_S3__ACCESS_KEY_ID"):
        s3_access(on_s3(tmp_path, access_key_id="AKIAEXAMPLE"))


def test_no_credentials_for_a_remote_store_names_the_settings(tmp_path: Path) -> None:
    settings = on_s3(tmp_path, endpoint="https://s3.example.com")
    with pytest.raises(EcomlakeError) as err:
        pyiceberg_properties(settings)
    assert "no S3 credentials for https://s3.example.com: set ECOMLAKE_S3__ACCESS_KEY_ID" in str(
        err.value
    )


def test_the_local_server_keeps_its_own_credentials_private(tmp_path: Path) -> None:
    settings = on_s3(tmp_path, port=18999)
    with pytest.raises(EcomlakeError, match="ecomlake up --with s3"):
        s3_access(settings)  # the server never ran: nothing to find
    key_id, secret = local_credentials(settings)  # what the server does on its first start
    path = local_credentials_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_credentials(settings) == (key_id, secret)  # generated once
    access = s3_access(settings)
    assert (access.endpoint, access.key_id, access.secret) == ("http://127.0.0.1:18999", key_id,
                                                               secret)  # fmt: skip
    assert access.insecure and delta_storage_options(settings)["AWS_ALLOW_HTTP"] == "true"


@pytest.mark.parametrize(
    ("field", "value"),
    [("bucket", "Not_A_Bucket"), ("endpoint", "s3.example.com"), ("port", "0")],
)
def test_bad_s3_settings_are_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, field: str, value: str
) -> None:
    monkeypatch.setenv(f"ECOMLAKE_S3__{field.upper()}", value)
    with pytest.raises(EcomlakeError, match=f"^invalid setting s3.{field}: "):
        load_settings(data_dir=tmp_path)


def test_object_store_failures_become_one_line_naming_the_setting() -> None:
    denied = OSError(
        "When reading information for key 'lake/raw/events/metadata/1.json' in bucket "
        "'ecomlake': AWS Error ACCESS_DENIED during HeadObject operation: No response body."
    )
    assert "check ECOMLAKE_S3__ACCESS_KEY_ID and" in (object_store_error(denied) or "")
    listing = OSError(
        "When listing objects under key 'lake/curated/' in bucket 'ecomlake': AWS Error "
        "SIGNATURE_DOES_NOT_MATCH during ListObjectsV2 operation: The request signature ..."
    )
    assert "check ECOMLAKE_S3__ACCESS_KEY_ID and" in (object_store_error(listing) or "")
    down = OSError("AWS Error NETWORK_CONNECTION during HeadObject operation: curlCode: 7, "
                   "Couldn't connect to server")  # fmt: skip
    assert "ECOMLAKE_S3__ENDPOINT" in (object_store_error(down) or "")
    assert object_store_error(OSError("No space left on device")) is None


def test_curated_tables_are_the_folders_with_a_delta_log(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    assert curated_tables(settings) == {}  # no ETL run yet: nothing, not an error
    root = Path(curated_uri(settings))
    for name in ("orders", "events", "scratch"):
        (root / name).mkdir(parents=True)
    for name in ("orders", "events"):
        (root / name / "_delta_log").mkdir()
    (root / "notes.txt").write_text("not a table")
    assert curated_tables(settings) == {"events": f"{root}/events", "orders": f"{root}/orders"}


def test_duckdb_reads_the_store_through_one_registered_file_system(tmp_path: Path) -> None:
    import duckdb

    from ecomlake.lake.warehouse import register_object_store

    con = duckdb.connect()
    register_object_store(con, load_settings(data_dir=tmp_path))
    assert con.list_filesystems() == []  # a local lake: DuckDB's own file system
    settings = on_s3(tmp_path, access_key_id="key", secret_access_key=SECRET)
    register_object_store(con, settings)
    register_object_store(con, settings)  # dbt may configure a connection again
    assert con.list_filesystems() == ["s3"]
