"""The curated layer's logic as pure DataFrame -> DataFrame functions (no I/O, no session).

Order of application (see `etl.py`):

    raw.events -> clean_events -> first_copies -> stitch(identity_links) -> [cluster by person]
               -> deduplicate
               -> sessionize -> flag_bots -> with_value_base = curated.events  (curate_events)
    curated.events -> build_sessions, build_orders, build_order_items, build_customers
"""

from __future__ import annotations

from decimal import Decimal

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DecimalType, IntegerType, StringType, StructField, StructType

from ecomlake.core.money import MINOR_DIGITS, RATES_TO_USD

MONEY = DecimalType(14, 2)
RATE = DecimalType(12, 6)
USD = DecimalType(16, 2)
BROWSING = ("page_view", "product_view")
# Refunds are back-office events hours after the visit: they belong to an order, not a session.
SESSIONLESS = ("refund",)

# curated.events, in column order: the raw fields minus direct identifiers, plus derivations.
EVENT_COLUMNS = [
    "event_id", "event_type", "event_time", "event_date", "person_id", "user_id",
    "anonymous_id", "session_id", "client_session_id", "page_url", "referrer",
    "traffic_source", "page_type", "product_id", "category", "price", "currency", "quantity",
    "unit_price", "query", "results_count", "order_id", "items", "total", "payment_method",
    "amount", "value_base", "reason", "email_hash", "method", "ip_prefix", "country_code",
    "country_name", "as_org", "user_agent", "device_type", "browser", "os", "is_bot",
    "bot_rule", "kafka_partition", "kafka_offset", "ingest_time",
]  # fmt: skip
# What clean_events keeps: the columns that do not depend on other events.
BASE_COLUMNS = [
    c
    for c in EVENT_COLUMNS
    if c not in ("person_id", "session_id", "value_base", "is_bot", "bot_rule")
] + ["ua_bot"]


def currency_rates(spark: SparkSession) -> DataFrame:
    """The generator's fixed rates table as a dimension (USD per unit, minor-unit digits)."""
    schema = StructType(
        [
            StructField("currency", StringType(), False),
            StructField("rate_to_usd", RATE, False),
            StructField("minor_digits", IntegerType(), False),
        ]
    )
    rows = [
        (code, Decimal(rate), MINOR_DIGITS[code]) for code, rate in sorted(RATES_TO_USD.items())
    ]
    return spark.createDataFrame(rows, schema)


def truncate_ip(ip: Column) -> Column:
    """IPv4 to its /24 (a.b.c.0); IPv6 to its /48 (first three groups). The contract has
    validated the address already: string functions suffice (no regex per row)."""
    return (
        F.when(ip.contains(":"), F.concat(F.lower(F.substring_index(ip, ":", 3)), F.lit("::")))
        .when(ip.contains("."), F.concat(F.substring_index(ip, ".", 3), F.lit(".0")))
        .otherwise(F.lit(None).cast("string"))
    )


def clean_events(raw: DataFrame, salt: str) -> DataFrame:
    """Typed and pseudonymized: the email becomes a salted SHA-256, the IP its network prefix;
    the raw values stay in the raw layer only."""
    email = F.lower(F.trim(F.col("email")))
    derived = {
        "event_time": F.col("event_time").cast("timestamp"),
        "ingest_time": F.col("ingest_time").cast("timestamp"),
        "client_session_id": F.col("session_id"),
        "email_hash": F.when(email.isNotNull(), F.sha2(F.concat(F.lit(salt), email), 256)),
        "ip_prefix": truncate_ip(F.col("ip")),
        "ua_bot": F.coalesce(F.col("is_bot"), F.lit(False)),
    }
    return raw.select(*[derived.get(c, F.col(c)).alias(c) for c in BASE_COLUMNS])


def arrival() -> Column:
    """Where and when a copy of an event arrived: the order that decides which copy is first."""
    return F.struct("ingest_time", "kafka_partition", "kafka_offset")


