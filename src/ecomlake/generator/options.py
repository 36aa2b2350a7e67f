"""Everything that shapes a generated stream; the manifest records it for reproduction."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ecomlake.errors import EcomlakeError
from ecomlake.generator.geo import DEFAULT_COUNTRY_MIX


@dataclass(frozen=True)
class Funnel:
    """Session-level conversion rates between the funnel steps."""

    view_to_cart: float = 0.32
    cart_to_checkout: float = 0.55
    checkout_to_purchase: float = 0.68
    refund_rate: float = 0.06  # share of orders refunded later
    signup_rate: float = 0.10  # anonymous sessions that sign up
    login_rate: float = 0.55  # sessions of known people on a not-yet-logged-in device


@dataclass(frozen=True)
class GeneratorOptions:
    events: int | None = 100_000
    duration_s: float | None = None
    rate: float = 0.0
    seed: int = 42
    days: float = 1.0
    end: datetime | None = None
    live: bool = False
    bad_ratio: float = 0.01
    dup_ratio: float = 0.01
    bot_ratio: float = 0.05
    late_ratio: float = 0.01
    jitter_ms: int = 2_000
    late_delay_s: tuple[float, float] = (120.0, 1_800.0)
    workers: int = 1
    country_mix: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_COUNTRY_MIX))
    funnel: Funnel = field(default_factory=Funnel)

    def __post_init__(self) -> None:
        for name in ("bad_ratio", "dup_ratio", "bot_ratio", "late_ratio"):
            value = getattr(self, name)
            if not 0.0 <= value < 1.0:
                raise EcomlakeError(f"--{name.replace('_', '-')} must be in [0, 1), got {value}")
        if self.bad_ratio + self.dup_ratio >= 0.5:
            raise EcomlakeError("--bad-ratio plus --dup-ratio must stay below 0.5")
        if self.events is not None and self.events < 1:
            raise EcomlakeError(f"--events must be at least 1, got {self.events}")
        if self.events is None and self.duration_s is None and not self.live:
            raise EcomlakeError("give --events N or --duration S (or --live)")
        if self.rate < 0:
            raise EcomlakeError(f"--rate must be >= 0, got {self.rate}")
        if self.live and self.rate <= 0:
            raise EcomlakeError("--live needs --rate R > 0 (events per second of wall time)")
        if not self.live and self.days <= 0:
            raise EcomlakeError(f"--days must be > 0 for a backfill, got {self.days}")
        if self.workers < 1:
            raise EcomlakeError(f"--workers must be >= 1, got {self.workers}")
        if not self.country_mix or any(w < 0 for w in self.country_mix.values()):
            raise EcomlakeError("the country mix needs at least one country with weight > 0")

    def window(self, now: datetime | None = None) -> tuple[datetime, datetime]:
        """The event-time window. A backfill ends at --end (default: today 00:00 UTC), so
        the same options give byte-identical events all day; live starts now."""
        now = now or datetime.now(UTC)
        if self.live:
            length = self.duration_s or (self.events or 0) / self.rate or 3_600.0
            return now, now + timedelta(seconds=length)
        end = self.end or now.replace(hour=0, minute=0, second=0, microsecond=0)
        return end - timedelta(days=self.days), end

    def describe(self) -> dict[str, Any]:
        out = asdict(self)
        out["end"] = self.end.isoformat() if self.end else None
        return out


def parse_country_mix(text: str) -> dict[str, float]:
    """`US=0.5,GB=0.2,DE=0.3` -> weights."""
    mix: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        code, _, weight = part.partition("=")
        try:
            mix[code.strip().upper()] = float(weight)
        except ValueError:
            raise EcomlakeError(
                f"bad --countries entry {part!r}: expected CODE=WEIGHT, e.g. US=0.5"
            ) from None
    return mix
