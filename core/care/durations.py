"""How long a pause lasts, from what a member types: "2 months", "3 weeks", "10 days",
"until 2027-02-01" (or just the date). Pure: the caller gives `now` and the zone."""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import UserError
from core.i18n import t

LONGEST = timedelta(days=366)  # a pause longer than a year is leaving, which stays separate
RESUME_AT = time(9, 0)  # a pause until a date ends that morning, in their timezone
_AMOUNT = re.compile(r"^(\d{1,3})\s*(day|days|week|weeks|month|months)$")
_DATE = re.compile(r"^(?:until\s+)?(\d{4}-\d{2}-\d{2})$")


def add_months(instant: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it is shorter)."""
    month_index = instant.month - 1 + months
    year, month = instant.year + month_index // 12, month_index % 12 + 1
    day = min(instant.day, calendar.monthrange(year, month)[1])
    return instant.replace(year=year, month=month, day=day)


def _problem(command: str) -> UserError:
    return UserError(
        t(
            "I couldn't read how long to pause. Try `{command} pause 2 months`, "
            "`{command} pause 3 weeks` or `{command} pause until 2027-02-01`.",
            command=command,
        )
    )


def pause_until(text: str, now: datetime, zone: str, command: str) -> datetime:
    """When a pause typed as `text` ends (aware UTC). Raises UserError with what to type."""
    said = " ".join(text.lower().split())
    amount = _AMOUNT.match(said)
    dated = _DATE.match(said)
    if amount:
        n, unit = int(amount.group(1)), amount.group(2)
        if n == 0:
            raise _problem(command)
        if unit.startswith("month"):
            until = add_months(now, n)
        else:
            until = now + timedelta(days=n * (7 if unit.startswith("week") else 1))
    elif dated:
        try:
            day = date.fromisoformat(dated.group(1))
        except ValueError:
            raise _problem(command) from None
        until = datetime.combine(day, RESUME_AT, ZoneInfo(zone)).astimezone(now.tzinfo)
    else:
        raise _problem(command)
    if until <= now:
        raise UserError(
            t(
                "That date has passed: choose one in the future, e.g. "
                "`{command} pause until 2027-02-01`.",
                command=command,
            )
        )
    if until - now > LONGEST:
        raise UserError(
            t(
                "A pause can last up to a year. To stop hearing from Catalyst altogether, "
                "type `{command} leave`.",
                command=command,
            )
        )
    return until
