"""One generator worker: sessions arrive, their events leave in emission-time order.

Emission time is event time plus client jitter (kept monotone within a session, so a session's
own events never overtake each other), plus, for a few sessions, an offline delay: those are
the late arrivals a stream processor must cope with.

Sessions are simulated a chunk at a time. Every session after the chunk starts later than the
next arrival time, so all pending events before that time are final: they are sorted and sent,
the rest wait for the next chunk. Sorting a chunk costs less than a heap operation per event.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

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

CHUNK_SESSIONS = 256
REPORT_EVERY = 2_000
HOUR_MS = 3_600_000
SESSION_TIMEOUT_MS = 30 * 60_000
LIVE_WARMUP_MS = 5 * 60_000
NEVER = 1 << 62

# (emission ms, tie-breaker, message, session, index of the event in the session)
Pending = tuple[int, int, bytes, SessionEvents, int]


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
        if session.refund is not None:
            inside += session.refund.times_ms[0] < self.plan.end_ms
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
        self.control = ArrivalControl(self.rhythm, plan, 1 + options.dup_ratio + options.bad_ratio)
        self.ticket = itertools.count()

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
            session.truncate(bisect.bisect_left(session.times_ms, end))
        if session.refund is not None and session.refund.times_ms[0] >= end:
            session.refund = None

    def schedule(self, session: SessionEvents, pending: list[Pending]) -> None:
        rng, opts = self.rng, self.options
        if not opts.live and session.times_ms[0] < self.plan.end_ms:
            self.clip(session)
        n = len(session)
        if rng.random() < opts.late_ratio:
            session.late_from = int(rng.random() * n)
        late_from = session.late_from
        delay = int(rng.uniform(*opts.late_delay_s) * 1000)
        jitter, random_, ticket = opts.jitter_ms + 1, rng.random, self.ticket
        previous = 0
        for i, (t, raw) in enumerate(zip(session.times_ms, session.render(rng), strict=True)):
            key = t + int(random_() * jitter)  # random() is ~5x cheaper than randrange()
            if i >= late_from:
                key += delay
            if key > previous:
                previous = key
            pending.append((previous, next(ticket), raw, session, i))
        if session.refund is not None:
            refund = session.refund
            pending.append((refund.times_ms[0], next(ticket), refund.render(rng)[0], refund, 0))

    def _simulate_chunk(
        self, arrival: tuple[float, str], pending: list[Pending]
    ) -> tuple[float, str]:
        """Simulate CHUNK_SESSIONS arrivals; returns the next arrival (time, country)."""
        plan, opts, rng = self.plan, self.options, self.rng
        t_next, country = arrival
        for _ in range(CHUNK_SESSIONS):
            when = int(t_next)
            if plan.quota is None and when >= plan.end_ms and not opts.live:
                return float(NEVER), country  # a time-bounded run: the window is over
            start = when
            if when >= plan.end_ms and not opts.live:
                # The quota outlived the window (simulation variance): top it up with sessions
                # from the window's last hour; they arrive late, as stragglers do.
                span = min(HOUR_MS, plan.end_ms - plan.start_ms)
                start = plan.end_ms - 1 - int(rng.random() * span)
            session = self.new_session(start, country)
            self.schedule(session, pending)
            if not opts.live:
                self.control.observe(session, when)
            t_next, country = self.rhythm.next_arrival(rng, t_next, self.control.peak)
        return t_next, country

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
        first = plan.start_ms - (LIVE_WARMUP_MS if opts.live else 0)
        arrival = self.rhythm.next_arrival(rng, first, plan.peak_sessions_per_ms)
        pacing = opts.rate / plan.workers if (opts.rate > 0 and not opts.live) else 0.0
        dup, bad = opts.dup_ratio, opts.dup_ratio + opts.bad_ratio
        send, add_event, random_ = sink.send, manifest.add_event, rng.random
        resends: list[tuple[int, int, bytes, bytes]] = []
        pending: list[Pending] = []
        started = time.monotonic()
        sent = 0
        halted = False
        while sent < quota and not halted:
            arrival = self._simulate_chunk(arrival, pending)
            pending.sort()
            # Every later session starts at or after the next arrival: events before it are final.
            cut = bisect.bisect_left(pending, (int(min(arrival[0], NEVER)),))
            ready, pending = pending[:cut], pending[cut:]
            for when, _, raw, session, index in ready:
                while resends and resends[0][0] <= when and sent < quota:
                    _, _, dup_key, dup_raw = heapq.heappop(resends)
                    send(dup_key, dup_raw)
                    manifest.add_duplicate(dup_key, dup_raw)
                    sent += 1
                if sent >= quota:
                    break
                if sent % REPORT_EVERY == 0 or opts.live:
                    report(sent)
                    if stopped() or (deadline is not None and time.monotonic() >= deadline):
                        halted = True
                        break
                if opts.live:
                    if when < plan.start_ms:
                        continue  # warm-up: it happened before the stream began
                    # Real time: an event leaves when the wall clock reaches its emission time.
                    while (wait := when / 1000 - time.time()) > 0 and not stopped():
                        time.sleep(min(wait, 0.2))
                elif pacing:
                    ahead = sent / pacing - (time.monotonic() - started)
                    if ahead > 0:
                        time.sleep(ahead)
                key = session.key
                send(key, raw)
                sent += 1
                add_event(session, index, key, raw)
                roll = random_()
                if roll < dup:
                    # A client retry after a lost acknowledgement: same bytes, a little later.
                    retry = when + 200 + int(random_() * 5_000)
                    heapq.heappush(resends, (retry, next(self.ticket), key, raw))
                elif roll < bad and sent < quota:
                    kind, broken = corrupt(orjson.loads(raw), rng)
                    send(key, broken)
                    manifest.add_invalid(kind, key, broken)
                    sent += 1
            if arrival[0] >= NEVER and not pending:
                while resends and sent < quota and not halted:
                    _, _, dup_key, dup_raw = heapq.heappop(resends)
                    send(dup_key, dup_raw)
                    manifest.add_duplicate(dup_key, dup_raw)
                    sent += 1
                break
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
        events += len(session) + (session.refund is not None)
    return events / sessions * (1 + options.dup_ratio + options.bad_ratio)
