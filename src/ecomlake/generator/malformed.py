"""Malformed messages of the kinds real event pipelines receive, each derived from a valid event.

Every kind must be rejected by `ecomlake.contracts.validate_message`; tests prove it. Each
corrupt copy gets a fresh event_id so it never collides with the valid event it came from.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import orjson

from ecomlake.generator.ids import random_uuid4

Corruptor = Callable[[dict[str, Any], random.Random], bytes]
TEN_YEARS_MS = 3_650 * 86_400_000


def _dump(event: dict[str, Any]) -> bytes:
    return orjson.dumps(event)


def invalid_json(event: dict[str, Any], rng: random.Random) -> bytes:
    raw = _dump(event)
    return raw[: rng.randrange(10, len(raw) - 1)]  # a truncated write


def not_an_object(event: dict[str, Any], rng: random.Random) -> bytes:
    return orjson.dumps([event])


def missing_field(event: dict[str, Any], rng: random.Random) -> bytes:
    field = rng.choice(["event_id", "event_type", "event_time", "session_id", "anonymous_id"])
    return _dump({k: v for k, v in event.items() if k != field})


def wrong_type(event: dict[str, Any], rng: random.Random) -> bytes:
    field = rng.choice(["event_time", "schema_version", "session_id"])
    broken = dict(event)
    broken[field] = {"event_time": 1_700_000_000_000, "schema_version": "1", "session_id": 12345}[
        field
    ]
    return _dump(broken)


def unknown_event_type(event: dict[str, Any], rng: random.Random) -> bytes:
    return _dump(event | {"event_type": rng.choice(["add_to_wishlist", "pageview", "PURCHASE"])})


def negative_quantity(event: dict[str, Any], rng: random.Random) -> bytes:
    return _dump(
        event
        | {
            "event_type": "add_to_cart",
            "product_id": "P00001",
            "quantity": -rng.randint(1, 5),
            "unit_price": "9.99",
            "currency": "USD",
        }
    )


def far_future_timestamp(event: dict[str, Any], rng: random.Random) -> bytes:
    # Shifted from the event's own time so the output stays deterministic for a seed.
    year = int(event["event_time"][:4]) + 10 + rng.randrange(5)
    return _dump(event | {"event_time": f"{year}{event['event_time'][4:]}"})


def oversized_payload(event: dict[str, Any], rng: random.Random) -> bytes:
    return _dump(event | {"page_url": event["page_url"] + "?q=" + "x" * 70_000})


def invalid_ip(event: dict[str, Any], rng: random.Random) -> bytes:
    return _dump(event | {"ip": rng.choice(["999.12.1.300", "10.0.0", "not-an-ip", "1.2.3.4.5"])})


def bad_money(event: dict[str, Any], rng: random.Random) -> bytes:
    return _dump(
        event
        | {
            "event_type": "purchase",
            "order_id": "O0000000000000bad",
            "currency": "USD",
            "payment_method": "card",
            "total": 19.99,
            "items": [{"product_id": "P00001", "quantity": 1, "unit_price": "19.99"}],
        }
    )


KINDS: dict[str, Corruptor] = {
    "invalid_json": invalid_json,
    "not_an_object": not_an_object,
    "missing_field": missing_field,
    "wrong_type": wrong_type,
    "unknown_event_type": unknown_event_type,
    "negative_quantity": negative_quantity,
    "far_future_timestamp": far_future_timestamp,
    "oversized_payload": oversized_payload,
    "invalid_ip": invalid_ip,
    "float_money": bad_money,
}
KIND_NAMES = list(KINDS)


def corrupt(event: dict[str, Any], rng: random.Random) -> tuple[str, bytes]:
    kind = KIND_NAMES[rng.randrange(len(KIND_NAMES))]
    fresh = event | {"event_id": random_uuid4(rng)}
    return kind, KINDS[kind](fresh, rng)
