"""One generator worker: sessions arrive, their events leave in emission-time order.

Emission time is event time plus client jitter (kept monotone within a session, so a session's
own events never overtake each other), plus, for a few sessions, an offline delay: those are
the late arrivals a stream processor must cope with.

Sessions are simulated a chunk at a time. Every session after the chunk starts at or after the
next arrival time, so all pending events before that time are final: they are sorted and sent,
the rest wait for the next chunk.
"""

from __future__ import annotations

import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import orjson

from ecomlake.generator.batch import EventBatch, render
from ecomlake.generator.catalog import Catalog
from ecomlake.generator.chunk import Chunk
from ecomlake.generator.malformed import corrupt
from ecomlake.generator.manifest import ManifestBuilder
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.pending import Pending
from ecomlake.generator.people import Population
from ecomlake.generator.rhythm import Rhythm
from ecomlake.generator.sinks import Sink
from ecomlake.generator.timefmt import HOUR_MS
from ecomlake.generator.timing import event_times
from ecomlake.generator.visits import ChunkSimulator

CHUNK_SESSIONS = 512
REPORT_EVERY = 2_000
# Live streams begin with the sessions of the last 5 minutes already under way, so the rate is
# right from the first second. Simulating that history costs time in proportion to the rate:
# at most this many events per worker (about 7 s), then the history gets shorter.
LIVE_WARMUP_MS = 5 * 60_000
LIVE_WARMUP_EVENTS = 1_500_000
NEVER = 1 << 62


@dataclass
class Outlet:
    """Where a worker's messages go and what bounds them: the sink, the quota, progress
    reports, stop requests, a deadline and pacing."""

    sink: Sink
    quota: int
    report: Callable[[int], None]
    stopped: Callable[[], bool]
    deadline: float | None
    pacing: float  # messages per second; 0 = as fast as possible
    started: float  # time.monotonic() at the start, for pacing

    def should_stop(self) -> bool:
        return self.stopped() or (self.deadline is not None and time.monotonic() >= self.deadline)


@dataclass
class Plan:
    """What the parent decides once and hands to every worker."""

    start_ms: int
    end_ms: int
    peak_sessions_per_ms: float  # per worker
    quota: int | None  # messages this worker sends; None = until time/duration runs out
    worker: int
    workers: int


