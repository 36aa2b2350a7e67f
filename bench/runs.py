"""What the batch benchmarks share: a job's peak RSS, and runs per size saved as they finish."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stream.run import tree_rss_mb


class PeakRss:
    """Samples the resident memory of `job` and its descendants every 0.5 s until it exits;
    with `also`, plus those processes' trees (a warm server the job runs on)."""

    def __init__(self, job: subprocess.Popen[str], also: tuple[int, ...] = ()):
        self.job = job
        self.also = also
        self.peak_mb = 0.0
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self.job.poll() is None:
            now = tree_rss_mb(self.job.pid) + sum(tree_rss_mb(pid) for pid in self.also)
            self.peak_mb = max(self.peak_mb, now)
            time.sleep(0.5)

    def wait(self) -> int:
        """The job's exit code, once the sampler has seen it exit."""
        code = self.job.wait()
        self._thread.join()
        return code


def run_sizes(
    sizes: str, bench_size: Callable[[int], dict[str, Any]], results: Path
) -> dict[str, Any]:
    """`bench_size` for each size of the comma list; latest.json rewritten after each."""
    out: dict[str, Any] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "runs": [],
    }
    for size in [int(s) for s in sizes.split(",") if s]:
        out["runs"].append(bench_size(size))
        results.mkdir(parents=True, exist_ok=True)
        (results / "latest.json").write_text(json.dumps(out, indent=2) + "\n")
    return out
