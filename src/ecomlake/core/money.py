"""Currencies, the fixed rates table to USD, and exact decimal arithmetic (never floats)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

BASE_CURRENCY = "USD"

# USD value of one unit of each currency: a fixed table so every layer converts identically.
RATES_TO_USD: dict[str, Decimal] = {
    "USD": Decimal("1"),
    "EUR": Decimal("1.08"),
    "GBP": Decimal("1.27"),
    "CAD": Decimal("0.73"),
    "AUD": Decimal("0.66"),
    "JPY": Decimal("0.0067"),
    "BRL": Decimal("0.18"),
    "INR": Decimal("0.012"),
}

# Decimal places of each currency's minor unit (the yen has none).
MINOR_DIGITS: dict[str, int] = {code: (0 if code == "JPY" else 2) for code in RATES_TO_USD}

COUNTRY_CURRENCY: dict[str, str] = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "CA": "CAD",
    "AU": "AUD",
    "JP": "JPY",
    "BR": "BRL",
    "IN": "INR",
}

CENT = Decimal("0.01")


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_DIGITS[currency])


def to_usd(amount: Decimal, currency: str) -> Decimal:
    """Convert at the rates table, rounded half-even to cents (the rule every layer uses)."""
    return (amount * RATES_TO_USD[currency]).quantize(CENT, rounding=ROUND_HALF_EVEN)


def cents(amount: object) -> int:
    """A USD amount (Decimal, float, str or int from any engine) as whole cents, half-even:
    what reconciliations compare, so a float's 0.1 + 0.2 is still 30 cents."""
    return int((Decimal(str(amount)) * 100).to_integral_value(rounding=ROUND_HALF_EVEN))


def local_price(usd: Decimal, currency: str) -> Decimal:
    """A shelf price in the local currency: converted, then ending in .99 (or whole yen)."""
    raw = usd / RATES_TO_USD[currency]
    if MINOR_DIGITS[currency] == 0:
        return max(Decimal(10), (raw / 10).quantize(Decimal(1)) * 10)
    return max(Decimal("0.99"), raw.quantize(Decimal(1)) - Decimal("0.01"))


def fmt(amount: Decimal, currency: str) -> str:
    """The contract's decimal string: the currency's own number of decimals."""
    return str(amount.quantize(quantum(currency)))