class ArrivalControl:
    """Steers the session arrival rate so a backfill's quota of messages ends at the window's
    end: after every chunk of sessions it re-plans the remaining quota over the remaining traffic,
    using the messages per session actually simulated so far (deterministic for a seed)."""

    STEP_MS = 60_000

    def __init__(self, rhythm: Rhythm, plan: Plan, factor: float) -> None:
        self.plan, self.factor = plan, factor
        self.peak = plan.peak_sessions_per_ms
        self.sessions = 0
        self.scheduled = 0.0  # expected messages from sessions so far, inside the window
        levels = [rhythm.level(t) for t in range(plan.start_ms, plan.end_ms, self.STEP_MS)]
        self.tail = [*list(itertools.accumulate(reversed(levels)))[::-1], 0.0]

    def remaining_mass(self, t_ms: int) -> float:
        index = max(0, (t_ms - self.plan.start_ms) // self.STEP_MS)
        return self.tail[min(index, len(self.tail) - 1)] * self.STEP_MS

    def observe(self, sessions: int, inside: int, t_ms: int) -> None:
        """`sessions` more were simulated, with `inside` events in the window, by `t_ms`."""
        if self.plan.quota is None:
            return
        self.sessions += sessions
        self.scheduled += inside * self.factor
        mass = self.remaining_mass(t_ms)
        remaining = self.plan.quota - self.scheduled
        if mass > 0 and remaining > 0:
            per_session = self.scheduled / self.sessions
            self.peak = remaining / per_session / mass
        elif remaining <= 0:
            self.peak = self.plan.peak_sessions_per_ms / 20  # trickle: the quota is planned


class Worker:
    def __init__(self, options: GeneratorOptions, plan: Plan) -> None:
        self.options = options
        self.plan = plan
        seed = options.seed * 1_000_003 + plan.worker
        self.rng = random.Random(seed)
        self.np_rng = np.random.Generator(np.random.PCG64(seed))
        self.rhythm = Rhythm(options.country_mix)
        self.country_codes = {c: i for i, c in enumerate(self.rhythm.countries)}
        population = Population(self.rng, self.rhythm.countries, [], plan.worker, plan.workers)
        self.sim = ChunkSimulator(
            Catalog(options.seed),
            options.funnel,
            population,
            self.rng,
            self.np_rng,
            options.bot_ratio,
        )
        self.manifest = ManifestBuilder(self.rhythm.countries)
        self.control = ArrivalControl(self.rhythm, plan, 1 + options.dup_ratio + options.bad_ratio)

    def arrivals(
        self, arrival: tuple[float, str]
    ) -> tuple[list[int], list[str], tuple[float, str]]:
        """The next chunk's session starts and countries, and the arrival after them."""
        plan, opts, rng = self.plan, self.options, self.rng
        starts: list[int] = []
        countries: list[str] = []
        t_next, country = arrival
        live_or_open = opts.live or plan.quota is not None
        for _ in range(CHUNK_SESSIONS):
            when = int(t_next)
            if when >= plan.end_ms and not opts.live:
                if not live_or_open:
                    return starts, countries, (float(NEVER), country)  # the window is over
                # The quota outlived the window (simulation variance): top it up with sessions
                # from the window's last hour; they arrive late, as stragglers do.
                span = min(HOUR_MS, plan.end_ms - plan.start_ms)
                when = plan.end_ms - 1 - int(rng.random() * span)
            starts.append(when)
            countries.append(country)
            t_next, country = self.rhythm.next_arrival(rng, t_next, self.control.peak)
        return starts, countries, (t_next, country)

    def events(self, chunk: Chunk) -> EventBatch:
        """The chunk's events with times, emission times and rendered messages."""
        opts, plan, np_rng = self.options, self.plan, self.np_rng
        times = event_times(chunk, np_rng)
        session = np.asarray(chunk.session, dtype=np.int64)
        starts = np.asarray(chunk.starts, dtype=np.int64)
        if not opts.live:
            # A backfill window is a hard cut-off, like an export: sessions running past the
            # end lose their tail, refunds after the end do not happen (yet).
            keep = ~((times >= plan.end_ms) & (starts[session] < plan.end_ms))
            if not keep.all():
                chunk = chunk.select(np.flatnonzero(keep).tolist())
                times, session = times[keep], session[keep]
            inside = int((times < plan.end_ms).sum())
            self.control.observe(len(starts), inside, int(starts[-1]) if len(starts) else 0)
        n = len(times)
        sessions = len(chunk.starts)
        refund = np.asarray(chunk.refund_of, dtype=np.int64) >= 0
        first = np.ones(n, dtype=bool)
        first[1:] = session[1:] != session[:-1]
        position = np.arange(n) - np.maximum.accumulate(np.where(first, np.arange(n), 0))
        # A few sessions go offline: from some hit on, their events arrive minutes late.
        late_session = np_rng.random(sessions) < opts.late_ratio
        lengths = np.bincount(session, minlength=sessions)
        late_from = np.floor(np_rng.random(sessions) * lengths).astype(np.int64)
        low, high = opts.late_delay_s
        delay = np.floor(np_rng.uniform(low, high, sessions) * 1000).astype(np.int64)
        late = late_session[session] & (position >= late_from[session]) & ~refund
        jitter = np.floor(np_rng.random(n) * (opts.jitter_ms + 1)).astype(np.int64)
        emit = times + jitter + np.where(late, delay[session], 0)
        # Monotone within a session: a running maximum, sessions kept apart by an offset.
        offset = session << 42
        emit = np.maximum.accumulate(emit + offset) - offset
        emit[refund] = times[refund]  # a back-office event: on time
        countries = np.asarray([self.country_codes[c] for c in chunk.countries], dtype=np.int64)
        return EventBatch(
            emit=emit,
            time=times,
            kind=np.asarray(chunk.types, dtype=np.int64),
            country=countries[session],
            bot=np.asarray(chunk.bots, dtype=bool)[session],
            late=late,
            cents=np.asarray(chunk.cents, dtype=np.int64),
            raw=render(chunk, times, np_rng),
            key=[chunk.keys[s] for s in chunk.session],
            anon=[chunk.anons[s] for s in chunk.session],
            user=chunk.users,
        )

    def _send(
        self, ready: EventBatch, broken_after: set[int], out: Outlet, sent: int
    ) -> tuple[list[int] | range, int, bool]:
        """Send `ready` in order (and a malformed copy after the events in `broken_after`)
        until the quota, a stop or the deadline. Returns (indices sent, sent, halted)."""
        opts, send, manifest, rng = self.options, out.sink.send, self.manifest, self.rng
        quota, pacing = out.quota, out.pacing
        if not opts.live and not pacing:
            return self._send_fast(ready, broken_after, out, sent)
        live_start = self.plan.start_ms if opts.live else None
        done: list[int] = []
        halted = False
        count = 0
        for i, (when, raw, key) in enumerate(
            zip(ready.emit.tolist(), ready.raw, ready.key, strict=True)
        ):
            if live_start is not None and when < live_start:
                continue  # warm-up: it happened before the stream began
            if sent >= quota:
                break
            if sent % REPORT_EVERY == 0 or live_start is not None:
                out.report(sent)
                if out.should_stop():
                    halted = True
                    break
            if live_start is not None:
                # Real time: an event leaves when the wall clock reaches its emission time.
                while (wait := when / 1000 - time.time()) > 0 and not out.stopped():
                    time.sleep(min(wait, 0.2))
                done.append(i)
            elif pacing:
                ahead = sent / pacing - (time.monotonic() - out.started)
                if ahead > 0:
                    time.sleep(ahead)
            send(key, raw)
            sent += 1
            count += 1
            if i in broken_after and sent < quota:
                kind, broken = corrupt(orjson.loads(raw), rng)
                send(key, broken)
                manifest.add_invalid(kind, key, broken)
                sent += 1
        # Without a live warm-up to skip, what was sent is a prefix of `ready`.
        return (done if live_start is not None else range(count)), sent, halted

    def _send_fast(
        self, ready: EventBatch, broken_after: set[int], out: Outlet, sent: int
    ) -> tuple[range, int, bool]:
        """`_send` for a backfill at full speed: slices of messages handed to the sink."""
        n = len(ready)
        broken = np.zeros(n, dtype=np.int64)
        broken[sorted(broken_after)] = 1
        # Messages sent once event i is out (its malformed copy not included).
        through = np.arange(1, n + 1) + np.cumsum(broken) - broken
        room = out.quota - sent
        count = int(np.searchsorted(through, room, side="right"))
        keys, raws = ready.key, ready.raw
        halted = False
        done = 0
        for first in range(0, count, REPORT_EVERY):
            last = min(first + REPORT_EVERY, count)
            out_keys: list[bytes] = []
            out_raws: list[bytes] = []
            cursor = first
            for i in np.flatnonzero(broken[first:last]).tolist():
                i += first
                if through[i] + 1 > room:  # no room left for the malformed copy
                    continue
                out_keys += keys[cursor : i + 1]
                out_raws += raws[cursor : i + 1]
                kind, bad = corrupt(orjson.loads(raws[i]), self.rng)
                self.manifest.add_invalid(kind, keys[i], bad)
                out_keys.append(keys[i])
                out_raws.append(bad)
                cursor = i + 1
            out_keys += keys[cursor:last]
            out_raws += raws[cursor:last]
            out.sink.send_many(out_keys, out_raws)
            sent += len(out_raws)
            done = last
            out.report(sent)
            if out.should_stop():
                halted = True
                break
        return range(done), sent, halted

    def run(
        self,
        sink: Sink,
        report: Callable[[int], None],
        stopped: Callable[[], bool],
        deadline: float | None = None,
    ) -> ManifestBuilder:
        plan, opts, rng, manifest = self.plan, self.options, self.rng, self.manifest
        quota = plan.quota if plan.quota is not None else NEVER
        # Live streams start warm: sessions begun before now are already under way, so the
        # rate is right from the first second (their events before now are not sent).
        per_worker_ms = max(opts.rate, 1.0) / plan.workers / 1000
        warmup = min(LIVE_WARMUP_MS, int(LIVE_WARMUP_EVENTS / per_worker_ms))
        first = plan.start_ms - (warmup if opts.live else 0)
        arrival = self.rhythm.next_arrival(rng, first, plan.peak_sessions_per_ms)
        pacing = opts.rate / plan.workers if (opts.rate > 0 and not opts.live) else 0.0
        # Live: one-second buckets (minutes of sessions ahead); backfill: hours (sparse in time).
        pending = Pending(1_000 if opts.live else HOUR_MS)
        out = Outlet(sink, quota, report, stopped, deadline, pacing, time.monotonic())
        sent = 0
        halted = False
        while sent < quota and not halted:
            starts, countries, arrival = self.arrivals(arrival)
            if starts:
                pending.add(self.events(self.sim.simulate(starts, countries)))
            # Every later session starts at or after the next arrival: events before it are final.
            ready = pending.pop_before(int(min(arrival[0], NEVER)))
            rolls = self.np_rng.random(len(ready))
            original = ready.kind >= 0
            broken_after = set(
                np.flatnonzero(
                    original & (rolls >= opts.dup_ratio) & (rolls < opts.dup_ratio + opts.bad_ratio)
                ).tolist()
            )
            done, sent, halted = self._send(ready, broken_after, out, sent)
            sent_batch = ready.take(done)
            manifest.add_batch(sent_batch)
            # A client retry after a lost acknowledgement: the same bytes, a little later.
            retry = np.flatnonzero((rolls[done] < opts.dup_ratio) & original[done])
            if len(retry):
                pending.add(sent_batch.resends(retry, self.np_rng))
            if arrival[0] >= NEVER and len(pending) == 0:
                break
        report(sent)
        return manifest


def messages_per_session(options: GeneratorOptions, sessions: int = 600) -> float:
    """Expected messages per session, measured on a throwaway simulation (same seed family)."""
    pilot = Worker(options, Plan(0, 0, 1.0, None, 0, 1))
    pilot.rng.seed(options.seed ^ 0x5EED)
    countries = [pilot.rhythm.countries[i % len(pilot.rhythm.countries)] for i in range(sessions)]
    starts = [1_700_000_000_000 + i * 60_000 for i in range(sessions)]
    chunk = pilot.sim.simulate(starts, countries)
    return len(chunk) / sessions * (1 + options.dup_ratio + options.bad_ratio)
