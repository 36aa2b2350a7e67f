"""Entry point of the Spark ETL inside `.venvs/spark` (`ecomlake etl` starts it).

Writes one line per finished step (`STEP <name>`) and the final report (`REPORT <json>`) on
stdout for the CLI's progress bar; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys

from ecomlake.config import load_settings
from ecomlake.errors import EcomlakeError

STEP_PREFIX = "STEP "
TOTAL_PREFIX = "TOTAL "
REPORT_PREFIX = "REPORT "


def emit(line: str) -> None:
    print(line, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ecomlake.batch.job", description="raw.events (Iceberg) -> curated Delta tables"
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild from scratch")
    parser.add_argument("--master", help="Spark master (default: batch.master)")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr
    )
    try:
        settings = load_settings()
        from ecomlake.batch.etl import STEPS, Etl
        from ecomlake.core.spark import create_session

        emit(f"{TOTAL_PREFIX}{len(STEPS)}")
        spark = create_session(settings, args.master)
        emit("READY")
        try:
            etl = Etl(spark, settings, step=lambda name: emit(STEP_PREFIX + name))
            report = etl.run(full_refresh=args.full_refresh)
        finally:
            spark.stop()
    except EcomlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit(REPORT_PREFIX + json.dumps(dataclasses.asdict(report)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
