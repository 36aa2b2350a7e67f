"""Hostile messages the generator never makes: what a careless or malicious producer can put
on the topic. Each is (name, value); a value of None is a Kafka record without one (a
tombstone). Used by the parity test (JVM function vs Python reference) and by the stream
job's hostile-input test (every one lands in raw.events or raw.events_rejected, the job stays up).
"""

from __future__ import annotations

import json
from typing import Any

from ecomlake.contracts.validate import MAX_MESSAGE_BYTES, contracts_dir

EXAMPLES = contracts_dir() / "events" / "examples"


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text())
    return loaded


def _dumps(event: dict[str, Any]) -> bytes:
    return json.dumps(event, ensure_ascii=False).encode()


def _with(base: str, **changes: Any) -> bytes:
    return _dumps(_example(base) | changes)


def _raw_field(base: str, field: str, raw_json: str) -> bytes:
    """The example with one field's JSON text replaced verbatim (numbers, literals, escapes)."""
    event = _example(base)
    event[field] = "@@HERE@@"
    return _dumps(event).replace(b'"@@HERE@@"', raw_json.encode())


def _items(quantity_json: str) -> bytes:
    event = _example("purchase")
    event["items"] = [{"product_id": "P00254", "quantity": "@@Q@@", "unit_price": "10.00"}]
    event["total"] = "20.00"
    return _dumps(event).replace(b'"@@Q@@"', quantity_json.encode())


def _padded(size: int) -> bytes:
    raw = _with("page_view")
    return raw + b" " * (size - len(raw))


def kafka_level() -> list[tuple[str, bytes | None]]:
    return [
        ("null value (tombstone)", None),
        ("empty value", b""),
        ("only whitespace", b" \n\t "),
        ("json null", b"null"),
        ("json number", b"0"),
        ("json string", b'"purchase"'),
        ("empty array", b"[]"),
        ("empty object", b"{}"),
        ("array of an event", b"[" + _with("page_view") + b"]"),
        ("two events in one message", _with("page_view") + _with("page_view")),
        ("event then newline", _with("page_view") + b"\n"),
        ("event then NUL", _with("page_view") + b"\x00"),
        ("trailing comma", _with("page_view")[:-1] + b",}"),
    ]


def encodings() -> list[tuple[str, bytes | None]]:
    page = _with("page_view")
    return [
        ("UTF-8 BOM", b"\xef\xbb\xbf" + page),
        ("UTF-16 LE", page.decode().encode("utf-16-le")),
        ("UTF-16 with BOM", page.decode().encode("utf-16")),
        ("Latin-1 byte in a string", page.replace(b"Mozilla", b"Mozill\xe9")),
        ("overlong slash", page.replace(b"https://", b"https:\xc0\xaf/")),
        ("UTF-8-encoded surrogate", page.replace(b"Mozilla", b"Moz\xed\xa0\x80illa")),
        ("code point above U+10FFFF", page.replace(b"Mozilla", b"Moz\xf4\x90\x80\x80")),
        ("truncated multibyte", page[:-3] + b"\xe2\x82"),
        ("raw NUL in a string", page.replace(b"Mozilla", b"Moz\x00illa")),
        ("raw tab in a string", page.replace(b"Mozilla", b"Moz\tilla")),
        ("escaped NUL in user_agent", _raw_field("page_view", "user_agent", '"a\\u0000b"')),
        ("lone high surrogate escape", _raw_field("page_view", "user_agent", '"a\\ud800b"')),
        ("lone low surrogate escape", _raw_field("page_view", "user_agent", '"a\\udc00b"')),
        ("reversed surrogate pair", _raw_field("page_view", "user_agent", '"\\udc00\\ud800"')),
        ("escaped emoji pair", _raw_field("page_view", "user_agent", '"bot \\ud83d\\ude00"')),
        ("raw emoji in page_url", _with("page_view", page_url="https://x.dev/🛒")),
        ("right-to-left override", _with("page_view", user_agent="\u202emoc.live")),
        ("noncharacter U+FFFF", _with("page_view", user_agent="a\uffffb")),
        ("max code point", _with("page_view", user_agent="a\U0010ffff")),
        ("invalid escape", _raw_field("page_view", "user_agent", '"a\\qb"')),
        ("short unicode escape", _raw_field("page_view", "user_agent", '"a\\u12"')),
        ("escaped key", page.replace(b'"event_id"', b'"event\\u005fid"')),
        ("uppercase escape hex", _raw_field("page_view", "user_agent", '"\\u00E9"')),
    ]


