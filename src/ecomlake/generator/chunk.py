"""A chunk of simulated sessions as columns: what every layer of the generator passes on.

Per session: country, bot or not, device id, Kafka key, the JSON members shared by all its
events. Per event, grouped by session in time order: type, page, payload, user, money.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ecomlake.generator.people import Device

SITE = "https://shop.ecomlake.dev"
EVENT_TYPES = [
    "session_start",
    "page_view",
    "product_view",
    "search",
    "add_to_cart",
    "remove_from_cart",
    "checkout_started",
    "purchase",
    "refund",
    "user_signup",
    "user_login",
]
(START, PAGE, VIEW, SEARCH, ADD, REMOVE, CHECKOUT, PURCHASE, REFUND, SIGNUP, LOGIN) = range(11)
EVENT_COLUMNS = ("session", "types", "paths", "payloads", "users", "cents", "refund_of")


@dataclass
class Chunk:
    """Sessions and their events, events grouped by session in time order."""

    # per session
    countries: list[str] = field(default_factory=list)
    bots: list[bool] = field(default_factory=list)
    anons: list[str] = field(default_factory=list)
    keys: list[bytes] = field(default_factory=list)  # Kafka keys: the session ids
    shared: list[str] = field(default_factory=list)  # JSON members every event of it carries
    referrers: list[str] = field(default_factory=list)  # JSON value: the first hit's referrer
    starts: list[int] = field(default_factory=list)
    devices: list[Device | None] = field(default_factory=list)
    # per event
    session: list[int] = field(default_factory=list)
    types: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)  # JSON members after schema_version
    users: list[str | None] = field(default_factory=list)
    cents: list[int] = field(default_factory=list)  # USD cents of a purchase or refund, else 0
    refund_of: list[int] = field(default_factory=list)  # refund: index of its purchase, else -1

    def add(
        self,
        session: int,
        kind: int,
        path: str,
        payload: str,
        user: str | None,
        cents: int = 0,
        refund_of: int = -1,
    ) -> None:
        self.session.append(session)
        self.types.append(kind)
        self.paths.append(path)
        self.payloads.append(payload)
        self.users.append(user)
        self.cents.append(cents)
        self.refund_of.append(refund_of)

    def __len__(self) -> int:
        return len(self.types)

    def extend(self, hits: Hits) -> None:
        for hit in hits:
            self.add(*hit)

    def select(self, keep: list[int]) -> Chunk:
        """The same sessions with only the events at `keep` (refund_of then only tells which
        events are refunds: its indices refer to the chunk before selection)."""
        out = Chunk(
            self.countries,
            self.bots,
            self.anons,
            self.keys,
            self.shared,
            self.referrers,
            self.starts,
            self.devices,
        )
        for column in EVENT_COLUMNS:
            values = getattr(self, column)
            setattr(out, column, [values[i] for i in keep])
        return out


class Hits(list[tuple[int, int, str, str, "str | None", int, int]]):
    """A few events held back before they join a chunk (a session's first hits)."""

    def add(
        self,
        session: int,
        kind: int,
        path: str,
        payload: str,
        user: str | None,
        cents: int = 0,
        refund_of: int = -1,
    ) -> None:
        self.append((session, kind, path, payload, user, cents, refund_of))


def shared_members(anonymous_id: str, session_id: str, ip: str, user_agent: str) -> str:
    # Our own values: ids, an IPv4 address and user agents without quotes or backslashes.
    return (
        f'"anonymous_id":"{anonymous_id}","session_id":"{session_id}","ip":"{ip}",'
        f'"user_agent":"{user_agent}"'
    )
