"""Events on their way out: numeric columns in numpy, messages and ids in lists, and the
rendering of a chunk's events into JSON messages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ecomlake.generator.chunk import EVENT_TYPES, SITE, Chunk

RESEND = -1  # `kind` of an exact re-send of a message already sent
# UUID version 4 sets the variant bits of the 17th hex digit to 10xx.
VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


@dataclass
class EventBatch:
    emit: np.ndarray  # emission time, ms
    time: np.ndarray  # event time, ms
    kind: np.ndarray  # index in EVENT_TYPES, or RESEND
    country: np.ndarray  # index in the worker's country list
    bot: np.ndarray
    late: np.ndarray
    cents: np.ndarray  # USD cents of a purchase or refund
    raw: list[bytes]
    key: list[bytes]
    anon: list[str]
    user: list[str | None]

    def __len__(self) -> int:
        return len(self.raw)

    @staticmethod
    def empty() -> EventBatch:
        ints, flags = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        return EventBatch(ints, ints, ints, ints, flags, flags, ints, [], [], [], [])

    @staticmethod
    def concat(a: EventBatch, b: EventBatch) -> EventBatch:
        if not len(a):
            return b
        return EventBatch(
            np.concatenate((a.emit, b.emit)),
            np.concatenate((a.time, b.time)),
            np.concatenate((a.kind, b.kind)),
            np.concatenate((a.country, b.country)),
            np.concatenate((a.bot, b.bot)),
            np.concatenate((a.late, b.late)),
            np.concatenate((a.cents, b.cents)),
            a.raw + b.raw,
            a.key + b.key,
            a.anon + b.anon,
            a.user + b.user,
        )

    def take(self, index: Sequence[int] | np.ndarray) -> EventBatch:
        if isinstance(index, range) and index.start == 0 and index.step == 1:
            return self.head(index.stop)
        idx = np.asarray(index, dtype=np.int64)
        positions = idx.tolist()
        return EventBatch(
            self.emit[idx], self.time[idx], self.kind[idx], self.country[idx], self.bot[idx],
            self.late[idx], self.cents[idx],
            [self.raw[i] for i in positions], [self.key[i] for i in positions],
            [self.anon[i] for i in positions], [self.user[i] for i in positions],
        )  # fmt: skip

    def head(self, count: int) -> EventBatch:
        """The first `count` events (slices: cheaper than `take`)."""
        return EventBatch(
            self.emit[:count], self.time[:count], self.kind[:count], self.country[:count],
            self.bot[:count], self.late[:count], self.cents[:count], self.raw[:count],
            self.key[:count], self.anon[:count], self.user[:count],
        )  # fmt: skip

    def split(self, horizon: int) -> tuple[EventBatch, EventBatch]:
        """(events emitted before `horizon` in emission order, the rest)."""
        order = np.argsort(self.emit, kind="stable")
        cut = int(np.searchsorted(self.emit[order], horizon, side="left"))
        return self.take(order[:cut]), self.take(order[cut:])

    def resends(self, index: np.ndarray, rng: np.random.Generator) -> EventBatch:
        """Copies of the chosen messages, re-sent 0.2-5.2 s after the original."""
        copies = self.take(index)
        copies.emit = copies.emit + 200 + np.floor(rng.random(len(index)) * 5_000).astype(np.int64)
        copies.kind = np.full(len(index), RESEND, dtype=np.int64)
        return copies


def render(chunk: Chunk, times: np.ndarray, rng: np.random.Generator) -> list[bytes]:
    """The chunk's events as JSON messages, in the contract's field order."""
    n = len(chunk)
    ids = rng.bytes(16 * n).hex()
    stamps = np.datetime_as_string(times.astype("datetime64[ms]"), unit="ms").tolist()
    out: list[bytes] = []
    previous_session = -1
    referrer = "null"
    types, sessions, shared, referrers = EVENT_TYPES, chunk.session, chunk.shared, chunk.referrers
    for i, (session, kind, path, payload, user) in enumerate(
        zip(sessions, chunk.types, chunk.paths, chunk.payloads, chunk.users, strict=True)
    ):
        if session != previous_session:
            referrer, previous_session = referrers[session], session
        if chunk.refund_of[i] >= 0:
            referrer = "null"  # a back-office event: no page before it
        h = ids[32 * i : 32 * i + 32]
        url = SITE + path
        uid = "null" if user is None else f'"{user}"'
        out.append(
            f'{{"event_id":"{h[:8]}-{h[8:12]}-4{h[13:16]}-{VARIANT[h[16]]}'
            f'{h[17:20]}-{h[20:]}","event_type":"{types[kind]}","event_time":"{stamps[i]}Z",'
            f'"user_id":{uid},{shared[session]},"page_url":"{url}","referrer":{referrer},'
            f'"schema_version":1{payload}}}'.encode()
        )
        referrer = f'"{url}"'
    return out