def nesting() -> list[tuple[str, bytes | None]]:
    return [
        ("deep array 100k", b"[" * 100_000 + b"]" * 100_000),
        ("deep object 20k", b'{"a":' * 20_000 + b"1" + b"}" * 20_000),
        ("deep array in a field", _raw_field("page_view", "referrer", "[" * 5000 + "]" * 5000)),
        ("unclosed deep array", b"[" * 50_000),
        ("object as items line", _raw_field("purchase", "items", '[{"a":{"b":{"c":[1]}}}]')),
    ]


def numbers() -> list[tuple[str, bytes | None]]:
    cases: list[tuple[str, bytes | None]] = [
        ("quantity 2.0", _items("2.0")),
        ("quantity 2e0", _items("2e0")),
        ("quantity 0.2e1", _items("0.2e1")),
        ("quantity 2.5", _items("2.5")),
        ("quantity -0", _items("-0")),
        ("quantity 1e-400", _items("1e-400")),
        ("quantity 1e400", _items("1e400")),
        ("quantity 2^64", _items("18446744073709551616")),
        ("quantity 2^64-1", _items("18446744073709551615")),
        ("quantity huge literal", _items("9" * 400)),
        ("quantity NaN", _items("NaN")),
        ("quantity Infinity", _items("Infinity")),
        ("quantity hex", _items("0x2")),
        ("quantity plus sign", _items("+2")),
        ("quantity leading zero", _items("02")),
        ("quantity bare fraction", _items(".2")),
        ("quantity trailing dot", _items("2.")),
        ("quantity true", _items("true")),
        ("quantity string", _items('"2"')),
        ("quantity 100.0", _items("100.0")),
    ]
    for value in ("2147483647", "2147483648", "1e10", "-1", "3.0", "-0.0", "1e-320", "4.5"):
        cases.append((f"results_count {value}", _search(value)))
    for value in ("1.0", "1e0", "true", '"1"', "2", "1.0000000000000001"):
        cases.append((f"schema_version {value}", _raw_field("page_view", "schema_version", value)))
    return cases


def _search(results_json: str) -> bytes:
    event = _example("search") if (EXAMPLES / "search.json").exists() else {}
    event["results_count"] = "@@R@@"
    return _dumps(event).replace(b'"@@R@@"', results_json.encode())


def sizes() -> list[tuple[str, bytes | None]]:
    emoji = "😀"
    return [
        ("exactly the size limit", _padded(MAX_MESSAGE_BYTES)),
        ("one byte over the limit", _padded(MAX_MESSAGE_BYTES + 1)),
        ("1 MB of whitespace", _padded(1 << 20)),
        ("1 MB string", _with("page_view", user_agent="x" * (1 << 20))),
        ("user_agent 1024 emoji", _with("page_view", user_agent=emoji * 1024)),
        ("user_agent 1025 emoji", _with("page_view", user_agent=emoji * 1025)),
        ("user_agent 1024 chars", _with("page_view", user_agent="b" * 1024)),
        ("empty user_agent", _with("page_view", user_agent="")),
        ("51 line items", _many_items(51)),
        ("50 line items", _many_items(50)),
        ("no line items", _raw_field("purchase", "items", "[]")),
    ]


def _many_items(n: int) -> bytes:
    items = [{"product_id": "P00001", "quantity": 1, "unit_price": "1.00"}] * n
    return _with("purchase", items=items, total=f"{n}.00")


