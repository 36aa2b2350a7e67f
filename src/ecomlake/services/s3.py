"""A local S3-compatible server: s3proxy (Apache-2.0, from Maven Central) on a folder of the
data directory, for a lake on object storage without a cloud account.

It creates the bucket of `s3.bucket` (and the one `lake.warehouse` names, when that is an
s3:// URI on another bucket). Its credentials are the `s3` settings' when given, else a pair it
generates once under the data folder; clients find either through ecomlake.core.storage.
"""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.request
from pathlib import Path

from ecomlake.core.jvm import require_jars, require_java
from ecomlake.core.storage import local_credentials, s3_filesystem, warehouse_bucket
from ecomlake.errors import EcomlakeError
from ecomlake.services.base import Service


class S3Service(Service):
    name = "s3"

    @property
    def ports(self) -> tuple[int, ...]:
        return (self.settings.s3.port,)

    @property
    def properties_file(self) -> Path:
        return self.state_dir / "s3proxy.properties"  # holds the state dir: the pid marker

    @property
    def store_dir(self) -> Path:
        return self.state_dir / "store"

    def preflight(self) -> None:
        if self.settings.s3.endpoint is not None:
            raise EcomlakeError(
                f"s3.endpoint is set ({self.settings.s3.endpoint}): that store is not the local "
                "server; unset ECOMLAKE_S3__ENDPOINT to run `up --with s3`"
            )
        require_java(self.settings.java)
        require_jars(self.settings.jars("s3"), "s3proxy")

    def prepare(self) -> None:
        key_id, secret = local_credentials(self.settings)
        self.store_dir.mkdir(parents=True, exist_ok=True)
        lines = [
            f"s3proxy.endpoint=http://{self.host}:{self.settings.s3.port}",
            "s3proxy.authorization=aws-v2-or-v4",
            f"s3proxy.identity={key_id}",
            f"s3proxy.credential={secret}",
            "jclouds.provider=filesystem-nio2",
            f"jclouds.filesystem.basedir={self.store_dir}",
        ]
        fd = os.open(self.properties_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write("\n".join(lines) + "\n")

    def command(self) -> list[str]:
        jar = next(self.settings.jars("s3").glob("s3proxy-*.jar"))
        return [
            self.settings.java, "-Xmx256m", "-jar", str(jar),
            "--properties", str(self.properties_file),
        ]  # fmt: skip

    def healthy(self) -> bool:
        # Any S3 answer (an anonymous GET is refused with 403) means it serves requests.
        try:
            with urllib.request.urlopen(f"http://{self.host}:{self.settings.s3.port}/", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True
        except (urllib.error.URLError, OSError):
            return False

    def after_start(self) -> str:
        buckets = [self.settings.s3.bucket]
        other = warehouse_bucket(self.settings)
        if other is not None and other not in buckets:
            buckets.append(other)
        client = s3_filesystem(self.settings)
        for bucket in buckets:
            with contextlib.suppress(FileExistsError):
                client.create_dir(bucket)
        return f"; endpoint {self.settings.s3.endpoint_url()}, bucket {', '.join(buckets)}"
