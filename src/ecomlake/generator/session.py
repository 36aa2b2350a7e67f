"""One visit, simulated step by step: landing, browsing, the cart funnel, checkout, purchase.

A session returns its events in time order (dicts in the v1 contract's field order) plus an
optional refund that happens hours later. Bots crawl and never buy.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ecomlake.generator.agents import CRAWLERS
from ecomlake.generator.catalog import Catalog, Product
from ecomlake.generator.ids import random_uuid4
from ecomlake.generator.money import fmt
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
PAYMENT_METHODS = ["card", "paypal", "apple_pay", "google_pay", "bank_transfer"]
PAYMENT_CUM = list(itertools.accumulate([0.55, 0.2, 0.12, 0.1, 0.03]))
REFUND_REASONS = ["damaged", "not_as_described", "late_delivery", "changed_mind", "other"]
MEAN_GAP_MS = 18_000
GAP_RATE = 1.0 / MEAN_GAP_MS
BOUNCE_RATE = 0.30


@dataclass
class _Trail:
    """Where a visitor is: the clock of their next hit and the page they came from."""

    t: int
    referrer: str | None = None


@dataclass
class SessionEvents:
    """A simulated session: its events in time order and an optional later refund."""

    events: list[dict[str, Any]]
    times_ms: list[int]
    country: str
    is_bot: bool
    refund: dict[str, Any] | None = None
    refund_ms: int = 0
    order_ids: list[str] = field(default_factory=list)


class SessionSimulator:
    def __init__(self, catalog: Catalog, funnel: Funnel, rng: random.Random) -> None:
        self.catalog = catalog
        self.funnel = funnel
        self.rng = rng

    # --- helpers -----------------------------------------------------------------------------
    def _uuid(self) -> str:
        return random_uuid4(self.rng)

    def _price(self, product: Product, currency: str) -> Decimal:
        return self.catalog.price(product, currency)

    def _price_text(self, product: Product, currency: str) -> str:
        return self.catalog.price_text(product, currency)

    # --- human sessions ----------------------------------------------------------------------
    def human(self, person: Person, device: Device, start_ms: int) -> SessionEvents:
        rng, funnel = self.rng, self.funnel
        expovariate = rng.expovariate
        session_id = f"S{rng.getrandbits(64):016x}"
        currency = person.currency
        out = SessionEvents([], [], person.country, False)
        state = _Trail(start_ms)

        def emit(event_type: str, path: str, **payload: Any) -> None:
            url = SITE + path
            t = state.t
            out.events.append(
                {
                    "event_id": random_uuid4(rng),
                    "event_type": event_type,
                    "event_time": iso_ms(t),
                    "user_id": person.user_id if device.logged_in else None,
                    "anonymous_id": device.anonymous_id,
                    "session_id": session_id,
                    "ip": device.ip,
                    "user_agent": device.user_agent,
                    "page_url": url,
                    "referrer": state.referrer,
                    "schema_version": 1,
                    **payload,
                }
            )
            out.times_ms.append(t)
            state.referrer = url
            state.t = t + 1_000 + int(expovariate(GAP_RATE))

        def identify(signup_allowed: bool) -> None:
            if device.logged_in:
                return
            if person.signed_up:
                device.logged_in = True
                emit(
                    "user_login",
                    "/account/login",
                    email=person.email,
                    method=rng.choice(["email", "email", "google", "apple"]),
                )
            elif signup_allowed:
                person.signed_up = device.logged_in = True
                emit(
                    "user_signup",
                    "/account/signup",
                    email=person.email,
                    method=rng.choice(["email", "email", "google", "apple"]),
                )

        source = rng.choices(TRAFFIC_SOURCES, cum_weights=TRAFFIC_CUM)[0]
        state.referrer = REFERRERS.get(source)
        landing = rng.choice(["/", "/", f"/c/{rng.choice(self.catalog.categories)}"])
        if source == "email":
            landing += "?utm_source=newsletter"
        elif source == "paid_search":
            landing += f"?gclid={rng.getrandbits(48):012x}"
        emit("session_start", landing, traffic_source=source)
        if person.signed_up and not device.logged_in and rng.random() < funnel.login_rate:
            identify(signup_allowed=False)
        if rng.random() < BOUNCE_RATE:
            emit("page_view", landing.split("?")[0], page_type="home")
            return out

        viewed: list[Product] = []
        for _ in range(1 + int(rng.expovariate(1 / 2.5))):
            roll = rng.random()
            if roll < 0.25:
                term = rng.choice(SEARCH_TERMS)
                emit(
                    "search",
                    f"/search?q={term.replace(' ', '+')}",
                    query=term,
                    results_count=rng.randrange(0, 120),
                )
            elif roll < 0.45:
                category = rng.choice(self.catalog.categories)
                emit("page_view", f"/c/{category}", page_type="category")
            for product in self.catalog.pick(rng, 1 + int(rng.expovariate(1 / 1.2))):
                viewed.append(product)
                emit(
                    "product_view",
                    f"/p/{product.product_id}",
                    product_id=product.product_id,
                    category=product.category,
                    price=self._price_text(product, currency),
                    currency=currency,
                )

        if not person.signed_up and rng.random() < funnel.signup_rate / 2:
            identify(signup_allowed=True)
        if not viewed or rng.random() >= funnel.view_to_cart:
            if not person.signed_up and rng.random() < funnel.signup_rate / 2:
                identify(signup_allowed=True)
            return out

        cart: dict[str, tuple[Product, int]] = {}
        for product in rng.sample(viewed, k=min(len(viewed), 1 + int(rng.expovariate(1 / 0.7)))):
            quantity = 1 if rng.random() < 0.8 else rng.randint(2, 4)
            cart[product.product_id] = (product, quantity)
            emit(
                "add_to_cart",
                f"/p/{product.product_id}",
                product_id=product.product_id,
                quantity=quantity,
                unit_price=self._price_text(product, currency),
                currency=currency,
            )
        if rng.random() < 0.15:
            pid = rng.choice(list(cart))
            product, quantity = cart.pop(pid)
            emit(
                "remove_from_cart",
                "/cart",
                product_id=pid,
                quantity=quantity,
                unit_price=self._price_text(product, currency),
                currency=currency,
            )
        if not cart or rng.random() >= funnel.cart_to_checkout:
            return out

        if rng.random() < 0.6:
            identify(signup_allowed=True)  # most shoppers sign in to check out; others are guests
        items: list[dict[str, Any]] = [
            {"product_id": pid, "quantity": q, "unit_price": self._price_text(p, currency)}
            for pid, (p, q) in cart.items()
        ]
        total = sum((self._price(p, currency) * q for p, q in cart.values()), Decimal(0))
        emit(
            "checkout_started",
            "/checkout",
            currency=currency,
            items=items,
            total=fmt(total, currency),
        )
        if rng.random() >= funnel.checkout_to_purchase:
            return out

        order_id = f"O{rng.getrandbits(64):016x}"
        purchase_ms = state.t
        emit(
            "purchase",
            f"/checkout/confirmation/{order_id}",
            order_id=order_id,
            currency=currency,
            items=items,
            total=fmt(total, currency),
            payment_method=rng.choices(PAYMENT_METHODS, cum_weights=PAYMENT_CUM)[0],
        )
        out.order_ids.append(order_id)
        if rng.random() < funnel.refund_rate:
            partial = len(items) > 1 and rng.random() < 0.4
            amount = (Decimal(items[0]["unit_price"]) * items[0]["quantity"]) if partial else total
            state.t = purchase_ms + rng.randrange(3_600_000, 36 * 3_600_000)
            state.referrer = None
            refund = len(out.events)
            emit(
                "refund",
                f"/account/orders/{order_id}",
                order_id=order_id,
                currency=currency,
                amount=fmt(amount, currency),
                reason=rng.choice(REFUND_REASONS),
            )
            out.refund, out.refund_ms = out.events.pop(refund), out.times_ms.pop(refund)
        return out

    # --- crawlers ----------------------------------------------------------------------------
    def bot(self, country: str, ip: str, start_ms: int) -> SessionEvents:
        rng = self.rng
        agent = rng.choice(CRAWLERS)
        anonymous_id = f"A{rng.getrandbits(64):016x}"  # crawlers keep no cookies
        session_id = f"S{rng.getrandbits(64):016x}"
        out = SessionEvents([], [], country, True)
        t = start_ms
        pages = 6 + int(rng.expovariate(1 / 10))
        for i in range(pages):
            if i == 0:
                event_type, path, payload = "session_start", "/", {"traffic_source": "direct"}
            elif rng.random() < 0.75:
                product = self.catalog.products[rng.randrange(len(self.catalog.products))]
                event_type, path = "product_view", f"/p/{product.product_id}"
                payload = {
                    "product_id": product.product_id,
                    "category": product.category,
                    "price": fmt(product.price_usd, "USD"),
                    "currency": "USD",
                }
            else:
                event_type, path = "page_view", f"/c/{rng.choice(self.catalog.categories)}"
                payload = {"page_type": "category"}
            event: dict[str, Any] = {
                "event_id": self._uuid(),
                "event_type": event_type,
                "event_time": iso_ms(t),
                "user_id": None,
                "anonymous_id": anonymous_id,
                "session_id": session_id,
                "ip": ip,
                "user_agent": agent,
                "page_url": SITE + path,
                "referrer": None,
                "schema_version": 1,
            }
            event.update(payload)
            out.events.append(event)
            out.times_ms.append(t)
            t += 300 + rng.randrange(2_500)
        return out
