"""Entry point of `ecomlake transform` inside `.venvs/dbt`: prepare the target, run dbt.

stdout carries the same protocol as the Spark jobs (`TOTAL n`, `STEP name`, `REPORT json`) for
the CLI's progress bar and summary; dbt's own log goes to stderr and to the target's log folder.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from typing import Any

from ecomlake.config import REPO_ROOT, Settings, load_settings
from ecomlake.core.jobs import emit_ready, emit_report, emit_step, emit_to, emit_total
from ecomlake.core.storage import object_store_error
from ecomlake.errors import EcomlakeError
from ecomlake.transform.targets import TARGETS, prepared

PROJECT_DIR = REPO_ROOT / "transform"
COMMANDS = ("build", "run", "test", "docs", "freshness")


def dbt_env(settings: Settings, target: str) -> dict[str, str]:
    """Where this target's artifacts and logs go: the data folder, never the repo."""
    base = settings.data_dir / "dbt" / target
    return {
        "DBT_TARGET_PATH": str(base / "target"),
        "DBT_LOG_PATH": str(base / "logs"),
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_VERSION_CHECK": "false",
    }


def dbt_args(args: argparse.Namespace) -> list[str]:
    command = {"docs": ["docs", "generate"], "freshness": ["source", "freshness"]}.get(
        args.command, [args.command]
    )
    out = [*command, "--target", args.target]
    if args.select:
        out += ["--select", *args.select]
    if args.full_refresh and args.command in ("build", "run"):
        out.append("--full-refresh")
    if args.vars:
        out += ["--vars", args.vars]
    return out


def run_dbt(argv: list[str]) -> dict[str, Any]:
    from dbt.cli.main import dbtRunner

    def on_event(event: Any) -> None:
        if event.info.name == "NodeFinished":
            node = event.data.node_info
            emit_step(f"{node.resource_type} {node.node_name}: {node.node_status}")

    target = argv.index("--target")
    parsed = dbtRunner().invoke(["parse", *argv[target : target + 2]])
    if not parsed.success:
        raise EcomlakeError(f"dbt could not parse the project: {parsed.exception}")
    manifest = parsed.result
    if argv[0] in ("build", "run", "test"):
        emit_total(count_selected(manifest, argv))
    result = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(argv)
    return summarize(result)


def count_selected(manifest: Any, argv: list[str]) -> int:
    """How many nodes the command will run (for the progress bar's total)."""
    from dbt.cli.main import dbtRunner

    kinds = {"build": ["model", "test", "unit_test", "seed", "snapshot"], "run": ["model"],
             "test": ["test", "unit_test"]}[argv[0]]  # fmt: skip
    listing = ["ls", "--quiet", "--output", "name", *argv[1:]]
    listing = [a for a in listing if a != "--full-refresh"]
    for kind in kinds:
        listing += ["--resource-type", kind]
    selected = dbtRunner(manifest=manifest).invoke(listing)
    return len(selected.result or []) if selected.success else 0


def summarize(result: Any) -> dict[str, Any]:
    nodes = []
    for r in getattr(result.result, "results", None) or []:
        node = r.node
        message = r.message or ""
        if getattr(r, "age", None) is not None:  # a source freshness result
            message = f"newest row {r.max_loaded_at:%Y-%m-%d %H:%M} UTC, {r.age / 3600:.1f} h old"
        nodes.append(
            {
                "name": node.name,
                "type": str(node.resource_type),
                "status": str(r.status),
                "seconds": round(float(r.execution_time or 0), 3),
                "message": message if str(r.status) not in ("pass", "success") else "",
            }
        )
    counts = Counter(n["status"] for n in nodes)
    error = None if result.success else str(result.exception or "see the failed nodes")
    return {"success": bool(result.success), "counts": dict(counts), "nodes": nodes,
            "error": error}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ecomlake.transform.runner", description=__doc__)
    parser.add_argument("command", choices=COMMANDS, nargs="?", default="build")
    parser.add_argument("--target", choices=TARGETS, default="duckdb")
    parser.add_argument("--select", nargs="*", default=[])
    parser.add_argument("--full-refresh", action="store_true")
    parser.add_argument("--vars", help="dbt --vars (YAML)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    # The protocol keeps the real stdout; everything else printed in this process (dbt's
    # console log, the JVM's) goes to stderr.
    emit_to(os.fdopen(os.dup(sys.stdout.fileno()), "w"))
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        settings = load_settings()
        os.environ.update(dbt_env(settings, args.target))
        with prepared(args.target, settings) as extra_env:
            os.environ.update(extra_env)
            emit_ready()
            report = run_dbt(dbt_args(args))
    except EcomlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the lake's store refused or did not answer (S3 clients)
        line = object_store_error(exc)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 2
    report["target"] = args.target
    emit_report(report)
    return 0 if report["success"] else 1


if __name__ == "__main__":
    sys.exit(main())
