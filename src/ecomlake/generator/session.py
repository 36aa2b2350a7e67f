"""One visit, simulated step by step: landing, browsing, the cart funnel, checkout, purchase.

A session is returned as columns (type, time, page, payload, user per event) plus the values
shared by all its events; `render` turns it into the JSON messages. Building JSON text from
these fragments is the generator's hot path: about twice as fast as dicts + a JSON encoder.
A refund happens hours later and is returned as a session of its own. Bots crawl, never buy.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

import orjson

from ecomlake.generator.agents import CRAWLERS
from ecomlake.generator.catalog import Catalog, Product
from ecomlake.generator.ids import random_uuid4s
from ecomlake.generator.money import fmt, to_usd
from ecomlake.generator.options import Funnel
from ecomlake.generator.people import Device, Person
from ecomlake.generator.timefmt import iso_ms

SITE = "https://shop.ecomlake.dev"
TRAFFIC_SOURCES = ["direct", "organic_search", "paid_search", "social", "email", "referral"]
TRAFFIC_CUM = list(itertools.accumulate([0.30, 0.28, 0.14, 0.14, 0.08, 0.06]))
REFERRERS = {
    "organic_search": "https://www.google.com/",
    "paid_search": "https://www.google.com/",
    "social": "https://www.instagram.com/",
    "referral": "https://www.reddit.com/",
}
SEARCH_TERMS = [
    "wireless headphones",
    "running shoes",
    "coffee maker",
    "usb-c charger",
    "yoga mat",
    "phone case",
    "desk lamp",
    "backpack",
    "sunscreen",
    "lego",
    "air fryer",
    "gaming mouse",
    "winter jacket",
    "novel",
    "protein bar",
]
SIGN_IN_METHODS = ["email", "email", "google", "apple"]
PAYMENT_METHODS = ["card", "paypal", "apple_pay", "google_pay", "bank_transfer"]
PAYMENT_CUM = list(itertools.accumulate([0.55, 0.2, 0.12, 0.1, 0.03]))
REFUND_REASONS = ["damaged", "not_as_described", "late_delivery", "changed_mind", "other"]
MEAN_GAP_MS = 18_000
GAP_RATE = 1.0 / MEAN_GAP_MS
BOUNCE_RATE = 0.30


@dataclass
class SessionEvents:
    """A simulated session, column by column, in time order."""

    country: str
    is_bot: bool
    anonymous_id: str
    session_id: str
    shared: str  # JSON members every event carries: anonymous_id, session_id, ip, user_agent
    referrer: str | None  # the external referrer of the first event
    types: list[str] = field(default_factory=list)
    times_ms: list[int] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    payloads: list[str] = field(default_factory=list)  # JSON members after schema_version
    users: list[str | None] = field(default_factory=list)
    money: dict[int, tuple[str, Decimal]] = field(default_factory=dict)  # index -> (kind, USD)
    refund: SessionEvents | None = None
    late_from: int = 1 << 30  # events from this index on arrive late
    key: bytes = b""  # the Kafka message key: the session id

    def __post_init__(self) -> None:
        self.key = self.session_id.encode()

    def __len__(self) -> int:
        return len(self.types)

    def add(self, event_type: str, t_ms: int, path: str, payload: str, user: str | None) -> None:
        self.types.append(event_type)
        self.times_ms.append(t_ms)
        self.paths.append(path)
        self.payloads.append(payload)
        self.users.append(user)

    def truncate(self, keep: int) -> None:
        for column in (self.types, self.times_ms, self.paths, self.payloads, self.users):
            del column[keep:]
        self.money = {i: m for i, m in self.money.items() if i < keep}

    def render(self, rng: random.Random) -> list[bytes]:
        """The JSON messages, in the contract's field order (event ids drawn from `rng`)."""
        out = []
        referrer = "null" if self.referrer is None else f'"{self.referrer}"'
        shared = self.shared
        for event_id, event_type, t, path, payload, user in zip(
            random_uuid4s(rng, len(self.types)),
            self.types,
            self.times_ms,
            self.paths,
            self.payloads,
            self.users,
            strict=True,
        ):
            url = SITE + path
            uid = "null" if user is None else f'"{user}"'
            out.append(
                f'{{"event_id":"{event_id}","event_type":"{event_type}",'
                f'"event_time":"{iso_ms(t)}","user_id":{uid},{shared},"page_url":"{url}",'
                f'"referrer":{referrer},"schema_version":1{payload}}}'.encode()
            )
            referrer = f'"{url}"'
        return out


