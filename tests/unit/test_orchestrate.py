"""The orchestration logic the DAGs call, without Airflow: the sensor's rule, the checks'
verdicts, the Snowflake statements, when maintenance is worth a Spark job, the HTML report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from ecomlake.cli.report import html_report
from ecomlake.config import load_settings
from ecomlake.errors import EcomlakeError
from ecomlake.orchestrate import maintenance, quality
from ecomlake.orchestrate.coverage import Coverage
from ecomlake.orchestrate.load import snowflake_statements
from ecomlake.orchestrate.quality import Check, QualityError

pytestmark = pytest.mark.unit
END = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.mark.parametrize(
    ("committed", "reaches_end", "behind", "covers"),
    [
        (END + timedelta(minutes=5), True, None, True),  # event time moved past the end
        (END + timedelta(minutes=5), False, 0, True),  # caught up with Kafka: a backfill's end
        (END + timedelta(minutes=5), False, 12, False),  # still reading the interval
        (END + timedelta(minutes=5), False, None, False),  # Kafka unknown: cannot tell
        (END - timedelta(minutes=5), True, 0, False),  # committed before the interval ended
        (None, False, 0, False),  # no snapshot at all
    ],
)
def test_sensor_rule(
    committed: datetime | None, reaches_end: bool, behind: int | None, covers: bool
) -> None:
    coverage = Coverage(1 if committed else None, committed, reaches_end, behind)
    assert coverage.covers(END) is covers
    assert ("does not cover" in coverage.describe(END)) is (not covers and committed is not None)


def test_sensor_message_names_the_stream_job_when_the_lake_is_empty() -> None:
    assert "ecomlake stream" in Coverage(None, None, False, None).describe(END)


def test_failed_check_raises_with_layer_and_numbers() -> None:
    check = Check("raw -> curated", False, "2026-11-25: raw.events 10 vs curated.events 9")
    with pytest.raises(QualityError, match=r"^raw -> curated: 2026-11-25: raw.events 10 vs"):
        check.raise_if_failed()
    assert Check("keys", True, "fine").raise_if_failed().message == "fine"


def test_snowflake_statements_point_the_iceberg_table_at_the_snapshot(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, lake={"warehouse": "s3://bucket/lake"},
                             orchestrate={"snowflake_external_volume": "vol"})  # fmt: skip
    create, refresh = snowflake_statements(
        settings, "s3://bucket/lake/raw/events/metadata/00042-abc.metadata.json"
    )
    assert "EXTERNAL_VOLUME = 'vol'" in create
    assert "METADATA_FILE_PATH = 'raw/events/metadata/00042-abc.metadata.json'" in create
    assert refresh == (
        "ALTER ICEBERG TABLE RAW.EVENTS REFRESH 'raw/events/metadata/00042-abc.metadata.json'"
    )
    with pytest.raises(EcomlakeError, match="not under the lake warehouse"):
        snowflake_statements(settings, "s3://elsewhere/v1.metadata.json")


def test_maintenance_runs_first_then_only_when_files_piled_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(data_dir=tmp_path)
    files = {"raw.events": 120, "curated.events": 8}
    monkeypatch.setattr(maintenance, "file_counts", lambda _: dict(files))
    assert maintenance.needs_maintenance(settings) == (True, "no maintenance recorded yet")
    files["raw.events"] = 14  # compacted
    maintenance.record_maintenance(settings)
    files["raw.events"] = 14 + maintenance.MIN_NEW_FILES - 1
    assert maintenance.needs_maintenance(settings)[0] is False
    files["curated.events"] = 8 + maintenance.MIN_NEW_FILES
    needed, why = maintenance.needs_maintenance(settings)
    assert needed and "curated.events +10" in why


def test_html_report_escapes_and_marks_failures() -> None:
    page = html_report(
        "demo <report>",
        [("counts", [{"layer": "a<b", "expected": 1_000, "found": 999, "": "✗"}])],
        ['ecomlake query "SELECT 1"'],
        [("live dashboard", "http://127.0.0.1:8000/?a=1&b=<2>")],
    )
    assert '<a href="http://127.0.0.1:8000/?a=1&amp;b=&lt;2&gt;">live dashboard</a>' in page
    assert "<title>demo &lt;report&gt;</title>" in page
    assert "a&lt;b" in page and '<td class="num">1,000</td>' in page
    assert '<td class="bad">✗</td>' in page


def test_the_manifest_reconciliation_finds_a_cent(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's report: one cent missing from one day's mart is the one line that fails."""
    day = "2026-10-31"
    manifest = {"total_events": 110, "valid_events": 100, "invalid_events": 4,
                "duplicate_events": 6, "bot_events": 5,
                "by_day": {day: {"orders": 3, "gross_revenue": "30.10", "refunds": "5.05",
                                 "active_users": 7}}}  # fmt: skip
    answers = {
        quality.LAYERS_SQL: [
            {"lake_events": 100, "distinct_ids": 100, "rejected": 4, "bot_events": 5}
        ],
        quality.CURATED_SQL: [{"curated_events": 100, "sessions": 9, "customers": 7}],
        quality.ORDERS_SQL: [{"day": day, "orders": 3, "gross_usd": Decimal("30.10")}],
        quality.REVENUE_SQL: [
            {"day": day, "orders": 3, "gross_revenue": 30.1, "net_revenue": Decimal("25.04")}
        ],
        quality.USERS_SQL: [{"day": day, "dau": 7}],
    }
    monkeypatch.setattr(quality, "_query", lambda _settings, sql: answers[sql])
    found = quality.reconcile_manifest(load_settings(), manifest)
    assert [line.what for line in found.lines if not line.ok] == [
        f"net cents {day} -> fct_daily_revenue"
    ]
    assert not found.ok
    [net] = [line for line in found.lines if line.what.startswith("net")]
    assert (net.expected, net.found) == (2505, 2504)
