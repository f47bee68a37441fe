"""The slot finder: three weekly times inside everyone's 09:00–17:00, in the set's zone."""

from __future__ import annotations

from datetime import date

from core.sets import slots

MONDAY = date(2026, 11, 23)


def test_a_london_set_gets_three_mid_week_slots_on_different_days() -> None:
    found = slots.propose(["Europe/London"] * 5, MONDAY, minutes=120)
    assert len(found) == 3
    assert len({s.weekday for s in found}) == 3
    assert all(s.zone == "Europe/London" for s in found)
    assert {s.weekday for s in found} <= {0, 1, 2, 3}
    for slot in found:
        assert "09:00" <= slot.local_time <= "15:00"
        assert slots.everyone_can_make(slot, ["Europe/London"], MONDAY, 120)


def test_slots_fit_everyone_across_timezones_and_use_the_most_common_zone() -> None:
    zones = ["Europe/London", "Europe/London", "Europe/Paris", "Asia/Amman"]
    found = slots.propose(zones, MONDAY, minutes=120)
    assert len(found) == 3
    assert all(s.zone == "Europe/London" for s in found)
    for slot in found:
        assert slots.everyone_can_make(slot, zones, MONDAY, 120)
        # Amman is two hours ahead in winter: London 09:00 is 11:00 there, 15:00 is 17:00.
        assert "09:00" <= slot.local_time <= "13:00"


def test_no_friday_afternoons() -> None:
    for slot in slots.propose(["Europe/London"], MONDAY, minutes=90, count=10):
        if slot.weekday == 4:
            assert slot.local_time <= "10:30"


def test_poor_overlap_still_offers_the_times_most_people_can_make() -> None:
    zones = ["Europe/London", "Europe/London", "America/Los_Angeles"]
    found = slots.propose(zones, MONDAY, minutes=120)
    assert len(found) == 3
    assert not any(slots.everyone_can_make(s, zones, MONDAY, 120) for s in found)
    assert all(slots.everyone_can_make(s, zones[:2], MONDAY, 120) for s in found)


def test_the_common_zone_breaks_ties_alphabetically() -> None:
    assert slots.common_zone(["Europe/Paris", "Europe/London"]) == "Europe/London"
    assert slots.common_zone([]) == "UTC"
