"""Sessions as a capability: reminders, the reflection prompt and nudges run by the
scheduler, each session mirrored on the platform's own calendar where it has one, described
for `catalyst jobs`, and members' answers in `my-data`."""

from __future__ import annotations

from core.capability import Capability
from core.sessions import jobs, mirror, report, service
from core.sessions.models import SessionItemKind

CAPABILITY = Capability(
    name="sessions",
    item_runners={
        SessionItemKind.REMINDER.value: jobs.reminders,
        SessionItemKind.PROMPT_POST.value: jobs.prompt_post,
        SessionItemKind.NUDGE.value: jobs.nudges,
    },
    calendar_runners={SessionItemKind.CALENDAR.value: mirror.mirror},
    describe_item=report.describe_item,
    message_sent=jobs.prompt_posted,
    data_section="sessions",
    personal_data=service.personal_data,
)
