"""Which raw.events snapshot a curated table has absorbed, read from its own Delta history.

Every ETL commit carries `{"ecomlake.raw_snapshot": id}` as its commit metadata, so the mark
and the data it describes land in one atomic commit. Walking a table's history from the newest
commit: maintenance commits (OPTIMIZE, VACUUM...) carry no mark and are skipped; a RESTORE
sends the walk to the version it restored, so a rolled-back table reports the snapshot its
restored data had absorbed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

MARK = "ecomlake.raw_snapshot"
# Every table the ETL writes, in its order (ecomlake.batch.delta declares their keys): each
# carries its own mark, so a run that stopped midway leaves them unequal.
CURATED_TABLES = ("events", "sessions", "orders", "order_items", "customers", "currency_rates")


def commit_metadata(snapshot_id: int, mode: str) -> str:
    return json.dumps({MARK: snapshot_id, "ecomlake.mode": mode})


def _mark(user_metadata: str | None) -> int | None:
    if not user_metadata:
        return None
    try:
        value = json.loads(user_metadata).get(MARK)
    except (ValueError, AttributeError):
        return None
    return int(value) if value is not None else None


def _restored_version(entry: Mapping[str, Any], history: Sequence[Mapping[str, Any]]) -> int:
    params = entry.get("operationParameters") or {}
    if params.get("version") not in (None, ""):
        return int(params["version"])
    # Restored to a timestamp: the newest version committed at or before it.
    when = datetime.fromisoformat(str(params["timestamp"]).replace(" ", "T"))
    older = [
        h["version"]
        for h in history
        if h["timestamp"] <= when.replace(tzinfo=h["timestamp"].tzinfo)
    ]
    return max(older) if older else -1


def recorded_snapshot(history: Sequence[Mapping[str, Any]]) -> int | None:
    """The snapshot the table's current state has absorbed (None: no ETL commit)."""
    by_version = {int(h["version"]): h for h in history}
    version = max(by_version, default=-1)
    while version >= 0:
        entry = by_version.get(version)
        if entry is None:  # history truncated by log retention
            return None
        mark = _mark(entry.get("userMetadata"))
        if mark is not None:
            return mark
        if entry.get("operation") == "RESTORE":
            version = _restored_version(entry, history)
        else:
            version -= 1
    return None
