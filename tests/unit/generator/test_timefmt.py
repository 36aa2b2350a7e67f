"""generator/timefmt.py: the lookup-table ISO formatting equals the standard library's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecomlake.generator.timefmt import day_of, iso_ms, to_ms

MOMENTS = [
    datetime(2026, 11, 25, 13, 4, 5, 123_000, tzinfo=UTC),
    datetime(2026, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC),  # the last millisecond of a year
    datetime(2028, 2, 29, 0, 0, 0, 0, tzinfo=UTC),  # a leap day, midnight
    datetime(1970, 1, 1, tzinfo=UTC),
]


@pytest.mark.parametrize("moment", MOMENTS, ids=str)
def test_iso_ms_equals_isoformat(moment: datetime) -> None:
    ms = to_ms(moment)
    assert iso_ms(ms) == moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    assert day_of(ms) == moment.date().isoformat()


def test_every_second_of_a_day_formats_like_strftime() -> None:
    start = datetime(2026, 10, 31, tzinfo=UTC)
    for seconds in range(0, 86_400, 7):  # a stride that visits every minute and hour
        moment = start + timedelta(seconds=seconds, milliseconds=seconds % 1000)
        assert iso_ms(to_ms(moment)) == moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