def first_copies(events: DataFrame) -> DataFrame:
    """Of rows sharing an event_id, keep only the first copy ingested (then the lowest Kafka
    position), whoever they claim to be from.

    A re-send is an exact copy (`deduplicate` drops it inside its person's partition), but a
    producer that reuses an id for another person's event would leave two rows of one key, and
    a later MERGE would then fail on every run. Ids seen more than once are few (the stream job
    drops copies within its dedup window): only they are compared, on a broadcast list.
    """
    arrived = arrival()
    repeated = (
        events.groupBy("event_id")
        .agg(F.count(F.lit(1)).alias("_copies"), F.min(arrived).alias("_first"))
        .where("_copies > 1")
        .drop("_copies")
    )
    return (
        events.join(F.broadcast(repeated), "event_id", "left")
        .where(F.col("_first").isNull() | arrived.eqNullSafe(F.col("_first")))
        .drop("_first")
    )


def deduplicate(events: DataFrame, within: str | None = None) -> DataFrame:
    """One row per event_id: the first copy ingested (then the lowest Kafka position).

    `within` names a column every copy of an event shares (a re-send is an exact copy, so its
    person too): the window then needs no shuffle of its own on a frame clustered by it.
    """
    keys = [within, "event_id"] if within else ["event_id"]
    first = Window.partitionBy(*keys).orderBy("ingest_time", "kafka_partition", "kafka_offset")
    return events.withColumn("_n", F.row_number().over(first)).where("_n = 1").drop("_n")


def identity_links(events: DataFrame) -> DataFrame:
    """anonymous_id -> user_id for every device that ever carried a user_id (it signed up or
    logged in); the earliest such event decides if a device saw two accounts."""
    first = Window.partitionBy("anonymous_id").orderBy("event_time", "event_id")
    return (
        events.where(F.col("user_id").isNotNull() & F.col("anonymous_id").isNotNull())
        .select("anonymous_id", "user_id", "event_time", "event_id")
        .withColumn("_n", F.row_number().over(first))
        .where("_n = 1")
        .select("anonymous_id", F.col("user_id").alias("linked_user_id"))
    )


def stitch(events: DataFrame, links: DataFrame) -> DataFrame:
    """person_id: the device's linked user_id, else the event's user_id, else the device.
    The links are one row per identified device: small enough to broadcast."""
    return (
        events.join(F.broadcast(links), "anonymous_id", "left")
        .withColumn("person_id", F.coalesce("linked_user_id", "user_id", "anonymous_id"))
        .drop("linked_user_id")
    )


def _session_key(person: Column, start: Column) -> Column:
    return F.substring(
        F.sha2(F.concat_ws("|", person, F.date_format(start, "yyyy-MM-dd'T'HH:mm:ss.SSS")), 256),
        1,
        32,
    )


def sessionize(events: DataFrame, gap_min: float) -> DataFrame:
    """session_id from the person's own timeline: a new session after `gap_min` minutes without
    an event (the client's session_id is kept as client_session_id but not trusted). Refunds
    are back-office events hours after the visit: they carry no session."""
    sessionless = F.col("event_type").isin(*SESSIONLESS)
    timeline = Window.partitionBy("person_id", "_sessionless").orderBy("event_time", "event_id")
    seconds = F.col("event_time").cast("double")
    gap = seconds - F.lag(seconds).over(timeline)
    # The current session began at the latest time a session began: a running max over the
    # same ordered window (no second sort).
    began = F.max(F.when(F.col("_new") == 1, F.col("event_time"))).over(timeline)
    return (
        events.withColumn("_sessionless", sessionless)
        .withColumn("_new", F.when(gap.isNull() | (gap > gap_min * 60), 1).otherwise(0))
        .withColumn("_start", began)
        .withColumn(
            "session_id",
            F.when(~F.col("_sessionless"), _session_key(F.col("person_id"), F.col("_start"))),
        )
        .drop("_new", "_start", "_sessionless")
    )


def flag_bots(events: DataFrame, min_events: int, max_mean_gap_s: float) -> DataFrame:
    """is_bot: a crawler user agent, or a session of at least `min_events` hits coming on
    average faster than `max_mean_gap_s` apart (no person reads pages that fast for long)."""
    per_session = Window.partitionBy("person_id", "session_id")
    hits = F.count(F.lit(1)).over(per_session)
    span = F.max("event_time").over(per_session).cast("double") - F.min("event_time").over(
        per_session
    ).cast("double")
    fast = (
        F.col("session_id").isNotNull()
        & (hits >= min_events)
        & (span / (hits - 1) < max_mean_gap_s)
    )
    return (
        events.withColumn("_fast", fast)
        .withColumn(
            "bot_rule",
            F.when(F.col("ua_bot"), F.lit("user_agent")).when(F.col("_fast"), F.lit("behaviour")),
        )
        .withColumn("is_bot", F.col("bot_rule").isNotNull())
        .drop("_fast")
    )


