"""Why a message was refused: the Python reference names it, in Arrow batches.

The JVM function (`jvm/stream-udf`, `ParseEvent`) decides accept or refuse for every message;
only refused ones come here, a batch at a time, so the reason codes are exactly
`ecomlake.contracts.validate_message`'s. Should the reference accept a message the JVM refused
(a parity bug the tests exist to prevent), the message is still kept, as `contract_disagreement`,
and counted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ecomlake.contracts import validate_message

DISAGREEMENT = "contract_disagreement"
RESULT_FIELDS = [("payload", "STRING"), ("reason", "STRING"), ("detail", "STRING")]


def explain(raw: bytes | None, ingest: datetime) -> tuple[str | None, str, str]:
    """(readable payload, reason, detail) of one refused message, judged at its ingest time."""
    _, why = validate_message(raw, now=ingest.replace(tzinfo=UTC))
    text = None if raw is None else raw.decode("utf-8", errors="replace")
    if why is None:
        return text, DISAGREEMENT, "the JVM function refused what the Python reference accepts"
    return text, why.reason, why.detail


def explain_rejection() -> Any:
    """The registered pandas function: (payload BYTES, ingest TIMESTAMP(3)) -> ROW."""
    import pandas as pd
    from pyflink.table import DataTypes
    from pyflink.table.udf import FunctionContext, ScalarFunction, udf

    class ExplainRejection(ScalarFunction):  # type: ignore[misc]
        def open(self, function_context: FunctionContext) -> None:
            group = function_context.get_metric_group().add_group("ecomlake")
            self.disagreements = group.counter("contract_disagreements")

        def eval(self, payloads: pd.Series, ingest: pd.Series) -> pd.DataFrame:
            rows = [
                explain(None if raw is None else bytes(raw), when.to_pydatetime())
                for raw, when in zip(payloads, ingest, strict=True)
            ]
            frame = pd.DataFrame(rows, columns=[name for name, _ in RESULT_FIELDS])
            self.disagreements.inc(int((frame["reason"] == DISAGREEMENT).sum()))
            return frame

    result = DataTypes.ROW([DataTypes.FIELD(name, DataTypes.STRING()) for name, _ in RESULT_FIELDS])
    return udf(ExplainRejection(), result_type=result, func_type="pandas")
