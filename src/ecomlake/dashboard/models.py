"""The JSON API's response shapes (they are what /openapi.json documents)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class MinutePoint(BaseModel):
    minute: str = Field(description="Start of the minute, ISO 8601 UTC")
    events: int
    orders: int
    revenue_usd: float
    active_users: int


class TopProduct(BaseModel):
    product_id: str
    category: str | None
    views: int
    cart_adds: int
    units: int = Field(description="Units bought in the live window")


class CountryRevenue(BaseModel):
    country_code: str
    revenue_usd: float
    orders: int


class Funnel(BaseModel):
    sessions: int = Field(description="Human sessions with an event today")
    product_view: int
    cart: int = Field(description="Sessions that viewed a product, then added to the cart")
    checkout: int
    purchase: int


class Today(BaseModel):
    events: int
    orders: int
    revenue_usd: float
    by_country: list[CountryRevenue]
    funnel: Funnel


class Pipeline(BaseModel):
    stream_job: str = Field(description="running | stopped")
    kafka: str = Field(description="up | down")
    consumer_lag: int | None = Field(description="Messages the stream job has not committed")
    last_commit_ms: int | None = Field(description="Time of raw.events' newest snapshot")
    commit_age_s: float | None = Field(description="Freshness: seconds since that commit")
    events_per_s: float = Field(description="Rows committed to raw.events, last 10 s")
    dlq_per_s: float = Field(description="Rows committed to raw.events_rejected, last 10 s")
    dlq_share: float
    airflow: dict[str, str] = Field(description="Each DAG's latest run state")


class LiveView(BaseModel):
    empty: bool = Field(description="True until the stream job has written any event")
    clock: str | None = Field(description="Stream clock: the newest event time in the lake")
    day: str | None = Field(description="The stream clock's day (UTC): what 'today' means")
    rows_read: int
    minutes: list[MinutePoint] = []
    active_users: int = 0
    active_window_min: int = 5
    top_products: list[TopProduct] = []
    today: Today | None = None
    pipeline: Pipeline | None = None
    updated_at_ms: int | None = None
    error: str | None = Field(None, description="Why the last refresh failed, if it did")


class MartAnswer(BaseModel):
    name: str
    start: str
    end: str
    stale: bool = Field(description="dbt held the warehouse: the last answer read is shown")
    rows: list[dict[str, Any]]


class Span(BaseModel):
    first: str | None = Field(description="First day in the marts (None: no marts yet)")
    last: str | None
    marts: list[str]