def strings_and_patterns() -> list[tuple[str, bytes | None]]:
    return [
        ("user_id with a trailing newline", _with("purchase", user_id="U0000002\n")),
        (
            "user_id with Arabic digits",
            _with("purchase", user_id="U\u0660\u0660\u0660\u0660\u0660\u0660\u0662"),
        ),
        (
            "event_id with a trailing newline",
            _with("page_view", event_id=_example("page_view")["event_id"] + "\n"),
        ),
        (
            "event_id uppercase",
            _with("page_view", event_id=_example("page_view")["event_id"].upper()),
        ),
        ("money with a trailing newline", _with("purchase", total="581.95\n")),
        ("money with three decimals", _with("purchase", total="581.950")),
        (
            "event_time with a trailing newline",
            _with("page_view", event_time="2026-10-30T00:02:41.863Z\n"),
        ),
        ("ip with a trailing newline", _with("page_view", ip="51.197.127.56\n")),
        ("ip with a leading zero", _with("page_view", ip="51.197.127.056")),
        ("ip with three parts", _with("page_view", ip="51.197.127")),
        ("ip octet 256", _with("page_view", ip="256.197.127.56")),
        (
            "ip with Arabic digits",
            _with(
                "page_view", ip="\u0665\u0661.\u0661\u0669\u0667.\u0661\u0662\u0667.\u0665\u0666"
            ),
        ),
        ("private ip", _with("page_view", ip="10.0.0.1")),
        ("ip 0.0.0.0", _with("page_view", ip="0.0.0.0")),
        ("ip 255.255.255.255", _with("page_view", ip="255.255.255.255")),
        ("signup", _signup("a@b.c")),
        ("signup email without @", _signup("nobody")),
        ("signup email only @", _signup("@")),
        ("event_type uppercase", _with("page_view", event_type="PAGE_VIEW")),
        ("unknown field", _with("page_view", coupon="X")),
        ("null for a required string", _with("page_view", session_id=None)),
        (
            "duplicate event_type, last invalid",
            _with("page_view")[:-1] + b', "event_type": "nope"}',
        ),
        ("duplicate event_type, last valid", b'{"event_type": "nope", ' + _with("page_view")[1:]),
        ("crawler with a Kelvin sign", _with("page_view", user_agent="Mozilla \u212aindlebot/1")),
        ("crawler with a long s", _with("page_view", user_agent="Mozilla \u017fpider")),
        ("bot followed by a combining accent", _with("page_view", user_agent="robot\u0301 x")),
        ("bot followed by an underscore", _with("page_view", user_agent="bot_x")),
        ("bot followed by an Arabic digit", _with("page_view", user_agent="bot\u0663")),
        ("bot followed by a newline", _with("page_view", user_agent="x bot\nmore")),
        (
            "Safari version with Arabic digits",
            _with("page_view", user_agent="Version/\u0661\u0662 Safari/"),
        ),
        ("Safari across a newline", _with("page_view", user_agent="Version/12 x\n Safari/")),
    ]


def _signup(email: str) -> bytes:
    event = _example("page_view") | {"event_type": "user_signup", "user_id": "U0000009"}
    event.pop("page_type")
    return _dumps(event | {"email": email, "method": "email"})


def times_and_totals() -> list[tuple[str, bytes | None]]:
    def at(when: str) -> bytes:
        return _with("page_view", event_time=when)

    return [
        ("February 29 of a common year", at("2026-02-29T00:00:00.000Z")),
        ("February 29 of a leap year", at("2024-02-29T00:00:00.000Z")),
        ("year 0", at("0000-01-01T00:00:00.000Z")),
        ("year 1", at("0001-01-01T00:00:00.000Z")),
        ("year 9999", at("9999-12-31T23:59:59.999Z")),
        ("hour 24", at("2026-10-30T24:00:00.000Z")),
        ("leap second", at("2026-10-30T23:59:60.000Z")),
        ("month 13", at("2026-13-01T00:00:00.000Z")),
        ("day 0", at("2026-10-00T00:00:00.000Z")),
        ("offset instead of Z", at("2026-10-30T00:00:00.000+00:00")),
        ("lowercase z", at("2026-10-30T00:00:00.000z")),
        ("total off by a cent", _with("purchase", total="581.94")),
        ("total with one decimal", _with("purchase", total="581.950"[:-1])),
        (
            "total as an integer string",
            _with(
                "purchase",
                items=[{"product_id": "P00001", "quantity": 2, "unit_price": "5"}],
                total="10",
            ),
        ),
        ("checkout total mismatch", _with("checkout_started", total="0.01")),
    ]


def hostile_messages() -> list[tuple[str, bytes | None]]:
    return (
        kafka_level()
        + encodings()
        + nesting()
        + numbers()
        + sizes()
        + strings_and_patterns()
        + times_and_totals()
    )
