"""Preflight for the JVM engines (Kafka, Flink, Spark): Java on the PATH and the jars
`make setup` fetched, each refused with a one-line message that says how to fix it."""

from __future__ import annotations

import shutil
from pathlib import Path

from ecomlake.errors import EcomlakeError


def require_java(java: str) -> str:
    path = shutil.which(java)
    if path is None:
        raise EcomlakeError(
            f"Java not found ({java!r}): install JDK 17 (e.g. apt-get install openjdk-17-jdk) "
            "or set ECOMLAKE_JAVA to the java executable"
        )
    return path


def require_jars(folder: Path, runtime: str) -> Path:
    if not folder.is_dir() or not any(folder.glob("*.jar")):
        raise EcomlakeError(
            f"{runtime} jars not found in {folder}: run `make setup` (fetches them with Maven)"
        )
    return folder
