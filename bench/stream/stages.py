"""Where the stream job's time goes: the same pre-loaded topic drained by variants of the job,
each cut after one more stage (see `stage_job.py`), one after the other, bounded, each with
its own consumer group. Wall times include the job's start-up (a few seconds, the same for
all), so the differences between variants are what each stage costs.

    .venv/bin/python -m bench.stream.stages --events 300000
"""

from __future__ import annotations

import argparse
import re
import subprocess

from rich.console import Console
from rich.table import Table

from bench.broker import fresh_broker
from bench.stream.run import FLINK_PYTHON, generate
from ecomlake.core.topics import ensure_topics

console = Console()
# The variants of stage_job.py (which imports PyFlink, so it is not imported here).
VARIANTS = ("raw", "parse", "dedup", "dead_letters", "lake", "job")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=300_000)
    args = parser.parse_args()
    table = Table("variant (cumulative)", "wall s", "events/s incl. start-up")
    with fresh_broker(console, "ecomlake-bench-stages-") as session:
        ensure_topics(session.settings.kafka.bootstrap_servers, {"bench.stages": 6})
        generate(session, "bench.stages", "--events", str(args.events), "--workers", "2")
        for variant in VARIANTS:
            out = subprocess.run(
                [str(FLINK_PYTHON), "-m", "bench.stream.stage_job", variant, "bench.stages",
                 f"stages-{variant}"],
                env=session.env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            found = re.search(r"seconds ([\d.]+)", out.stdout)
            if out.returncode != 0 or found is None:
                raise SystemExit(f"{variant} failed:\n{(out.stdout + out.stderr)[-3000:]}")
            wall = float(found.group(1))
            table.add_row(variant, f"{wall:.1f}", f"{args.events / wall:,.0f}")
            console.print(f"{variant}: {wall:.1f} s")
    console.print(table)


if __name__ == "__main__":
    main()
