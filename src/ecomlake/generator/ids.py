"""Identifiers drawn from the worker's seeded RNG, so a seed reproduces them exactly."""

from __future__ import annotations

import random

_VERSION_4 = (0x4 << 76) | (0x2 << 62)  # version nibble and RFC 4122 variant bits
_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


def random_uuid4(rng: random.Random) -> str:
    """A version-4 UUID string (like `uuid.UUID(int=..., version=4)`, about 4x faster)."""
    h = f"{(rng.getrandbits(128) & _CLEAR) | _VERSION_4:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
