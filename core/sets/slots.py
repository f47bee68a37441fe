"""Three regular meeting times a whole set can make: a pure module.

Every member works 09:00–17:00 on weekdays in their own timezone. A slot is a weekday and a
wall-clock time in the set's zone (the most common zone among its members), checked on a
given reference date so that daylight-saving offsets are the ones that apply then. Friday
afternoons are avoided (people are tired and offices close early), and the three slots fall
on different days when they can, so a set has a real choice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_STARTS = time(9, 0)
DAY_ENDS = time(17, 0)
FRIDAY = 4
FRIDAY_AFTERNOON = time(12, 0)
STEP_MINUTES = 30
# Mid-week first: Tuesday to Thursday are the easiest days to hold a long meeting.
DAY_PREFERENCE = {1: 0, 2: 0, 3: 0, 0: 1, 4: 2}


@dataclass(frozen=True, order=True)
class Slot:
    weekday: int  # Monday = 0, in `zone`
    local_time: str  # "10:00", wall clock in `zone`
    zone: str


def common_zone(zones: Sequence[str]) -> str:
    """The set's zone: the most common among its members (ties: alphabetical, so stable)."""
    if not zones:
        return "UTC"
    counts = Counter(zones)
    return min(counts, key=lambda zone: (-counts[zone], zone))


def _fits(start: datetime, minutes: int, zone: str) -> bool:
    """The meeting sits inside one working day in `zone`, and not on a Friday afternoon."""
    local_start = start.astimezone(ZoneInfo(zone))
    local_end = (start + timedelta(minutes=minutes)).astimezone(ZoneInfo(zone))
    if local_start.weekday() > FRIDAY or local_start.date() != local_end.date():
        return False
    if local_start.weekday() == FRIDAY and local_end.time() > FRIDAY_AFTERNOON:
        return False
    return local_start.time() >= DAY_STARTS and local_end.time() <= DAY_ENDS


def _margin(start: datetime, minutes: int, zone: str) -> int:
    """Minutes between the meeting and the nearer edge of this person's working day."""
    local_start = start.astimezone(ZoneInfo(zone))
    local_end = (start + timedelta(minutes=minutes)).astimezone(ZoneInfo(zone))
    before = (local_start.hour * 60 + local_start.minute) - (DAY_STARTS.hour * 60)
    after = (DAY_ENDS.hour * 60) - (local_end.hour * 60 + local_end.minute)
    return min(before, after)


def propose(zones: Sequence[str], on: date, minutes: int = 120, count: int = 3) -> list[Slot]:
    """Up to `count` weekly slots for people working in `zones`, in the week starting `on`.

    Slots everyone can make come first (the widest margin from anyone's day edges first,
    then mid-week, then earlier); when fewer fit everyone, the ones most people can make
    fill the list, so a set with poor overlap still has something to vote on.
    """
    zone = common_zone(zones)
    tz = ZoneInfo(zone)
    people = list(zones) or [zone]
    ranked: list[tuple[tuple[int, int, int, int, int], Slot]] = []
    for offset in range(7):
        day = on + timedelta(days=offset)
        if day.weekday() > FRIDAY:
            continue
        for step in range(24 * 60 // STEP_MINUTES):
            at = time(step * STEP_MINUTES // 60, step * STEP_MINUTES % 60)
            start = datetime.combine(day, at, tzinfo=tz)
            if not _fits(start, minutes, zone):
                continue  # the set's own zone must be a working day too
            fitting = [z for z in people if _fits(start, minutes, z)]
            margin = min((_margin(start, minutes, z) for z in fitting), default=0)
            rank = (
                -len(fitting),
                -min(margin, 60),  # an hour clear of the day's edge is plenty
                DAY_PREFERENCE[day.weekday()],
                day.weekday(),
                step,
            )
            ranked.append((rank, Slot(day.weekday(), at.strftime("%H:%M"), zone)))
    ranked.sort()
    chosen: list[Slot] = []
    for _rank, slot in ranked:  # one per day first
        if len(chosen) < count and all(s.weekday != slot.weekday for s in chosen):
            chosen.append(slot)
    for _rank, slot in ranked:  # then any, if there are fewer good days than slots
        if len(chosen) < count and slot not in chosen:
            chosen.append(slot)
    return sorted(chosen, key=lambda s: (s.weekday, s.local_time))


def everyone_can_make(slot: Slot, zones: Sequence[str], on: date, minutes: int = 120) -> bool:
    """Whether `slot`, in the week starting `on`, fits every zone's working day."""
    day = on + timedelta(days=(slot.weekday - on.weekday()) % 7)
    hours, _, mins = slot.local_time.partition(":")
    start = datetime.combine(day, time(int(hours), int(mins)), tzinfo=ZoneInfo(slot.zone))
    return all(_fits(start, minutes, z) for z in zones)
