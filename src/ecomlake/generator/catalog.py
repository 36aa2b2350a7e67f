"""The product catalog: categories, products with USD list prices, and their popularity."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from decimal import Decimal

from ecomlake.core.money import RATES_TO_USD, fmt, local_price

# category -> (number of products, low and high USD list price)
CATEGORIES: dict[str, tuple[int, int, int]] = {
    "electronics": (60, 25, 1200),
    "computers": (30, 300, 2500),
    "phones": (25, 150, 1300),
    "home": (80, 8, 400),
    "kitchen": (60, 6, 300),
    "fashion": (120, 10, 250),
    "shoes": (50, 30, 220),
    "beauty": (60, 5, 90),
    "sports": (50, 10, 600),
    "toys": (50, 5, 120),
    "books": (100, 5, 60),
    "grocery": (60, 2, 40),
}


@dataclass(frozen=True)
class Product:
    product_id: str
    category: str
    price_usd: Decimal


class Catalog:
    """Deterministic for a seed. Popularity is Zipf-like: a few products get most views."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed ^ 0xCA7A)
        products: list[Product] = []
        for category, (count, low, high) in CATEGORIES.items():
            for _ in range(count):
                # Log-uniform prices: many cheap items, a long tail of expensive ones.
                price = Decimal(str(round(low * (high / low) ** rng.random(), 0))) + Decimal("0.99")
                products.append(Product(f"P{len(products) + 1:05d}", category, price))
        rng.shuffle(products)
        self.products = products
        weights = [1.0 / (rank + 1) ** 0.9 for rank in range(len(products))]
        self.cum_weights = list(itertools.accumulate(weights))
        self.by_id = {p.product_id: p for p in products}
        self.categories = list(CATEGORIES)
        # Shelf prices per currency, computed once: the simulator asks for them constantly.
        self._prices = {
            (p.product_id, cur): local_price(p.price_usd, cur)
            for p in products
            for cur in RATES_TO_USD
        }
        self._texts = {key: fmt(value, key[1]) for key, value in self._prices.items()}

    def price(self, product: Product, currency: str) -> Decimal:
        return self._prices[product.product_id, currency]

    def price_text(self, product: Product, currency: str) -> str:
        return self._texts[product.product_id, currency]
