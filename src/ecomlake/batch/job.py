"""Entry point of the Spark ETL inside `.venvs/spark` (`ecomlake etl` starts it).

Speaks the job protocol (ecomlake.core.jobs) on stdout for the CLI's progress bar and the
Airflow task; everything else goes to stderr.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from ecomlake.config import load_settings
from ecomlake.core.jobs import emit_ready, emit_report, emit_step, emit_total
from ecomlake.errors import EcomlakeError


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

        emit_total(len(STEPS))
        spark = create_session(settings, args.master)
        emit_ready()
        try:
            etl = Etl(spark, settings, step=emit_step)
            report = etl.run(full_refresh=args.full_refresh)
        finally:
            spark.stop()
    except EcomlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit_report(dataclasses.asdict(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
