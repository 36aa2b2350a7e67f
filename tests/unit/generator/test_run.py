"""The generator end to end (generator/run.py and the engine behind it): exact counts, the manifest
against an independent recount, seeds, workers, funnel and money invariants."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ecomlake.contracts import validate_message
from ecomlake.generator.geo import lookup_country
from ecomlake.generator.run import Result
from tests.conftest import generate_file, lines
from tests.recount import is_bot, recount


def test_same_seed_and_options_give_byte_identical_events(tmp_path: Path) -> None:
    generate_file(tmp_path / "a.jsonl", events=5_000)
    generate_file(tmp_path / "b.jsonl", events=5_000)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_another_seed_gives_other_events(tmp_path: Path) -> None:
    generate_file(tmp_path / "a.jsonl", events=2_000)
    generate_file(tmp_path / "b.jsonl", events=2_000, seed=7)
    assert (tmp_path / "a.jsonl").read_bytes() != (tmp_path / "b.jsonl").read_bytes()


def test_exactly_the_requested_number_of_messages(stream: tuple[Path, Result]) -> None:
    path, result = stream
    assert sum(1 for _ in lines(path)) == 20_000 == result.manifest["total_events"]


def test_several_workers_produce_the_exact_count_too(tmp_path: Path) -> None:
    result = generate_file(tmp_path / "w.jsonl", events=9_999, workers=3)
    assert sum(1 for _ in lines(tmp_path / "w.jsonl")) == 9_999
    assert result.manifest["total_events"] == 9_999
    assert recount(lines(tmp_path / "w.jsonl"))["valid_events"] == result.manifest["valid_events"]


def test_manifest_equals_an_independent_recount(
    stream: tuple[Path, Result], truth: dict[str, Any]
) -> None:
    manifest = stream[1].manifest
    for key in ("total_events", "valid_events", "invalid_events", "duplicate_events", "by_type"):
        assert manifest[key] == truth[key], key
    assert manifest["total_events"] == (
        manifest["valid_events"] + manifest["invalid_events"] + manifest["duplicate_events"]
    )
    assert manifest["by_day"].keys() == truth["by_day"].keys()
    for day, row in truth["by_day"].items():
        mine = manifest["by_day"][day]
        assert mine["orders"] == row["orders"]
        assert Decimal(mine["gross_revenue"]) == row["gross_revenue"]
        assert Decimal(mine["refunds"]) == row["refunds"]
        assert mine["active_users"] == row["active_users"]
    assert manifest["invalid_events"] > 0 and manifest["duplicate_events"] > 0


def test_events_stay_in_the_backfill_window(stream: tuple[Path, Result]) -> None:
    days = list(stream[1].manifest["by_day"])
    assert days == ["2026-10-30", "2026-10-31"]


def test_every_malformed_kind_appears_and_is_rejected(tmp_path: Path) -> None:
    result = generate_file(tmp_path / "bad.jsonl", events=20_000, bad_ratio=0.2)
    kinds = result.manifest["invalid_by_kind"]
    assert len(kinds) >= 8, kinds
    rejected = sum(validate_message(raw)[0] is None for raw in lines(tmp_path / "bad.jsonl"))
    assert rejected == result.manifest["invalid_events"]


def test_ips_resolve_to_the_intended_country(
    stream: tuple[Path, Result], truth: dict[str, Any]
) -> None:
    result = stream[1]
    events = truth["events"]
    by_country: dict[str, int] = defaultdict(int)
    for event in events:
        by_country[lookup_country(event["ip"]) or "??"] += 1
    assert dict(sorted(by_country.items())) == result.manifest["by_country"]


def test_funnel_invariants(truth: dict[str, Any]) -> None:
    events = sorted(truth["events"], key=lambda e: e["event_time"])
    checkout_sessions: set[str] = set()
    orders: set[str] = set()
    purchases = refunds = 0
    for event in events:
        kind = event["event_type"]
        if kind == "checkout_started":
            checkout_sessions.add(event["session_id"])
        elif kind == "purchase":
            purchases += 1
            assert event["session_id"] in checkout_sessions, "purchase without checkout"
            orders.add(event["order_id"])
        elif kind == "refund":
            refunds += 1
            assert event["order_id"] in orders, "refund of an unknown order"
        if is_bot(event["user_agent"]):
            assert kind in {"session_start", "page_view", "product_view"}, "a bot shopped"
            assert event["user_id"] is None
    assert purchases > 50 and refunds > 0


def test_purchase_totals_are_exact_decimals(truth: dict[str, Any]) -> None:
    for event in truth["events"]:
        if event["event_type"] == "purchase":
            items = sum(Decimal(i["unit_price"]) * i["quantity"] for i in event["items"])
            assert Decimal(event["total"]) == items
            assert isinstance(event["total"], str)


def test_signed_up_people_carry_their_user_id_afterwards(truth: dict[str, Any]) -> None:
    events = sorted(truth["events"], key=lambda e: e["event_time"])
    signed_up: dict[str, str] = {}
    for event in events:
        if event["event_type"] == "user_signup":
            signed_up[event["anonymous_id"]] = event["user_id"]
        elif event["anonymous_id"] in signed_up and event["event_type"] != "refund":
            assert event["user_id"] == signed_up[event["anonymous_id"]]
    assert len(signed_up) > 20


@pytest.mark.parametrize("ratio", [0.0, 0.3])
def test_bot_ratio_controls_crawler_traffic(tmp_path: Path, ratio: float) -> None:
    result = generate_file(tmp_path / "b.jsonl", events=3_000, bot_ratio=ratio)
    bots = result.manifest["bot_events"]
    assert (bots == 0) if ratio == 0 else (bots > 600)
