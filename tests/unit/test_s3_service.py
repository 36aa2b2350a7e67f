"""The local S3 server (`ecomlake up --with s3`): what it is started with and what it refuses.
The server itself runs in tests/integration (the stream test writes its lake there)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from ecomlake.config import Settings, load_settings
from ecomlake.core.storage import local_credentials
from ecomlake.errors import EcomlakeError
from ecomlake.services.registry import resolve
from ecomlake.services.s3 import S3Service


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    for name in ("ENDPOINT", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "PORT"):
        monkeypatch.delenv(f"ECOMLAKE_S3__{name}", raising=False)
    jars = tmp_path / "jars" / "s3"
    jars.mkdir(parents=True)
    (jars / "s3proxy-4.1.0-jar-with-dependencies.jar").write_bytes(b"")
    return load_settings(data_dir=tmp_path / "data", jars_dir=tmp_path / "jars", s3={"port": 18777})


def test_up_with_s3_resolves_to_the_local_server(settings: Settings) -> None:
    names = [service.name for service in resolve(settings, ["s3"])]
    assert names == ["kafka", "s3"]


def test_its_properties_hold_its_own_credentials_privately(settings: Settings) -> None:
    service = S3Service(settings)
    service.prepare()
    key_id, secret = local_credentials(settings)
    text = service.properties_file.read_text()
    assert f"s3proxy.identity={key_id}\n" in text and f"s3proxy.credential={secret}\n" in text
    assert "s3proxy.endpoint=http://127.0.0.1:18777\n" in text
    assert f"jclouds.filesystem.basedir={service.store_dir}\n" in text
    assert stat.S_IMODE(service.properties_file.stat().st_mode) == 0o600
    # The command names the properties file (its pid-reuse marker) and never the secret.
    command = service.command()
    assert str(service.properties_file) in command and service.marker in " ".join(command)
    assert secret not in " ".join(command)


def test_given_credentials_are_the_servers(settings: Settings) -> None:
    s3 = settings.s3.model_copy(
        update={"access_key_id": SecretStr("AKIAEXAMPLE"),
                "secret_access_key": SecretStr("given-secret")}
    )  # fmt: skip
    service = S3Service(settings.model_copy(update={"s3": s3}))
    service.prepare()
    assert "s3proxy.credential=given-secret\n" in service.properties_file.read_text()


def test_a_remote_endpoint_is_not_started_locally(settings: Settings) -> None:
    remote = settings.model_copy(
        update={"s3": settings.s3.model_copy(update={"endpoint": "https://s3.example.com"})}
    )
    with pytest.raises(EcomlakeError, match=r"s3\.endpoint is set .*unset ECOMLAKE_S3__ENDPOINT"):
        S3Service(remote).preflight()


def test_missing_jar_says_to_run_setup(settings: Settings, tmp_path: Path) -> None:
    for jar in (tmp_path / "jars" / "s3").glob("*.jar"):
        jar.unlink()
    with pytest.raises(EcomlakeError, match="make setup"):
        S3Service(settings).preflight()
