"""What a poll looks like to its readers: the question, each option with its count drawn as
a bar (readable on a phone), and the buttons. Built in the reader's language (the caller
sets it with `i18n.speaking`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core import i18n, ui
from core.i18n import _, tn
from core.polls import ballots, buttons
from core.polls.models import Poll, PollOption
from core.timefmt import when

LABEL = 75  # Slack's limit for a button's text


@dataclass(frozen=True)
class Copy:
    """Whose copy this is and what it shows: the reader's own choice (ticked), and the
    value its buttons carry (signed for an anonymous poll, the poll's id otherwise)."""

    choice: frozenset[int] = frozenset()
    value: str = ""


def _rules(poll: Poll, zone: str, closed: bool) -> ui.Text:
    closes = when(poll.closes_at, zone)
    if closed:
        return ui.text("Closed {when}.", when=closes)
    if poll.anonymous and poll.multiple:
        return ui.text(
            "Anonymous: nobody sees who chose what. Choose any. Closes {when}.", when=closes
        )
    if poll.anonymous:
        return ui.text(
            "Anonymous: nobody sees who chose what. Choose one. Closes {when}.", when=closes
        )
    if poll.multiple:
        return ui.text(
            "Named: facilitators can see who chose what. Choose any. Closes {when}.", when=closes
        )
    return ui.text(
        "Named: facilitators can see who chose what. Choose one. Closes {when}.", when=closes
    )


def option_lines(options: Sequence[PollOption], choice: frozenset[int]) -> list[ui.Block]:
    """One section per option: its words, then `▓▓▓▓░░░░░░ 4 (40%)`."""
    total = sum(o.votes for o in options)
    blocks: list[ui.Block] = []
    for option in options:
        figures = ui.text(
            "{bar} {count} ({percent}%)",
            bar=ballots.bar(option.votes, total),
            count=i18n.number(option.votes),
            percent=i18n.number(ballots.percent(option.votes, total)),
        )
        line = "✓ " if option.id in choice else ""
        blocks.append(
            ui.Section(
                ui.Text(
                    i18n.directed("{mark}*{option}*") + "\n" + figures.template,
                    {"mark": line, "option": i18n.isolate(option.text), **figures.values},
                )
            )
        )
    return blocks


def message(
    poll: Poll,
    options: Sequence[PollOption],
    zone: str,
    voters: int,
    copy: Copy | None = None,
    *,
    sample: bool = False,
) -> ui.Message:
    """The poll with its counts so far; buttons while it is open (none on a sample)."""
    closed = poll.status == "closed"
    lead = (
        ui.text("*Final result:* {question}", question=poll.question)
        if closed
        else ui.text("*Poll:* {question}", question=poll.question)
    )
    choice = copy.choice if copy is not None else frozenset()
    blocks: list[ui.Block] = [ui.Section(lead), ui.Context([_rules(poll, zone, closed)])]
    blocks.extend(option_lines(options, choice))
    blocks.append(
        ui.Context([ui.translated(tn("{n} person has voted.", "{n} people have voted.", voters))])
    )
    if not closed and not sample:
        value = copy.value if copy is not None and copy.value else str(poll.id)
        elements: list[ui.Button | ui.Select] = [
            ui.Button(option.text[:LABEL], buttons.vote_action(option.position), value)
            for option in options
        ]
        if poll.members_add and len(options) < buttons.MAX_OPTIONS:
            elements.append(ui.Button(_("Suggest an option"), buttons.SUGGEST, str(poll.id)))
        if elements:
            blocks.append(ui.Actions(elements))
    return ui.Message(summary=lead.plain(), blocks=blocks)