def shared_members(anonymous_id: str, session_id: str, ip: str, user_agent: str) -> str:
    """The members shared by a session's events, JSON-escaped once per session."""
    text: str = orjson.dumps(
        {"anonymous_id": anonymous_id, "session_id": session_id, "ip": ip, "user_agent": user_agent}
    ).decode()
    return text[1:-1]


def _items_json(items: list[tuple[Product, int, str]]) -> str:
    parts = (
        f'{{"product_id":"{p.product_id}","quantity":{q},"unit_price":"{price}"}}'
        for p, q, price in items
    )
    return "[" + ",".join(parts) + "]"


class SessionSimulator:
    def __init__(self, catalog: Catalog, funnel: Funnel, rng: random.Random) -> None:
        self.catalog = catalog
        self.funnel = funnel
        self.rng = rng
        # product_view members per (product, currency): the most frequent event, prebuilt.
        self._view_payload: dict[tuple[str, str], str] = {}

    def _view(self, product: Product, currency: str) -> str:
        key = (product.product_id, currency)
        payload = self._view_payload.get(key)
        if payload is None:
            price = self.catalog.price_text(product, currency)
            payload = self._view_payload[key] = (
                f',"product_id":"{product.product_id}","category":"{product.category}",'
                f'"price":"{price}","currency":"{currency}"'
            )
        return payload

    # --- human sessions ----------------------------------------------------------------------
    def human(self, person: Person, device: Device, start_ms: int) -> SessionEvents:
        rng, funnel, catalog = self.rng, self.funnel, self.catalog
        expovariate, random_ = rng.expovariate, rng.random
        session_id = f"S{rng.getrandbits(64):016x}"
        currency = person.currency
        out = SessionEvents(
            person.country,
            False,
            device.anonymous_id,
            session_id,
            shared_members(device.anonymous_id, session_id, device.ip, device.user_agent),
            None,
        )
        clock = [start_ms]
        add = out.add

        def emit(event_type: str, path: str, payload: str) -> None:
            t = clock[0]
            add(event_type, t, path, payload, person.user_id if device.logged_in else None)
            clock[0] = t + 1_000 + int(expovariate(GAP_RATE))

        def identify(signup_allowed: bool) -> None:
            if device.logged_in:
                return
            method = rng.choice(SIGN_IN_METHODS)
            if person.signed_up:
                device.logged_in = True
                emit(
                    "user_login", "/account/login", f',"email":"{person.email}","method":"{method}"'
                )
            elif signup_allowed:
                person.signed_up = device.logged_in = True
                emit(
                    "user_signup",
                    "/account/signup",
                    f',"email":"{person.email}","method":"{method}"',
                )

        source = rng.choices(TRAFFIC_SOURCES, cum_weights=TRAFFIC_CUM)[0]
        out.referrer = REFERRERS.get(source)
        landing = rng.choice(["/", "/", f"/c/{rng.choice(catalog.categories)}"])
        if source == "email":
            landing += "?utm_source=newsletter"
        elif source == "paid_search":
            landing += f"?gclid={rng.getrandbits(48):012x}"
        emit("session_start", landing, f',"traffic_source":"{source}"')
        if person.signed_up and not device.logged_in and random_() < funnel.login_rate:
            identify(signup_allowed=False)
        if random_() < BOUNCE_RATE:
            emit("page_view", landing.split("?")[0], ',"page_type":"home"')
            return out

        viewed: list[Product] = []
        for _ in range(1 + int(expovariate(1 / 2.5))):
            roll = random_()
            if roll < 0.25:
                term = rng.choice(SEARCH_TERMS)
                emit(
                    "search",
                    f"/search?q={term.replace(' ', '+')}",
                    f',"query":"{term}","results_count":{int(random_() * 120)}',
                )
            elif roll < 0.45:
                emit("page_view", f"/c/{rng.choice(catalog.categories)}", ',"page_type":"category"')
            for product in catalog.pick(rng, 1 + int(expovariate(1 / 1.2))):
                viewed.append(product)
                emit("product_view", f"/p/{product.product_id}", self._view(product, currency))

        if not person.signed_up and random_() < funnel.signup_rate / 2:
            identify(signup_allowed=True)
        if not viewed or random_() >= funnel.view_to_cart:
            if not person.signed_up and random_() < funnel.signup_rate / 2:
                identify(signup_allowed=True)
            return out

        cart: dict[str, tuple[Product, int]] = {}
        for product in rng.sample(viewed, k=min(len(viewed), 1 + int(expovariate(1 / 0.7)))):
            quantity = 1 if random_() < 0.8 else rng.randint(2, 4)
            cart[product.product_id] = (product, quantity)
            price = catalog.price_text(product, currency)
            emit(
                "add_to_cart",
                f"/p/{product.product_id}",
                f',"product_id":"{product.product_id}","quantity":{quantity},'
                f'"unit_price":"{price}","currency":"{currency}"',
            )
        if random_() < 0.15:
            pid = rng.choice(list(cart))
            product, quantity = cart.pop(pid)
            price = catalog.price_text(product, currency)
            emit(
                "remove_from_cart",
                "/cart",
                f',"product_id":"{pid}","quantity":{quantity},"unit_price":"{price}",'
                f'"currency":"{currency}"',
            )
        if not cart or random_() >= funnel.cart_to_checkout:
            return out

        if random_() < 0.6:
            identify(signup_allowed=True)  # most shoppers sign in to check out; others are guests
        lines = [(p, q, catalog.price_text(p, currency)) for p, q in cart.values()]
        items = _items_json(lines)
        total = sum((catalog.price(p, currency) * q for p, q, _ in lines), Decimal(0))
        total_text = fmt(total, currency)
        emit(
            "checkout_started",
            "/checkout",
            f',"currency":"{currency}","items":{items},"total":"{total_text}"',
        )
        if random_() >= funnel.checkout_to_purchase:
            return out

        order_id = f"O{rng.getrandbits(64):016x}"
        purchase_ms = clock[0]
        payment = rng.choices(PAYMENT_METHODS, cum_weights=PAYMENT_CUM)[0]
        out.money[len(out)] = ("purchase", to_usd(total, currency))
        emit(
            "purchase",
            f"/checkout/confirmation/{order_id}",
            f',"order_id":"{order_id}","currency":"{currency}","items":{items},'
            f'"total":"{total_text}","payment_method":"{payment}"',
        )
        if random_() < funnel.refund_rate:
            _, quantity, price = lines[0]
            partial = len(lines) > 1 and random_() < 0.4
            amount = Decimal(price) * quantity if partial else total
            refund = SessionEvents(
                person.country, False, device.anonymous_id, session_id, out.shared, None
            )
            refund.add(
                "refund",
                purchase_ms + 3_600_000 + int(random_() * 35 * 3_600_000),
                f"/account/orders/{order_id}",
                f',"order_id":"{order_id}","currency":"{currency}",'
                f'"amount":"{fmt(amount, currency)}","reason":"{rng.choice(REFUND_REASONS)}"',
                person.user_id if device.logged_in else None,
            )
            refund.money[0] = ("refund", to_usd(amount, currency))
            out.refund = refund
        return out

    # --- crawlers ----------------------------------------------------------------------------
    def bot(self, country: str, ip: str, start_ms: int) -> SessionEvents:
        rng, catalog = self.rng, self.catalog
        agent = rng.choice(CRAWLERS)
        anonymous_id = f"A{rng.getrandbits(64):016x}"  # crawlers keep no cookies
        session_id = f"S{rng.getrandbits(64):016x}"
        out = SessionEvents(
            country,
            True,
            anonymous_id,
            session_id,
            shared_members(anonymous_id, session_id, ip, agent),
            None,
        )
        t = start_ms
        out.add("session_start", t, "/", ',"traffic_source":"direct"', None)
        for _ in range(5 + int(rng.expovariate(1 / 10))):
            t += 300 + int(rng.random() * 2_500)
            if rng.random() < 0.75:
                product = catalog.products[int(rng.random() * len(catalog.products))]
                out.add(
                    "product_view", t, f"/p/{product.product_id}", self._view(product, "USD"), None
                )
            else:
                out.add(
                    "page_view",
                    t,
                    f"/c/{rng.choice(catalog.categories)}",
                    ',"page_type":"category"',
                    None,
                )
        return out
