"""generator/manifest.py: the content hash any consumer can recompute in any order, and
merging workers' builders."""

from __future__ import annotations

import random

from ecomlake.generator.manifest import HASH_MOD, ManifestBuilder, message_hash


def test_the_hash_sum_ignores_order_and_sees_every_change() -> None:
    rng = random.Random(5)
    messages = [(f"k{i}".encode(), rng.randbytes(40)) for i in range(500)]
    total = sum(message_hash(k, v) for k, v in messages) % HASH_MOD
    shuffled = messages[:]
    rng.shuffle(shuffled)
    assert sum(message_hash(k, v) for k, v in shuffled) % HASH_MOD == total
    lost = sum(message_hash(k, v) for k, v in messages[1:]) % HASH_MOD
    doubled = (total + message_hash(*messages[0])) % HASH_MOD
    key, value = messages[0]
    altered = (total - message_hash(key, value) + message_hash(key, value[:-1] + b"x")) % HASH_MOD
    assert len({total, lost, doubled, altered}) == 4
    assert message_hash(None, b"v") == message_hash(b"", b"v")


def test_merging_workers_equals_one_builder() -> None:
    one, a, b = ManifestBuilder(), ManifestBuilder(), ManifestBuilder()
    for i, builder in enumerate([a, b, a]):
        kind, key, raw = ("invalid_json", "not_an_object")[i % 2], f"k{i}".encode(), b"{" * i
        builder.add_invalid(kind, key, raw)
        one.add_invalid(kind, key, raw)
    a.merge(b)
    assert (a.invalid_events, a.content_hash, a.invalid_by_kind) == (
        one.invalid_events, one.content_hash, one.invalid_by_kind
    )  # fmt: skip
    assert a.total_events == 3
