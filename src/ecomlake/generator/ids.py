"""Identifiers drawn from the worker's seeded RNG, so a seed reproduces them exactly."""

from __future__ import annotations

import random

_VERSION_4 = (0x4 << 76) | (0x2 << 62)  # version nibble and RFC 4122 variant bits
_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)


def random_uuid4(rng: random.Random) -> str:
    """A version-4 UUID string (like `uuid.UUID(int=..., version=4)`, about 4x faster)."""
    h = f"{(rng.getrandbits(128) & _CLEAR) | _VERSION_4:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# RFC 4122 variant: the top two bits of the variant nibble are 10.
_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def random_uuid4s(rng: random.Random, count: int) -> list[str]:
    """`count` version-4 UUID strings from one draw of random bytes (a session's event ids)."""
    h = rng.randbytes(16 * count).hex()
    return [
        f"{h[i : i + 8]}-{h[i + 8 : i + 12]}-4{h[i + 13 : i + 16]}-"
        f"{_VARIANT[h[i + 16]]}{h[i + 17 : i + 20]}-{h[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]
