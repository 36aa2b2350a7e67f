"""Events simulated but not yet due, kept in time buckets.

A live stream holds minutes of future events (sessions under way) and days of refunds; sorting
all of them for every chunk made the first event of a 20,000 events/s stream never arrive.
Buckets make taking the due events cost in proportion to them: each bucket is sorted once,
when it falls due. Equal emission times keep their insertion order (stable sorts), as before.
"""

from __future__ import annotations

import heapq

import numpy as np

from ecomlake.generator.batch import EventBatch


class Pending:
    def __init__(self, bucket_ms: int) -> None:
        self.bucket_ms = bucket_ms
        self.buckets: dict[int, list[EventBatch]] = {}
        self.keys: list[int] = []  # heap of bucket ids
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(self, batch: EventBatch) -> None:
        if not len(batch):
            return
        ids = batch.emit // self.bucket_ms
        order = np.argsort(ids, kind="stable")
        cuts = np.flatnonzero(np.diff(ids[order])) + 1
        for part in np.split(order, cuts):
            key = int(ids[part[0]])
            if key not in self.buckets:
                heapq.heappush(self.keys, key)
                self.buckets[key] = []
            self.buckets[key].append(batch.take(part))
        self.size += len(batch)

    def pop_before(self, horizon: int) -> EventBatch:
        """Every event emitted before `horizon`, in emission order."""
        last = horizon // self.bucket_ms
        ready = EventBatch.empty()
        while self.keys and self.keys[0] <= last:
            key = self.keys[0]
            merged = self.buckets[key][0]
            for more in self.buckets[key][1:]:
                merged = EventBatch.concat(merged, more)
            if key < last:
                heapq.heappop(self.keys)
                del self.buckets[key]
                ready = EventBatch.concat(ready, merged)
                continue
            due = merged.emit < horizon  # the bucket `horizon` falls in: part of it is due
            ready = EventBatch.concat(ready, merged.take(np.flatnonzero(due)))
            rest = merged.take(np.flatnonzero(~due))
            if len(rest):
                self.buckets[key] = [rest]
            else:
                heapq.heappop(self.keys)
                del self.buckets[key]
            break
        self.size -= len(ready)
        return ready.take(np.argsort(ready.emit, kind="stable"))
