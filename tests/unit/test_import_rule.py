"""The import rule (pyproject's [tool.importlinter], enforced by `make lint`): the runtimes never
import each other. A copy of the package with one deliberate cross-runtime import must fail it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ecomlake.config import REPO_ROOT

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(src))  # the copy shadows the installed package
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(REPO_ROOT / "pyproject.toml"), "--no-cache"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def copy_package(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    shutil.copytree(REPO_ROOT / "src" / "ecomlake", src / "ecomlake",
                    ignore=shutil.ignore_patterns("web", "__pycache__", "*.md"))  # fmt: skip
    return src


def test_the_package_keeps_the_rule(tmp_path: Path) -> None:
    result = lint_imports(copy_package(tmp_path))
    assert result.returncode == 0, result.stdout[-2000:]


def test_a_cross_runtime_import_breaks_it(tmp_path: Path) -> None:
    src = copy_package(tmp_path)
    sql = src / "ecomlake" / "stream" / "sql.py"
    sql.write_text(sql.read_text() + "\nfrom ecomlake.batch import etl  # noqa\n")
    result = lint_imports(src)
    assert result.returncode != 0
    assert "ecomlake.stream is not allowed to import ecomlake.batch" in result.stdout
    assert "ecomlake.stream.sql -> ecomlake.batch.etl" in result.stdout
