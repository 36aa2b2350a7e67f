"""The v1 contract: the schema itself, its examples, and the rules beyond JSON Schema."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator

from ecomlake.contracts import MAX_MESSAGE_BYTES, load_schema, validate_message
from ecomlake.contracts.validate import _validator, contracts_dir, fast_accepts
from ecomlake.generator.malformed import KINDS

EXAMPLES = contracts_dir() / "events" / "examples"
VALID = sorted(EXAMPLES.glob("*.json"))
INVALID = sorted((EXAMPLES / "invalid").glob("*.json"))
EXPECTED_REASON = {
    "invalid_json": "invalid_json",
    "not_an_object": "not_an_object",
    "missing_field": "missing_field:",
    "wrong_type": "wrong_type:",
    "unknown_event_type": "unknown_event_type",
    "negative_quantity": "invalid_value:quantity",
    "far_future_timestamp": "far_future_timestamp",
    "invalid_ip": "invalid_ip",
    "float_money": "wrong_type:total",
}


def example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return loaded


def test_schema_is_valid_draft_2020_12() -> None:
    Draft202012Validator.check_schema(load_schema())


def test_there_is_an_example_of_every_event_type() -> None:
    types = set(load_schema()["properties"]["event_type"]["enum"])
    assert {p.stem for p in VALID} == types


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_examples_are_valid(path: Path) -> None:
    event, rejection = validate_message(path.read_bytes().strip())
    assert rejection is None and event is not None


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_examples_are_rejected_for_the_right_reason(path: Path) -> None:
    event, rejection = validate_message(path.read_bytes().strip())
    assert event is None and rejection is not None
    assert rejection.reason.startswith(EXPECTED_REASON[path.stem])


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("base", ["purchase", "page_view", "user_signup"])
def test_every_malformed_kind_is_rejected(kind: str, base: str) -> None:
    rng = random.Random(1)
    for _ in range(5):
        raw = KINDS[kind](example(base), rng)
        event, rejection = validate_message(raw)
        assert event is None, f"{kind} slipped through: {raw[:200]!r}"
        assert rejection is not None


def test_money_must_be_a_decimal_string() -> None:
    event = example("purchase") | {"total": 12.5}
    assert validate_message(orjson.dumps(event))[1].reason == "wrong_type:total"  # type: ignore[union-attr]


def test_purchase_total_must_equal_its_items() -> None:
    event = example("purchase")
    event["total"] = str(float(event["total"]) + 1)
    _, rejection = validate_message(orjson.dumps(event))
    assert rejection is not None and rejection.reason in {"total_mismatch", "invalid_value:total"}


def test_user_id_is_required_on_signup() -> None:
    event = example("user_signup") | {"user_id": None}
    _, rejection = validate_message(orjson.dumps(event))
    assert rejection is not None and rejection.reason == "wrong_type:user_id"


def test_oversized_message_is_rejected_before_parsing() -> None:
    raw = b"{" + b" " * MAX_MESSAGE_BYTES + b"}"
    assert validate_message(raw)[1].reason == "oversized_payload"  # type: ignore[union-attr]


def test_far_future_is_relative_to_ingest_time() -> None:
    raw = (EXAMPLES / "page_view.json").read_bytes()
    event_time = datetime.strptime(example("page_view")["event_time"], "%Y-%m-%dT%H:%M:%S.%fZ")
    long_before = event_time.replace(tzinfo=UTC, year=event_time.year - 1)
    assert validate_message(raw, now=long_before)[1].reason == "far_future_timestamp"  # type: ignore[union-attr]
    assert validate_message(raw)[1] is None


def test_impossible_dates_are_rejected() -> None:
    event = example("page_view") | {"event_time": "2026-02-30T10:00:00.000Z"}
    assert validate_message(orjson.dumps(event))[1].reason == "invalid_value:event_time"  # type: ignore[union-attr]


def mutations(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field removed, retyped or emptied, plus an unknown field: the shapes clients break."""
    out = [event | {"unexpected": 1}]
    for field in list(event):
        out.append({k: v for k, v in event.items() if k != field})
        values: list[Any] = [None, 0, -1, 1.5, "", "x", "1.10.0.300", [], {}, "9" * 600]
        out.extend(event | {field: value} for value in values)
    return out


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_fast_accept_path_agrees_with_jsonschema(path: Path) -> None:
    # The stream trusts fast_accepts for "valid"; jsonschema is the contract's reference.
    reference = _validator()
    base: dict[str, Any] = json.loads(path.read_text())
    rng = random.Random(7)
    cases = mutations(base) + [
        orjson.loads(raw)
        for kind in KINDS
        for raw in (KINDS[kind](base, rng) for _ in range(3))
        if raw.startswith(b"{") and raw.endswith(b"}")
    ]
    disagreements = [
        case
        for case in cases
        if fast_accepts(case) != (next(reference.iter_errors(case), None) is None)
    ]
    assert len(cases) > 100 and disagreements == []
