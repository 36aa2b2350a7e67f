"""Which raw snapshot a curated table has absorbed, read back from its Delta history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from ecomlake.lake.marks import commit_metadata, recorded_snapshot

pytestmark = pytest.mark.unit


def commit(number: int, operation: str, mark: int | None = None, **params: Any) -> dict[str, Any]:
    return {
        "version": number,
        "timestamp": datetime(2026, 1, 1, 0, number),
        "operation": operation,
        "operationParameters": params,
        "userMetadata": commit_metadata(mark, "incremental") if mark is not None else None,
    }


def test_newest_marked_commit_wins_over_maintenance() -> None:
    history = [
        commit(0, "WRITE", 10),
        commit(1, "MERGE", 20),
        commit(2, "OPTIMIZE"),
        commit(3, "VACUUM END"),
    ]
    assert recorded_snapshot(history) == 20


def test_restore_reports_what_the_restored_version_had() -> None:
    history = [commit(0, "WRITE", 10), commit(1, "MERGE", 20), commit(2, "RESTORE", version="0")]
    assert recorded_snapshot(history) == 10


def test_restore_by_timestamp() -> None:
    history = [
        commit(0, "WRITE", 10),
        commit(1, "MERGE", 20),
        commit(2, "MERGE", 30),
        commit(3, "RESTORE", timestamp="2026-01-01 00:01:30"),
    ]
    assert recorded_snapshot(history) == 20


def test_no_mark_means_never_built() -> None:
    assert recorded_snapshot([commit(0, "WRITE")]) is None
    assert recorded_snapshot([]) is None
    assert recorded_snapshot([commit(0, "WRITE", 10), commit(1, "RESTORE", version="-1")]) is None
