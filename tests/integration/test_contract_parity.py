"""The JVM stream function decides and types exactly as the Python reference does.

The stream job validates, types and enriches on the JVM (jvm/stream-udf); the contract's
reference is `ecomlake.contracts.validate_message` with `stream.rows` typing it. On every
example, every malformed kind, a generated stream, 10,000+ property-based messages and the
hostile corpus, both must accept the same messages and produce the same row, column by column.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from ecomlake.config import Settings, load_settings
from ecomlake.contracts.columns import EVENT_COLUMNS
from ecomlake.generator.malformed import KINDS
from ecomlake.generator.run import Result
from tests.conftest import lines
from tests.hostile import EXAMPLES, hostile_messages
from tests.jvm_parity import jvm_columns, jvm_lines, mismatches, python_line

NOW_MS = 1_800_000_000_000  # 2027-01-15: after the examples' event times


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return load_settings(data_dir=tmp_path_factory.mktemp("parity"))


def _report(found: list[tuple[bytes | None, str, str]]) -> str:
    return "\n".join(
        f"{raw!r:.300}\n  python: {p:.300}\n  jvm:    {j:.300}" for raw, p, j in found[:10]
    )


def test_the_jvm_returns_raw_events_columns() -> None:
    assert jvm_columns() == EVENT_COLUMNS


def test_examples_and_malformed_kinds(settings: Settings) -> None:
    messages: list[bytes | None] = [p.read_bytes() for p in sorted(EXAMPLES.rglob("*.json"))]
    rng = random.Random(7)
    for path in sorted(EXAMPLES.glob("*.json")):
        base = orjson.loads(path.read_bytes())
        for kind in KINDS.values():
            messages += [kind(dict(base), rng) for _ in range(20)]
    found = mismatches(settings, messages, NOW_MS)
    assert not found, _report(found)


def test_a_generated_stream(settings: Settings, stream: tuple[Path, Result]) -> None:
    messages: list[bytes | None] = list(lines(stream[0]))
    found = mismatches(settings, messages, NOW_MS)
    assert not found, _report(found)
    accepted = sum(1 for line in jvm_lines(settings, messages, NOW_MS) if line.startswith("1"))
    manifest = stream[1].manifest
    assert accepted == manifest["valid_events"] + manifest["duplicate_events"]


def test_the_hostile_corpus(settings: Settings) -> None:
    corpus = hostile_messages()
    found = mismatches(settings, [raw for _, raw in corpus], NOW_MS)
    names = {raw: name for name, raw in corpus}
    assert not found, "\n".join(f"{names[raw]}: " for raw, _, _ in found) + _report(found)
    # The corpus is not all refusals: valid edge cases must survive on both sides.
    outcomes = [python_line(raw, NOW_MS)[0] for _, raw in corpus]
    assert outcomes.count("1") >= 15 and outcomes.count("0") >= 60


# --- property-based: mutations of valid events, drawn by hypothesis ------------------------
BASES = [orjson.loads(p.read_bytes()) for p in sorted(EXAMPLES.glob("*.json"))]
FIELDS = sorted({key for base in BASES for key in base} | {"email", "method", "coupon"})
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
    st.sampled_from(
        [
            "1",
            "1.0",
            "0",
            "U0000002",
            "P00254",
            "USD",
            "10.00",
            "10.001",
            "51.197.127.56",
            "2026-10-30T00:04:04.979Z",
            "purchase",
            "card",
            "a@b",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    event = dict(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        action = draw(st.sampled_from(["set", "drop", "type", "quantity", "text"]))
        field = draw(st.sampled_from(FIELDS))
        if action == "set":
            event[field] = draw(values)
        elif action == "drop":
            event.pop(field, None)
        elif action == "type":
            event["event_type"] = draw(
                st.sampled_from(
                    ["purchase", "refund", "search", "user_signup", "user_login", "page_view", "x"]
                )
            )
        elif (
            action == "quantity"
            and isinstance(event.get("items"), list)
            and event["items"]
            and isinstance(event["items"][0], dict)
        ):
            line = dict(event["items"][0])
            line["quantity"] = draw(st.one_of(st.integers(-2, 102), st.floats(-2, 102)))
            event["items"] = [line, *event["items"][1:]]
        elif action == "text":
            event[field] = draw(st.text(max_size=30))
    # The standard library's encoder: integers beyond 64 bits, both escaping styles.
    return json.dumps(event, ensure_ascii=draw(st.booleans())).encode()


PROPERTY_MESSAGES: list[bytes] = []


@hsettings(
    max_examples=10_000, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(mutated())
def test_collect_property_corpus(message: bytes) -> None:
    """Draws the corpus (10,000 messages); the next test runs it through both sides at once."""
    PROPERTY_MESSAGES.append(message)


def test_the_property_corpus(settings: Settings) -> None:
    assert len(PROPERTY_MESSAGES) >= 10_000
    found = mismatches(settings, list(PROPERTY_MESSAGES), NOW_MS)
    assert not found, _report(found)
    accepted = sum(1 for raw in PROPERTY_MESSAGES if python_line(raw, NOW_MS) != "0")
    assert accepted > 500  # the corpus exercises the accept path, not only refusals
