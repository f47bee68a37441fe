"""Button ids on broadcast messages sent unasked (the delivery report), shared with the
handlers that answer them (the scheduler may not import handlers)."""

from __future__ import annotations

CANCEL = "broadcast.cancel"  # untranslated: an action id
EDIT = "broadcast.edit"  # untranslated: an action id
REPORT = "broadcast.report"  # untranslated: an action id
DMS_OFF = "broadcast.dms.off"  # untranslated: an action id
DMS_ON = "broadcast.dms.on"  # untranslated: an action id
