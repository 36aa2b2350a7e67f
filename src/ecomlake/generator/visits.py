"""Visits simulated a chunk at a time: per-session decisions in Python, per-event draws in numpy.

A visit walks a funnel: landing, browsing (searches, category pages, product views), maybe a
signup or login, a cart, checkout, a purchase, and hours later perhaps a refund. Bots crawl
product and category pages and never buy. The decisions that carry state (who visits, on which
device, whether they are known, what lands in the cart) are made per session; the draws that
are merely many (gaps between hits, which products are viewed, client jitter) are drawn for the
whole chunk at once, and the JSON of every event is built from prepared fragments.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from ecomlake.core.money import fmt, to_usd
from ecomlake.generator.agents import CRAWLERS
from ecomlake.generator.catalog import Catalog, Product
from ecomlake.generator.chunk import (
    ADD,
    CHECKOUT,
    LOGIN,
    PAGE,
    PURCHASE,
    REFUND,
    REMOVE,
    SEARCH,
    SIGNUP,
    START,
    VIEW,
    Chunk,
    Hits,
    shared_members,
)
from ecomlake.generator.geo import country_networks
from ecomlake.generator.options import Funnel
from ecomlake.generator.people import Device, Person, Population

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
BOUNCE_RATE = 0.30
BUSY = 1 << 62


@dataclass(slots=True)
class _Plan:
    """A session's decisions before its browsing is drawn."""

    index: int
    steps: int  # browse steps (humans) or crawled pages (bots)
    person: Person | None = None
    device: Device | None = None
    bounce: bool = False
    head: Hits = field(default_factory=Hits)  # the first hits, decided up front

    @property
    def who(self) -> tuple[Person, Device]:
        assert self.person is not None and self.device is not None
        return self.person, self.device


