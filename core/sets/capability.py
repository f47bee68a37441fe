"""Action learning sets as a capability: its tables join the schema from here; `my-data`
shows who wants a set and their sets; a member who leaves (or is erased) comes out of their
set first and the set hears there is a space; the welcome's delivery records the set's
space. Meetings and their scheduled items are registered here as they land (issue 13)."""

from __future__ import annotations

from core.capability import Capability
from core.sets import models, service

# Importing the models is what puts the sets' tables in the one schema (core/schema.py).
MODELS = models

# MEETINGS: the meetings part adds `item_runners`, `plan_upcoming`, `describe_item` and
# `not_yet_planned` here, and its own rows to `service.personal_data` (or a wrapper).
CAPABILITY = Capability(
    name="sets",
    data_section="action_learning_sets",
    personal_data=service.personal_data,
    member_leaving=service.member_leaving,
    message_sent=service.message_sent,
)
