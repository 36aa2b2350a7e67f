"""When a chunk's events happen: gaps between hits drawn for the whole chunk at once."""

from __future__ import annotations

import numpy as np

from ecomlake.generator.chunk import Chunk
from ecomlake.generator.timefmt import HOUR_MS

MEAN_GAP_MS = 18_000
SESSION_TIMEOUT_MS = 30 * 60_000


def event_times(chunk: Chunk, rng: np.random.Generator) -> np.ndarray:
    """Event times: hits follow each other by 1 s plus an exponential pause (mean 18 s;
    crawlers 0.3-2.8 s); a refund comes 1-36 h after its purchase. Frees each device 30 min
    after its session's last hit (one session per device at a time)."""
    session = np.asarray(chunk.session, dtype=np.int64)
    n = len(session)
    bots = np.asarray(chunk.bots, dtype=bool)[session]
    human_gaps = 1_000 + np.floor(rng.exponential(MEAN_GAP_MS, n))
    bot_gaps = 300 + np.floor(rng.random(n) * 2_500)
    gaps = np.where(bots, bot_gaps, human_gaps).astype(np.int64)
    first = np.ones(n, dtype=bool)
    first[1:] = session[1:] != session[:-1]
    gaps[first] = 0
    running = np.cumsum(gaps)
    base = running[first]  # per session, in order
    times = np.asarray(chunk.starts, dtype=np.int64)[session] + running - base[session]
    refund_of = np.asarray(chunk.refund_of, dtype=np.int64)
    refunds = np.flatnonzero(refund_of >= 0)
    if len(refunds):
        delay = HOUR_MS + np.floor(rng.random(len(refunds)) * 35 * HOUR_MS)
        times[refunds] = times[refund_of[refunds]] + delay.astype(np.int64)
    for index, end in zip(*session_ends(session, times, refund_of), strict=True):
        device = chunk.devices[index]
        if device is not None:
            device.busy_until_ms = end + SESSION_TIMEOUT_MS
    return times


def session_ends(
    session: np.ndarray, times: np.ndarray, refund_of: np.ndarray
) -> tuple[list[int], list[int]]:
    """Each session's last hit (refunds excluded: they come from the back office)."""
    hits = refund_of < 0
    last = np.ones(len(session), dtype=bool)
    last[:-1] = session[1:] != session[:-1]
    # The refund, if any, is the session's last entry: the hit before it ends the visit.
    ends = np.flatnonzero(last)
    ends = np.where(hits[ends], ends, ends - 1)
    return session[ends].tolist(), times[ends].tolist()
