"""generator/malformed.py: each kind of bad message is rejected by the contract, for its reason,
and carries a fresh event_id."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

import orjson
import pytest

from ecomlake.contracts import validate_message
from ecomlake.contracts.validate import contracts_dir
from ecomlake.generator.malformed import KINDS, corrupt

EXAMPLE = orjson.loads((contracts_dir() / "events" / "examples" / "purchase.json").read_bytes())


def event_time(example: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(example["event_time"].replace("Z", "+00:00"))


def test_the_example_itself_is_valid() -> None:
    event, why = validate_message(orjson.dumps(EXAMPLE), now=event_time(EXAMPLE))
    assert why is None and event is not None


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_is_rejected(kind: str) -> None:
    for seed in range(5):  # the corruptors draw from the rng: several draws per kind
        raw = KINDS[kind](dict(EXAMPLE), random.Random(seed))
        event, why = validate_message(raw, now=event_time(EXAMPLE))
        assert event is None and why is not None, (kind, raw[:200])


def test_corrupt_names_its_kind_and_renews_the_event_id() -> None:
    rng = random.Random(1)
    seen = set()
    for _ in range(200):
        kind, raw = corrupt(dict(EXAMPLE), rng)
        seen.add(kind)
        assert kind in KINDS
        assert EXAMPLE["event_id"].encode() not in raw
    assert seen == set(KINDS)
