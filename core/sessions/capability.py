"""Sessions as a capability: reminders, the reflection prompt and nudges run by the
scheduler, described for `catalyst jobs`, and members' answers in `my-data`."""

from __future__ import annotations

from core.capability import Capability
from core.sessions import jobs, report, service
from core.sessions.models import SessionItemKind

CAPABILITY = Capability(
    name="sessions",
    item_runners={
        SessionItemKind.REMINDER.value: jobs.reminders,
        SessionItemKind.PROMPT_POST.value: jobs.prompt_post,
        SessionItemKind.NUDGE.value: jobs.nudges,
    },
    describe_item=report.describe_item,
    message_sent=jobs.prompt_posted,
    data_section="sessions",
    personal_data=service.personal_data,
)
