"""generator/ids.py: seeded version-4 UUIDs, as the standard library would build them."""

from __future__ import annotations

import random
import uuid

from ecomlake.generator.ids import random_uuid4


def test_uuids_are_version_4_rfc_4122_and_reproducible() -> None:
    first = [random_uuid4(random.Random(7)) for _ in range(3)]
    assert len(set(first)) == 1  # the same seed, the same id
    rng = random.Random(7)
    ids = [random_uuid4(rng) for _ in range(2_000)]
    assert len(set(ids)) == len(ids)
    for text in ids:
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122


def test_the_bits_are_the_rngs_own() -> None:
    """Same 128 random bits as uuid.UUID(int=..., version=4) would keep."""
    bits = random.Random(11).getrandbits(128)
    assert random_uuid4(random.Random(11)) == str(uuid.UUID(int=bits, version=4))
