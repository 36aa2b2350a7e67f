"""Run in `.venvs/dbt` by test_dbt_project.py: `dbt parse` of the project for each target given,
in one process (dbt's import is most of a parse; one process pays it once). Prints
`RESULT {target: error or null}`; each target's manifest lands in <out>/<target>/target/.

usage: python dbt_parse.py <project dir> <out dir> <target>...
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from dbt.cli.main import dbtRunner


def main(project: str, out: Path, targets: list[str]) -> dict[str, str | None]:
    runner = dbtRunner()
    errors: dict[str, str | None] = {}
    for target in targets:
        base = out / target
        result = runner.invoke([
            "parse", "--target", target, "--project-dir", project, "--profiles-dir", project,
            "--target-path", str(base / "target"), "--log-path", str(base / "logs"),
            "--no-partial-parse", "--quiet",
        ])  # fmt: skip
        errors[target] = None if result.success else str(result.exception or "parse failed")
    return errors


if __name__ == "__main__":
    print("RESULT " + json.dumps(main(sys.argv[1], Path(sys.argv[2]), sys.argv[3:])))
