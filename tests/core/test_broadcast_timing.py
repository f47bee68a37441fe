"""The pure timing rules of broadcasts: repeats at the same wall-clock time across clock
changes, monthly on short months, and the hours a DM may arrive in each reader's zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from core.broadcasts.timing import Window, deliver_at, end_of_day, occurrences, parse_window

LONDON = ZoneInfo("Europe/London")


def test_weekly_keeps_its_wall_clock_time_across_the_october_clock_change() -> None:
    first = datetime(2026, 10, 19, 9, 0, tzinfo=LONDON).astimezone(UTC)  # BST
    until = end_of_day(date(2026, 11, 2), "Europe/London")
    runs = list(occurrences(first, "weekly", until, "Europe/London"))
    assert [r.astimezone(LONDON).time() for r in runs] == [time(9, 0)] * 3
    assert [r.hour for r in runs] == [8, 9, 9]  # in UTC: the clocks went back on 25 October


def test_monthly_on_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    first = datetime(2027, 1, 31, 18, 0, tzinfo=LONDON).astimezone(UTC)
    until = end_of_day(date(2027, 4, 30), "Europe/London")
    days = [
        r.astimezone(LONDON).date().isoformat()
        for r in occurrences(first, "monthly", until, "Europe/London")
    ]
    assert days == ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30"]


def test_a_one_off_goes_once_and_the_last_day_is_included() -> None:
    first = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
    assert list(occurrences(first, "once", None, "UTC")) == [first]
    until = end_of_day(date(2027, 3, 15), "UTC")
    assert len(list(occurrences(first, "weekly", until, "UTC"))) == 3


def test_window_parsing() -> None:
    assert parse_window("08:00-20:00") == Window(time(8), time(20))
    assert parse_window("00:00-24:00") == Window(time(0), time(0), to_midnight=True)
    for bad in ["20:00-08:00", "8-20", "", "08:00-08:00", "25:00-26:00", "08:00-24:30"]:
        assert parse_window(bad) is None


def test_an_evening_message_waits_for_the_morning_in_each_readers_zone() -> None:
    window = Window(time(8), time(20))
    at = datetime(2027, 3, 2, 21, 30, tzinfo=UTC)  # 21:30 in London, 06:30 next day in Tokyo
    assert deliver_at(at, "Europe/London", window) == datetime(2027, 3, 3, 8, 0, tzinfo=LONDON)
    tokyo = deliver_at(at, "Asia/Tokyo", window)
    assert tokyo.astimezone(ZoneInfo("Asia/Tokyo")) == datetime(
        2027, 3, 3, 8, 0, tzinfo=ZoneInfo("Asia/Tokyo")
    )
    midday = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
    assert deliver_at(midday, "Europe/London", window) == midday


def test_the_morning_after_the_spring_clock_change() -> None:
    # 21:00 on Saturday 27 March 2027 in London; the clocks go forward that night.
    at = datetime(2027, 3, 27, 21, 0, tzinfo=LONDON)
    got = deliver_at(at, "Europe/London", Window(time(8), time(20)))
    assert got.astimezone(LONDON).date() == date(2027, 3, 28)
    assert got.astimezone(LONDON).time() == time(8, 0)
    assert got.astimezone(UTC).hour == 7  # 08:00 BST


ZONES = ["Europe/London", "Asia/Tokyo", "America/Santiago", "Africa/Cairo", "Pacific/Auckland"]


@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 1, 1)),  # noqa: DTZ001 (naive bounds: hypothesis adds no zone)
    st.sampled_from(ZONES),
    st.integers(0, 22),
    st.integers(1, 12),
)
def test_delivery_is_never_early_and_always_inside_the_window(
    naive: datetime, zone: str, start: int, hours: int
) -> None:
    end = min(start + hours, 23)
    if end <= start:
        return
    window = Window(time(start), time(end))
    at = naive.replace(tzinfo=UTC)
    got = deliver_at(at, zone, window)
    assert got >= at
    assert window.allows(got.astimezone(ZoneInfo(zone)).time())
    assert got - at <= timedelta(days=1, hours=2)