class ChunkSimulator:
    def __init__(
        self,
        catalog: Catalog,
        funnel: Funnel,
        population: Population,
        rng: random.Random,
        np_rng: np.random.Generator,
        bot_ratio: float,
    ) -> None:
        self.catalog = catalog
        self.funnel = funnel
        self.population = population
        self.rng = rng
        self.np_rng = np_rng
        self.bot_ratio = bot_ratio
        self.cum = np.asarray(catalog.cum_weights)
        self._views_by_currency: dict[str, list[str]] = {}
        self.view_paths = [f"/p/{p.product_id}" for p in catalog.products]

    def simulate(self, starts: list[int], countries: list[str]) -> Chunk:
        """Sessions starting at `starts` (ascending) in `countries`; their events' times are
        returned by `times` once the chunk is assembled."""
        chunk = Chunk()
        plans: list[_Plan] = []
        for index, (start, country) in enumerate(zip(starts, countries, strict=True)):
            plans.append(self._plan(chunk, index, start, country))
        # Browsing, drawn for the whole chunk at once.
        np_rng = self.np_rng
        steps = sum(p.steps for p in plans)
        rolls = np_rng.random(steps).tolist()
        picks_per_step = (1 + np.floor(np_rng.exponential(1.2, steps))).astype(np.int64)
        total = self.cum[-1]
        picks = np.searchsorted(
            self.cum, np_rng.random(int(picks_per_step.sum())) * total, side="right"
        ).tolist()
        crawl = np_rng.integers(0, len(self.catalog.products), steps).tolist()
        extras = np_rng.integers(0, 1 << 30, steps).tolist()
        step, pick = 0, 0
        counts = picks_per_step.tolist()
        for plan in plans:
            chunk.extend(plan.head)
            own = slice(step, step + plan.steps)  # this session's share of the draws
            step += plan.steps
            if chunk.bots[plan.index]:
                self._crawl(chunk, plan, rolls[own], crawl[own], extras[own])
                continue
            viewed = picks[pick : pick + sum(counts[own])]
            pick += len(viewed)
            self._browse(chunk, plan, rolls[own], extras[own], counts[own], viewed)
            self._tail(chunk, plan, viewed)
        return chunk

    # --- per session ---------------------------------------------------------------------
    def _plan(self, chunk: Chunk, index: int, start: int, country: str) -> _Plan:
        rng, funnel = self.rng, self.funnel
        chunk.countries.append(country)
        chunk.starts.append(start)
        if rng.random() < self.bot_ratio:
            agent = CRAWLERS[int(rng.random() * len(CRAWLERS))]
            anon = f"A{rng.getrandbits(64):016x}"  # crawlers keep no cookies
            session_id = f"S{rng.getrandbits(64):016x}"
            ip = country_networks(country).sample(rng)
            chunk.bots.append(True)
            chunk.devices.append(None)
            chunk.anons.append(anon)
            chunk.keys.append(session_id.encode())
            chunk.shared.append(shared_members(anon, session_id, ip, agent))
            chunk.referrers.append("null")
            plan = _Plan(index, 5 + int(rng.expovariate(1 / 10)))
            plan.head.add(index, START, "/", ',"traffic_source":"direct"', None)
            return plan
        person, device = self.population.visitor(country, start)
        # Taken for the rest of the chunk: its state (logged in or not) is only final once the
        # chunk is assembled; then it is free again 30 min after its last hit (see `times`).
        device.busy_until_ms = BUSY
        session_id = f"S{rng.getrandbits(64):016x}"
        chunk.bots.append(False)
        chunk.devices.append(device)
        chunk.anons.append(device.anonymous_id)
        chunk.keys.append(session_id.encode())
        chunk.shared.append(
            shared_members(device.anonymous_id, session_id, device.ip, device.user_agent)
        )
        source = TRAFFIC_SOURCES[bisect.bisect(TRAFFIC_CUM, rng.random() * TRAFFIC_CUM[-1])]
        referrer = REFERRERS.get(source)
        chunk.referrers.append("null" if referrer is None else f'"{referrer}"')
        categories = self.catalog.categories
        roll = rng.random()
        landing = f"/c/{categories[int(roll * 3 * len(categories)) % len(categories)]}"
        if roll < 2 / 3:
            landing = "/"  # two in three visits land on the home page
        if source == "email":
            landing += "?utm_source=newsletter"
        elif source == "paid_search":
            landing += f"?gclid={rng.getrandbits(48):012x}"
        plan = _Plan(index, 0, person, device)
        head = plan.head
        head.add(index, START, landing, f',"traffic_source":"{source}"', self._user(plan))
        if person.signed_up and not device.logged_in and rng.random() < funnel.login_rate:
            self._identify(head, plan, signup_allowed=False)
        if rng.random() < BOUNCE_RATE:
            plan.bounce = True
            head.add(index, PAGE, landing.split("?")[0], ',"page_type":"home"', self._user(plan))
            return plan
        plan.steps = 1 + int(rng.expovariate(1 / 2.5))
        return plan

    @staticmethod
    def _user(plan: _Plan) -> str | None:
        person, device = plan.who
        return person.user_id if device.logged_in else None

    def _identify(self, chunk: Chunk | Hits, plan: _Plan, signup_allowed: bool) -> None:
        person, device = plan.who
        if device.logged_in:
            return
        method = SIGN_IN_METHODS[int(self.rng.random() * len(SIGN_IN_METHODS))]
        payload = f',"email":"{person.email}","method":"{method}"'
        if person.signed_up:
            device.logged_in = True
            chunk.add(plan.index, LOGIN, "/account/login", payload, self._user(plan))
        elif signup_allowed:
            person.signed_up = device.logged_in = True
            chunk.add(plan.index, SIGNUP, "/account/signup", payload, self._user(plan))

    def _browse(
        self,
        chunk: Chunk,
        plan: _Plan,
        rolls: list[float],
        extras: list[int],
        counts: list[int],
        viewed: list[int],
    ) -> None:
        """A session's browsing: per step maybe a search or a category page, then product
        views (`viewed`, in order). The hottest loop of the generator: plain list appends."""
        person, device = plan.who
        user = person.user_id if device.logged_in else None  # no sign-in while browsing
        index, categories = plan.index, self.catalog.categories
        view_paths, view_payloads = self.view_paths, self._views_in(person.currency)
        sessions, types, paths, payloads = chunk.session, chunk.types, chunk.paths, chunk.payloads
        users, cents, refund_of = chunk.users, chunk.cents, chunk.refund_of
        position = 0
        for roll, extra, count in zip(rolls, extras, counts, strict=True):
            if roll < 0.45:
                if roll < 0.25:
                    term = SEARCH_TERMS[extra % len(SEARCH_TERMS)]
                    types.append(SEARCH)
                    paths.append(f"/search?q={term.replace(' ', '+')}")
                    payloads.append(f',"query":"{term}","results_count":{extra % 120}')
                else:
                    types.append(PAGE)
                    paths.append(f"/c/{categories[extra % len(categories)]}")
                    payloads.append(',"page_type":"category"')
                sessions.append(index)
                users.append(user)
                cents.append(0)
                refund_of.append(-1)
            for product in viewed[position : position + count]:
                sessions.append(index)
                types.append(VIEW)
                paths.append(view_paths[product])
                payloads.append(view_payloads[product])
                users.append(user)
                cents.append(0)
                refund_of.append(-1)
            position += count

    def _views_in(self, currency: str) -> list[str]:
        """product_view members of every product in `currency` (the most frequent event),
        built once per currency."""
        views = self._views_by_currency.get(currency)
        if views is None:
            price = self.catalog.price_text
            views = self._views_by_currency[currency] = [
                f',"product_id":"{p.product_id}","category":"{p.category}",'
                f'"price":"{price(p, currency)}","currency":"{currency}"'
                for p in self.catalog.products
            ]
        return views

    def _crawl(
        self, chunk: Chunk, plan: _Plan, rolls: list[float], crawl: list[int], extras: list[int]
    ) -> None:
        categories, views = self.catalog.categories, self._views_in("USD")
        for roll, product, extra in zip(rolls, crawl, extras, strict=True):
            if roll < 0.75:
                chunk.add(plan.index, VIEW, self.view_paths[product], views[product], None)
            else:
                chunk.add(
                    plan.index,
                    PAGE,
                    f"/c/{categories[extra % len(categories)]}",
                    ',"page_type":"category"',
                    None,
                )

    def _tail(self, chunk: Chunk, plan: _Plan, viewed: list[int]) -> None:
        """Signup, cart, checkout, purchase and refund: the stateful end of a visit."""
        if plan.bounce:
            return
        rng, funnel, catalog = self.rng, self.funnel, self.catalog
        person, index = plan.who[0], plan.index
        currency = person.currency
        if not person.signed_up and rng.random() < funnel.signup_rate / 2:
            self._identify(chunk, plan, signup_allowed=True)
        if not viewed or rng.random() >= funnel.view_to_cart:
            if not person.signed_up and rng.random() < funnel.signup_rate / 2:
                self._identify(chunk, plan, signup_allowed=True)
            return
        products = [catalog.products[i] for i in viewed]
        cart: dict[str, tuple[Product, int]] = {}
        for product in rng.sample(
            products, k=min(len(products), 1 + int(rng.expovariate(1 / 0.7)))
        ):
            quantity = 1 if rng.random() < 0.8 else rng.randint(2, 4)
            cart[product.product_id] = (product, quantity)
            price = catalog.price_text(product, currency)
            chunk.add(
                index,
                ADD,
                f"/p/{product.product_id}",
                f',"product_id":"{product.product_id}","quantity":{quantity},'
                f'"unit_price":"{price}","currency":"{currency}"',
                self._user(plan),
            )
        if rng.random() < 0.15:
            pid = rng.choice(list(cart))
            product, quantity = cart.pop(pid)
            price = catalog.price_text(product, currency)
            chunk.add(
                index,
                REMOVE,
                "/cart",
                f',"product_id":"{pid}","quantity":{quantity},"unit_price":"{price}",'
                f'"currency":"{currency}"',
                self._user(plan),
            )
        if not cart or rng.random() >= funnel.cart_to_checkout:
            return
        if rng.random() < 0.6:
            self._identify(chunk, plan, signup_allowed=True)  # most sign in; others are guests
        lines = [(p, q, catalog.price_text(p, currency)) for p, q in cart.values()]
        items = (
            "["
            + ",".join(
                f'{{"product_id":"{p.product_id}","quantity":{q},"unit_price":"{price}"}}'
                for p, q, price in lines
            )
            + "]"
        )
        total = sum((catalog.price(p, currency) * q for p, q, _ in lines), Decimal(0))
        total_text = fmt(total, currency)
        chunk.add(
            index,
            CHECKOUT,
            "/checkout",
            f',"currency":"{currency}","items":{items},"total":"{total_text}"',
            self._user(plan),
        )
        if rng.random() >= funnel.checkout_to_purchase:
            return
        order_id = f"O{rng.getrandbits(64):016x}"
        payment = PAYMENT_METHODS[bisect.bisect(PAYMENT_CUM, rng.random() * PAYMENT_CUM[-1])]
        purchase = len(chunk)
        chunk.add(
            index,
            PURCHASE,
            f"/checkout/confirmation/{order_id}",
            f',"order_id":"{order_id}","currency":"{currency}","items":{items},'
            f'"total":"{total_text}","payment_method":"{payment}"',
            self._user(plan),
            cents=int(to_usd(total, currency) * 100),
        )
        if rng.random() < funnel.refund_rate:
            _, quantity, price = lines[0]
            partial = len(lines) > 1 and rng.random() < 0.4
            amount = Decimal(price) * quantity if partial else total
            reason = REFUND_REASONS[int(rng.random() * len(REFUND_REASONS))]
            chunk.add(
                index,
                REFUND,
                f"/account/orders/{order_id}",
                f',"order_id":"{order_id}","currency":"{currency}",'
                f'"amount":"{fmt(amount, currency)}","reason":"{reason}"',
                self._user(plan),
                cents=int(to_usd(amount, currency) * 100),
                refund_of=purchase,
            )
