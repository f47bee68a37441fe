"""A broadcast's delivery report, as the facilitator reads it: in `/cop broadcasts`, and in
the DM that arrives when its last message has gone. Counts and plain reasons only: the
report never lists who got what."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core import i18n, ui
from core.broadcasts import audiences, buttons, notices, service
from core.broadcasts.models import Broadcast, BroadcastRun, BroadcastStatus, Way
from core.i18n import _, t
from core.labels import shown
from core.models import Community
from core.timefmt import when

STATUS_LABELS: dict[str, str] = {
    # Translators: the state of a broadcast in its report.
    BroadcastStatus.DRAFT: i18n.N_("not confirmed"),
    BroadcastStatus.SCHEDULED: i18n.N_("planned"),
    BroadcastStatus.DONE: i18n.N_("sent"),
    BroadcastStatus.CANCELLED: i18n.N_("cancelled"),
}
EXCERPT = 200
RUNS_SHOWN = 3


def _way(broadcast: Broadcast) -> str:
    return (
        _("a post in the community channel")
        if broadcast.way == Way.CHANNEL.value
        else _("a DM to each person")
    )


def excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1].rstrip() + "…"


def report_blocks(
    session: Session, community: Community, found: service.Report, *, buttons_too: bool = True
) -> list[ui.Block]:
    broadcast = found.broadcast
    zone = community.timezone
    blocks: list[ui.Block] = [
        ui.Section(
            ui.text(
                "*Broadcast {number}* ({status}): {way}, to {audience}.",
                number=broadcast.id,
                status=shown(STATUS_LABELS, broadcast.status),
                way=_way(broadcast),
                audience=audiences.describe(session, community, broadcast.audience),
            )
        ),
        ui.Section(ui.literal(excerpt(broadcast.body))),
    ]
    shown_runs = found.runs[-RUNS_SHOWN:]
    for run in shown_runs:
        line = notices.counts_line(
            run.delivered, run.waiting, run.failed, run.cancelled, run.replies
        )
        parts = [ui.text("{when}: {figures}", when=when(run.run.occurrence, zone), figures=line)]
        if run.reasons:
            parts.append(
                ui.text("Not delivered: {reasons}.", reasons=notices.reasons_line(run.reasons))
            )
        excluded = run.run.excluded or {}
        if excluded:
            parts.append(ui.translated(_excluded_sentence(excluded)))
        blocks.append(ui.Context(parts))
    if not found.runs and broadcast.status == BroadcastStatus.SCHEDULED.value:
        blocks.append(ui.Context([ui.text("Nothing has gone yet.")]))
    if found.next_run is not None:
        blocks.append(ui.Context([ui.text("Next: {when}.", when=when(found.next_run, zone))]))
    if buttons_too:
        actions: list[ui.Button | ui.Select] = []
        if found.can_cancel:
            actions.append(ui.Button(_("Edit"), buttons.EDIT, str(broadcast.id)))
            actions.append(
                ui.Button(
                    _("Cancel what hasn't gone"),
                    buttons.CANCEL,
                    str(broadcast.id),
                    "danger",
                    confirm=ui.Confirm(
                        title=_("Stop this broadcast?"),
                        body=_(
                            "Messages still queued won't go, and later repeats are cancelled. "
                            "What has gone stays."
                        ),
                        confirm_label=_("Stop it"),
                        deny_label=_("Keep it"),
                    ),
                )
            )
        elif broadcast.status == BroadcastStatus.DONE.value and broadcast.way == Way.CHANNEL.value:
            actions.append(ui.Button(_("Correct the post"), buttons.EDIT, str(broadcast.id)))
        if actions:
            blocks.append(ui.Actions(actions))
    return blocks


def _excluded_sentence(excluded: dict[str, int]) -> str:
    parts = [
        audiences.left_out(reason, count) for reason, count in sorted(excluded.items()) if count
    ]
    return t("Left out: {who}.", who=i18n.and_list(parts))


def report_message(
    session: Session, community: Community, found: service.Report, finished: BroadcastRun
) -> ui.Message:
    """The DM a facilitator gets when one run of their broadcast has all gone."""
    lead = ui.text(
        "Your broadcast has gone out ({when}). Here is how it went:",
        when=when(finished.occurrence, community.timezone),
    )
    blocks: list[ui.Block] = [ui.Section(lead), *report_blocks(session, community, found)]
    return ui.Message(summary=lead.plain(), blocks=blocks)
