"""UTCDateTime: aware instants round-trip as UTC on both engines; naive ones are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from bot.wiring import Runtime
from core.db import UTCDateTime, unit_of_work
from core.models import ProcessedEvent

INSTANTS = [
    datetime(2026, 7, 31, 23, 30, tzinfo=UTC),
    datetime(2026, 8, 1, 0, 30, 15, 123456, tzinfo=ZoneInfo("Europe/London")),
    datetime(2026, 10, 25, 0, 30, tzinfo=ZoneInfo("Europe/London")),
    datetime(2026, 1, 1, 5, 0, tzinfo=ZoneInfo("Asia/Kolkata")),
    datetime(2025, 12, 31, 19, 0, tzinfo=timezone(timedelta(hours=-5))),
]


def store(runtime: Runtime, instant: datetime) -> None:
    with unit_of_work(runtime.session_factory) as session:
        session.add(ProcessedEvent(platform="slack", event_id="Ev1", received_at=instant))


@pytest.mark.parametrize("instant", INSTANTS, ids=str)
def test_aware_instant_comes_back_equal_and_in_utc(runtime: Runtime, instant: datetime) -> None:
    store(runtime, instant)
    with unit_of_work(runtime.session_factory) as session:
        stored = session.scalars(select(ProcessedEvent.received_at)).one()
    assert stored == instant
    assert stored.utcoffset() == timedelta(0)
    assert stored.tzinfo is UTC


def test_comparisons_use_the_instant_not_the_wall_clock(runtime: Runtime) -> None:
    utc_instant = datetime(2026, 8, 1, 0, 0, tzinfo=UTC)
    store(runtime, utc_instant)
    london_midnight = datetime(2026, 8, 1, 0, 0, tzinfo=ZoneInfo("Europe/London"))  # 23:00 UTC
    with unit_of_work(runtime.session_factory) as session:
        later = select(func.count()).where(ProcessedEvent.received_at > london_midnight)
        assert session.scalar(later) == 1


def test_naive_datetime_is_refused_and_nothing_is_written(runtime: Runtime) -> None:
    naive = datetime(2026, 8, 1, 12, 0)  # noqa: DTZ001 (the point of the test)
    with pytest.raises(StatementError) as raised:
        store(runtime, naive)
    assert isinstance(raised.value.orig, ValueError)
    with unit_of_work(runtime.session_factory) as session:
        assert session.scalar(select(func.count()).select_from(ProcessedEvent)) == 0


def test_null_stays_null() -> None:
    kind = UTCDateTime()
    assert kind.process_bind_param(None, None) is None
    assert kind.process_result_value(None, None) is None
