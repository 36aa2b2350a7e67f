"""The Python table function at the heart of the job: one Kafka message in, one row out.

The row is either a typed, enriched event or a rejection with its reason (`sql.SPLIT_COLUMNS`),
so the SQL downstream routes it with a flag and nothing is ever dropped. The geo-IP table is
loaded in `open`, once per task; counters and a freshness gauge go to Flink's metric system.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from pyflink.common import Row
from pyflink.table.udf import FunctionContext, TableFunction, udtf

from ecomlake.generator.money import to_usd
from ecomlake.stream.enrich import geo_lookup
from ecomlake.stream.rows import process
from ecomlake.stream.sql import EVENT_NAMES, REJECTED_NAMES, SPLIT_COLUMNS

ITEMS_AT = EVENT_NAMES.index("items")
EVENT_TIME_AT = EVENT_NAMES.index("event_time")


class SplitMessage(TableFunction):  # type: ignore[misc]
    def open(self, function_context: FunctionContext) -> None:
        geo_lookup("1.1.1.1")  # load the geo-IP table now, not on the first message
        group = function_context.get_metric_group().add_group("ecomlake")
        self.valid = group.counter("events_valid")
        self.rejected = group.counter("events_rejected")
        self.lag_ms = 0
        # Freshness: how far behind wall-clock the last valid event's time was when processed.
        group.gauge("freshness_lag_ms", lambda: self.lag_ms)

    def eval(self, payload: bytes, partition: int, offset: int) -> Iterator[Any]:
        now_ms = int(time.time() * 1000)
        ok, row = process(bytes(payload), partition, offset, now_ms)
        if not ok:
            self.rejected.inc()
            rejected = [row[name] for name in REJECTED_NAMES]
            yield Row(False, *([None] * (len(EVENT_NAMES) + 1)), *rejected)
            return
        self.valid.inc()
        values = [row[name] for name in EVENT_NAMES]
        if values[ITEMS_AT] is not None:  # nested rows must be Rows, not dicts
            values[ITEMS_AT] = [
                Row(i["product_id"], i["quantity"], i["unit_price"]) for i in values[ITEMS_AT]
            ]
        revenue = to_usd(row["total"], row["currency"]) if row["event_type"] == "purchase" else None
        self.lag_ms = now_ms - int(values[EVENT_TIME_AT].replace(tzinfo=UTC).timestamp() * 1000)
        yield Row(True, *values, revenue, *([None] * len(REJECTED_NAMES)))


def split_message() -> Any:
    """The registered function (result types as SQL strings: nested ROW types parse there)."""
    return udtf(SplitMessage(), result_types=[kind for _, kind in SPLIT_COLUMNS])
