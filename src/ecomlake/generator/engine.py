"""One generator worker: sessions arrive, their events are emitted in emission-time order.

Emission time is event time plus client jitter (kept monotone within a session, so a session's
own events never overtake each other), plus, for a few sessions, an offline delay: those are
the late arrivals a stream processor must cope with.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from ecomlake.generator.catalog import Catalog
from ecomlake.generator.geo import country_networks
from ecomlake.generator.malformed import corrupt
from ecomlake.generator.manifest import ManifestBuilder
from ecomlake.generator.options import GeneratorOptions
from ecomlake.generator.people import Population
from ecomlake.generator.rhythm import Rhythm
from ecomlake.generator.session import SessionEvents, SessionSimulator
from ecomlake.generator.sinks import Sink

ARRIVAL, SESSION, RESEND = 0, 1, 2
REPORT_EVERY = 2_000
HOUR_MS = 3_600_000
SESSION_TIMEOUT_MS = 30 * 60_000
LIVE_WARMUP_MS = 5 * 60_000


@dataclass
class Plan:
    """What the parent decides once and hands to every worker."""

    start_ms: int
    end_ms: int
    peak_sessions_per_ms: float  # per worker
    quota: int | None  # messages this worker sends; None = until time/duration runs out
    worker: int
    workers: int


@dataclass
class Cursor:
    session: SessionEvents
    emit_ms: list[int]
    late_from: int
    index: int = 0


class ArrivalControl:
    """Steers the session arrival rate so a backfill's quota of messages ends at the window's
    end: every few hundred sessions it re-plans the remaining quota over the remaining traffic,
    using the messages per session actually simulated so far (deterministic for a seed)."""

    STEP_MS = 60_000
    EVERY = 200

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

    def observe(self, session: SessionEvents, t_ms: int) -> None:
        if self.plan.quota is None:
            return
        self.sessions += 1
        inside = sum(1 for t in session.times_ms if t < self.plan.end_ms)
        inside += session.refund is not None and session.refund_ms < self.plan.end_ms
        self.scheduled += inside * self.factor
        if self.sessions % self.EVERY:
            return
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
        self.rng = random.Random(options.seed * 1_000_003 + plan.worker)
        self.rhythm = Rhythm(options.country_mix)
        self.population = Population(self.rng, self.rhythm.countries, [], plan.worker, plan.workers)
        self.sim = SessionSimulator(Catalog(options.seed), options.funnel, self.rng)
        self.manifest = ManifestBuilder()
        self.heap: list[tuple[int, int, int, Any]] = []
        self.seq = 0
        self.control = ArrivalControl(self.rhythm, plan, 1 + options.dup_ratio + options.bad_ratio)

    def _push(self, when_ms: int, kind: int, item: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (when_ms, self.seq, kind, item))

    def new_session(self, start_ms: int, country: str) -> SessionEvents:
        if self.rng.random() < self.options.bot_ratio:
            ip = country_networks(country).sample(self.rng)
            return self.sim.bot(country, ip, start_ms)
        person, device = self.population.visitor(country, start_ms)
        session = self.sim.human(person, device, start_ms)
        device.busy_until_ms = session.times_ms[-1] + SESSION_TIMEOUT_MS
        return session

    def clip(self, session: SessionEvents) -> None:
        """A backfill window is a hard cut-off, like an export: a session running past the end
        loses its tail, and refunds after the end do not happen (yet)."""
        end = self.plan.end_ms
        if session.times_ms[-1] >= end:
            keep = bisect.bisect_left(session.times_ms, end)
            del session.events[keep:], session.times_ms[keep:]
        if session.refund is not None and session.refund_ms >= end:
            session.refund = None

    def schedule(self, session: SessionEvents) -> None:
        rng, opts = self.rng, self.options
        if not opts.live and session.times_ms[0] < self.plan.end_ms:
            self.clip(session)
        n = len(session.events)
        late_from = rng.randrange(n) if rng.random() < opts.late_ratio else n
        delay = int(rng.uniform(*opts.late_delay_s) * 1000)
        jitter, random = opts.jitter_ms + 1, rng.random
        emit, previous = [], 0
        for i, t in enumerate(session.times_ms):
            key = t + int(random() * jitter)  # random() is ~5x cheaper than randrange()
            if i >= late_from:
                key += delay
            if key > previous:
                previous = key
            emit.append(previous)
        self._push(emit[0], SESSION, Cursor(session, emit, late_from))
        if session.refund is not None:
            refund = SessionEvents([session.refund], [session.refund_ms], session.country, False)
            self._push(session.refund_ms, SESSION, Cursor(refund, [session.refund_ms], 1))

    def _skip(self, cursor: Cursor) -> None:
        cursor.index += 1
        if cursor.index < len(cursor.session.events):
            self._push(cursor.emit_ms[cursor.index], SESSION, cursor)

    def run(
        self,
        sink: Sink,
        report: Callable[[int], None],
        stopped: Callable[[], bool],
        deadline: float | None = None,
    ) -> ManifestBuilder:
        plan, opts, rng, manifest = self.plan, self.options, self.rng, self.manifest
        quota = plan.quota if plan.quota is not None else float("inf")
        # Live streams start warm: sessions begun before now are already under way, so the
        # rate is right from the first second (their events before now are not sent).
        first = plan.start_ms - (LIVE_WARMUP_MS if opts.live else 0)
        t0, country = self.rhythm.next_arrival(rng, first, plan.peak_sessions_per_ms)
        self._push(int(t0), ARRIVAL, country)
        pacing = opts.rate / plan.workers if (opts.rate > 0 and not opts.live) else 0.0
        started = time.monotonic()
        sent = 0
        dumps, heap, heappop, heappush = orjson.dumps, self.heap, heapq.heappop, heapq.heappush
        add_valid, send = manifest.add_valid, sink.send
        while sent < quota and heap:
            when, _, kind, item = heappop(heap)
            if kind == ARRIVAL:
                if plan.quota is None and when >= plan.end_ms:
                    continue  # a time-bounded run: no new sessions after the window
                start = when
                if when >= plan.end_ms and not opts.live:
                    # The quota outlived the window (simulation variance): top it up with
                    # sessions from the window's last hour; they arrive late, as stragglers do.
                    start = plan.end_ms - rng.randrange(
                        1, min(HOUR_MS, plan.end_ms - plan.start_ms)
                    )
                session = self.new_session(start, item)
                self.schedule(session)
                if not opts.live:
                    self.control.observe(session, when)
                t_next, country = self.rhythm.next_arrival(rng, when, self.control.peak)
                self._push(int(t_next), ARRIVAL, country)
                continue
            if sent % REPORT_EVERY == 0 or opts.live:
                report(sent)
                if stopped() or (deadline is not None and time.monotonic() >= deadline):
                    break
            if opts.live:
                # Real time: an event leaves when the wall clock reaches its emission time.
                while (wait := when / 1000 - time.time()) > 0 and not stopped():
                    time.sleep(min(wait, 0.2))
            elif pacing:
                ahead = sent / pacing - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
            if opts.live and when < plan.start_ms:  # warm-up: happened before the stream began
                if kind == SESSION:
                    self._skip(item)
                continue
            if kind == RESEND:
                key, raw = item
                sink.send(key, raw)
                manifest.add_duplicate(key, raw)
                sent += 1
                continue
            cursor: Cursor = item
            session = cursor.session
            event = session.events[cursor.index]
            key = event["session_id"].encode()
            raw = dumps(event)
            send(key, raw)
            sent += 1
            add_valid(
                event, session.country, session.is_bot, cursor.index >= cursor.late_from, key, raw
            )
            cursor.index += 1
            if cursor.index < len(session.events):
                self.seq += 1
                heappush(heap, (cursor.emit_ms[cursor.index], self.seq, SESSION, cursor))
            roll = rng.random()
            if roll < opts.dup_ratio:
                # A client retry after a lost acknowledgement: same bytes, a little later.
                self._push(when + 200 + rng.randrange(5_000), RESEND, (key, raw))
            elif roll < opts.dup_ratio + opts.bad_ratio and sent < quota:
                kind_name, bad = corrupt(event, rng)
                sink.send(key, bad)
                manifest.add_invalid(kind_name, key, bad)
                sent += 1
        report(sent)
        return manifest


def messages_per_session(options: GeneratorOptions, sessions: int = 600) -> float:
    """Expected messages per session, measured on a throwaway simulation (same seed family)."""
    pilot = Worker(options, Plan(0, 0, 1.0, None, 0, 1))
    pilot.rng.seed(options.seed ^ 0x5EED)
    rhythm = pilot.rhythm
    events = 0
    for i in range(sessions):
        country = rhythm.countries[i % len(rhythm.countries)]
        session = pilot.new_session(1_700_000_000_000 + i * 60_000, country)
        events += len(session.events) + (session.refund is not None)
    return events / sessions * (1 + options.dup_ratio + options.bad_ratio)