def to_usd(amount: Column, rate: Column) -> Column:
    """Amount x rate, rounded half-even to cents: the generator's rule, so sums match."""
    return F.bround(amount.cast(MONEY) * rate, 2).cast(USD)


def with_value_base(events: DataFrame, rates: DataFrame) -> DataFrame:
    """value_base: a purchase's total or a refund's amount in USD (NULL for other events)."""
    value = F.when(F.col("event_type") == "purchase", F.col("total")).when(
        F.col("event_type") == "refund", F.col("amount")
    )
    return (
        events.join(F.broadcast(rates.select("currency", "rate_to_usd")), "currency", "left")
        .withColumn("value_base", to_usd(value, F.col("rate_to_usd")))
        .drop("rate_to_usd")
    )


def curate_events(
    base: DataFrame,
    rates: DataFrame,
    *,
    gap_min: float,
    bot_min_events: int,
    bot_max_mean_gap_s: float,
    partitions: int | None = None,
) -> DataFrame:
    """Base rows (copies allowed) -> curated.events rows, in column order.

    One shuffle: rows are clustered by person once; dedup, sessions and the bot rule are
    windows inside a person, so they reuse that clustering.
    """
    stitched = stitch(base, identity_links(base))
    clustered = (
        stitched.repartition(partitions, "person_id")
        if partitions
        else stitched.repartition("person_id")
    )
    unique = deduplicate(clustered, within="person_id")
    sessions = sessionize(unique, gap_min)
    bots = flag_bots(sessions, bot_min_events, bot_max_mean_gap_s)
    return with_value_base(bots, rates).select(*EVENT_COLUMNS)


def build_sessions(events: DataFrame) -> DataFrame:
    """One row per curated session (refunds excluded: they carry no session)."""
    first = Window.partitionBy("person_id", "session_id").orderBy("event_time", "event_id")
    ranked = events.where(F.col("session_id").isNotNull()).withColumn(
        "_n", F.row_number().over(first)
    )
    opening = ranked.where("_n = 1").select(
        "person_id",
        "session_id",
        F.col("page_url").alias("landing_page"),
        "device_type",
        "country_code",
        "traffic_source",
        F.col("client_session_id").alias("first_client_session_id"),
    )
    purchases = F.col("event_type") == "purchase"
    stats = ranked.groupBy("person_id", "session_id").agg(
        F.min("event_time").alias("session_start"),
        F.max("event_time").alias("session_end"),
        F.count(F.lit(1)).alias("events"),
        F.sum(F.col("event_type").isin(*BROWSING).cast("int")).alias("page_views"),
        F.max(purchases).alias("converted"),
        F.sum(purchases.cast("int")).alias("orders"),
        F.coalesce(F.sum(F.when(purchases, F.col("value_base"))), F.lit(0))
        .cast(USD)
        .alias("revenue_base"),
        F.max("is_bot").alias("is_bot"),
    )
    return (
        stats.join(opening, ["person_id", "session_id"])
        .withColumn("session_date", F.to_date("session_start"))
        .withColumn(
            "duration_s",
            (F.col("session_end").cast("double") - F.col("session_start").cast("double")).cast(
                "long"
            ),
        )
        .select(
            "session_id", "session_date", "person_id", "session_start", "session_end",
            "duration_s", "events", "page_views", "landing_page", "device_type",
            "country_code", "traffic_source", "converted", "orders", "revenue_base", "is_bot",
            "first_client_session_id",
        )
    )  # fmt: skip


def first_purchases(events: DataFrame) -> DataFrame:
    """The purchase event of each order_id (the earliest, should a shop ever send two)."""
    first = Window.partitionBy("order_id").orderBy("event_time", "event_id")
    return (
        events.where((F.col("event_type") == "purchase") & F.col("order_id").isNotNull())
        .withColumn("_n", F.row_number().over(first))
        .where("_n = 1")
        .drop("_n")
    )


