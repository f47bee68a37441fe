"""What a broadcast looks like to its readers, and its delivery report. Built in the
language of whoever reads it (the caller sets it with `i18n.speaking`)."""

from __future__ import annotations

from collections.abc import Sequence

from core import i18n, ui
from core.broadcasts import buttons
from core.i18n import N_, _, t, tn
from core.labels import shown
from core.sessions import buttons as session_buttons

PIECE = 2900  # characters of a section after escaping: Slack allows 3,000
MAX_PIECES = 45  # sections in one message: Slack allows 50 blocks, a few are ours
# Raw Slack markup for "notify everyone in the channel", written only when the
# facilitator ticks it: what members type can never produce it (it is escaped).
NOTIFY_CHANNEL = "<!channel>"  # untranslated: Slack's own markup


def _escaped_length(value: str) -> int:
    return len(value) + 4 * value.count("&") + 3 * value.count("<") + 3 * value.count(">")


def pieces(body: str, limit: int = PIECE) -> list[str]:
    """The body cut into sections that fit Slack's 3,000 characters once escaped: at a
    paragraph, else a line, else a space, else anywhere. Nothing is dropped."""
    found: list[str] = []
    rest = body
    while rest:
        if _escaped_length(rest) <= limit:
            found.append(rest)
            break
        # The longest prefix that fits, then the last natural break inside it.
        fits, size = 0, 0
        for index, char in enumerate(rest):
            size += _escaped_length(char)
            if size > limit:
                break
            fits = index + 1
        window = rest[:fits]
        cut = max(window.rfind("\n\n"), 0) or max(window.rfind("\n"), 0) or window.rfind(" ")
        if cut <= fits // 2:
            cut = fits  # no break in the second half: cut where it's full
        found.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n ")
    return [piece for piece in found if piece]


def message(
    body: str,
    *,
    prompt_id: int | None,
    in_channel: bool,
    notify_channel: bool,
    sample: bool = False,
) -> ui.Message:
    """The broadcast as members read it: the facilitator's words (their Slack formatting
    kept, anything that would ping or link escaped), and a Reflect button when it asks a
    question."""
    blocks: list[ui.Block] = []
    if in_channel and notify_channel:
        blocks.append(ui.Section(ui.Text(NOTIFY_CHANNEL)))
    blocks.extend(ui.Section(ui.Text("{v}", {"v": piece})) for piece in pieces(body))
    # By DM, one click stops the next ones (the way back is `notifications`).
    # A sample (the preview, a test) has no buttons: a click there would act on the
    # facilitator, not on a reader.
    stop = [] if in_channel or sample else [ui.Button(_("No more of these by DM"), buttons.DMS_OFF)]
    if prompt_id is not None and not sample:
        hint = (
            ui.text("Reply in this message's thread, or reflect privately with the button.")
            if in_channel
            else ui.text("Your answer is kept as a reflection: you choose who can read it.")
        )
        blocks.append(ui.Context([hint]))
        blocks.append(
            ui.Actions(
                [
                    ui.Button(_("Reflect"), session_buttons.REFLECT, str(prompt_id), "primary"),
                    *stop,
                ]
            )
        )
    else:
        blocks.append(ui.Context([ui.text("From the facilitators")]))
        if stop:
            blocks.append(ui.Actions(stop))
    return ui.Message(summary=body[:150], blocks=blocks)


# Plain words for the platform's reasons a message could not be delivered.
FAILURE_LABELS: dict[str, str] = {
    "account_inactive": N_("account deactivated"),
    "user_disabled": N_("account deactivated"),
    "user_not_found": N_("no longer in the workspace"),
    "cannot_dm_bot": N_("DMs closed"),
    "messages_tab_disabled": N_("DMs closed"),
    "channel_not_found": N_("channel not found"),
    "not_in_channel": N_("Catalyst is not in the channel"),
    "is_archived": N_("channel archived"),
    "restricted_action": N_("posting there is not allowed"),
}


def failure_reason(code: str | None) -> str:
    if code and code in FAILURE_LABELS:
        return shown(FAILURE_LABELS, code)
    return _("the platform refused it")


def counts_line(
    delivered: int, waiting: int, failed: int, cancelled: int, replies: int | None
) -> str:
    parts = [tn("{n} delivered", "{n} delivered", delivered)]
    if waiting:
        parts.append(tn("{n} still queued", "{n} still queued", waiting))
    if failed:
        parts.append(tn("{n} failed", "{n} failed", failed))
    if cancelled:
        parts.append(tn("{n} cancelled", "{n} cancelled", cancelled))
    if replies is not None:
        parts.append(tn("{n} reply", "{n} replies", replies))
    return " · ".join(parts)  # untranslated: a separator between figures


def reasons_line(reasons: Sequence[tuple[str, int]]) -> str:
    return i18n.and_list(
        [t("{reason}: {n}", reason=reason, n=i18n.number(count)) for reason, count in reasons]
    )
