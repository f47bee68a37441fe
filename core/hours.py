"""Hours of the day, as people write them: "08:00-20:00" (the hours a broadcast by DM may
arrive in each reader's own timezone). One parser for the setting, the community's own
value and the scheduler."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

DEFAULT_WINDOW = "08:00-20:00"
_WINDOW = re.compile(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$")


@dataclass(frozen=True)
class Window:
    """The hours, in each reader's own timezone, when a DM may arrive: [start, end)."""

    start: time
    end: time  # time(0, 0) with `to_midnight` means the end of the day

    to_midnight: bool = False

    def allows(self, moment: time) -> bool:
        after_start = moment >= self.start
        before_end = self.to_midnight or moment < self.end
        return after_start and before_end


def parse_window(value: str | None) -> Window | None:
    """ "08:00-20:00" as a Window; None if it isn't one (or starts after it ends)."""
    found = _WINDOW.match(value or "")
    if found is None:
        return None
    start = time(int(found.group(1)), int(found.group(2)))
    end_hour, end_minute = int(found.group(3)), int(found.group(4))
    if end_hour == 24:
        if end_minute:
            return None
        return Window(start, time(0, 0), to_midnight=True)
    end = time(end_hour, end_minute)
    if end <= start:
        return None
    return Window(start, end)


DEFAULT = Window(time(8, 0), time(20, 0))