def build_orders(events: DataFrame) -> DataFrame:
    """One row per order: its purchase and its refunds, in the order's currency and in USD."""
    purchases = first_purchases(events)
    refunds = (
        events.where((F.col("event_type") == "refund") & F.col("order_id").isNotNull())
        .groupBy("order_id")
        .agg(
            F.sum("value_base").cast(USD).alias("refunded_base"),
            F.count(F.lit(1)).alias("refunds"),
            F.max("event_time").alias("last_refund_time"),
        )
    )
    return purchases.join(refunds, "order_id", "left").select(
        "order_id",
        F.col("event_date").alias("order_date"),
        F.col("event_time").alias("order_time"),
        "person_id",
        "session_id",
        "currency",
        F.col("total").alias("order_total"),
        F.col("value_base").alias("order_total_base"),
        F.coalesce("refunded_base", F.lit(0).cast(USD)).alias("refunded_base"),
        F.coalesce("refunds", F.lit(0)).cast("int").alias("refunds"),
        "last_refund_time",
        "payment_method",
        F.size("items").alias("item_lines"),
        "country_code",
        "is_bot",
    )


def build_order_items(events: DataFrame, rates: DataFrame) -> DataFrame:
    """One row per order line, with its value in the order's currency and in USD."""
    lines = first_purchases(events).select(
        "order_id",
        F.col("event_date").alias("order_date"),
        "person_id",
        "currency",
        F.posexplode("items").alias("pos", "item"),
    )
    line_total = (F.col("item.quantity") * F.col("item.unit_price")).cast(MONEY)
    return lines.join(
        F.broadcast(rates.select("currency", "rate_to_usd")), "currency", "left"
    ).select(
        "order_id",
        (F.col("pos") + 1).alias("line_number"),
        "order_date",
        "person_id",
        F.col("item.product_id").alias("product_id"),
        F.col("item.quantity").alias("quantity"),
        F.col("item.unit_price").alias("unit_price"),
        "currency",
        line_total.alias("line_total"),
        to_usd(line_total, F.col("rate_to_usd")).alias("line_total_base"),
    )


def build_customers(events: DataFrame, orders: DataFrame) -> DataFrame:
    """One row per person: when first seen and where, signup, orders and lifetime value."""
    first = Window.partitionBy("person_id").orderBy("event_time", "event_id")
    opening = (
        events.withColumn("_n", F.row_number().over(first))
        .where("_n = 1")
        .select("person_id", F.col("country_code").alias("first_country_code"))
    )
    seen = events.groupBy("person_id").agg(
        F.min("event_time").alias("first_seen"),
        F.max("event_time").alias("last_seen"),
        F.min(F.when(F.col("event_type") == "user_signup", F.col("event_time"))).alias(
            "signup_time"
        ),
        F.max(F.col("user_id").isNotNull()).alias("is_identified"),
        F.countDistinct("anonymous_id").alias("devices"),
        F.min("is_bot").alias("is_bot"),  # a person is a bot when all their traffic is
    )
    bought = orders.groupBy("person_id").agg(
        F.min("order_time").alias("first_order_time"),
        F.count(F.lit(1)).alias("lifetime_orders"),
        F.sum("order_total_base").cast(USD).alias("lifetime_revenue_base"),
        F.sum("refunded_base").cast(USD).alias("lifetime_refunds_base"),
    )
    return (
        seen.join(opening, "person_id")
        .join(bought, "person_id", "left")
        .select(
            "person_id",
            F.to_date("first_seen").alias("first_seen_date"),
            "first_seen",
            "last_seen",
            "first_country_code",
            "signup_time",
            "first_order_time",
            F.coalesce("lifetime_orders", F.lit(0)).cast("long").alias("lifetime_orders"),
            F.coalesce("lifetime_revenue_base", F.lit(0).cast(USD)).alias("lifetime_revenue_base"),
            F.coalesce("lifetime_refunds_base", F.lit(0).cast(USD)).alias("lifetime_refunds_base"),
            "is_identified",
            "devices",
            "is_bot",
        )
    )
