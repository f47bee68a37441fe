"""`my-data` on screen: everything Catalyst holds about a member, as a letter to them.

It is written from the same data as the JSON file (`privacy.personal_data`), so the two
always agree: the letter in plain words and the member's own timezone, the file complete
and typed for machines. Anything the member (or another member) wrote goes in as a value,
so the renderer escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from core import i18n, ui
from core.i18n import N_, _, t, tn
from core.models import Role
from core.sessions.models import RsvpAnswer, Visibility
from core.timefmt import on_day, span
from core.words import and_list

SESSIONS_SHOWN = 10  # most recent answers in the letter; the file has every one
LINES_PER_SECTION = 5  # session lines (each with a title and a note of up to 500 characters)
TITLES_SHOWN = 10  # library titles named in the letter

# One line per answer, each a whole sentence for translators.
ANSWER_LINES = {
    RsvpAnswer.GOING.value: N_("• Session {number}, {title}, {when}: you said you're going."),
    RsvpAnswer.MAYBE.value: N_("• Session {number}, {title}, {when}: you said maybe."),
    RsvpAnswer.DECLINED.value: N_(
        "• Session {number}, {title}, {when}: you said you can't make it."
    ),
}
DECLINED_WITH_RECAP = N_(
    "• Session {number}, {title}, {when}: you said you can't make it, and asked for the recap."
)
# Translators: {answer} is an answer code Catalyst doesn't know (it never should happen).
OTHER_ANSWER = N_("• Session {number}, {title}, {when}: {answer}.")


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class _Paragraph:
    """Sentences with placeholders: our words in the template, theirs in the values.

    Each sentence comes in already translated (`p.add(_("…"), name=…)`); its values are
    filled in by the renderer, so whatever a member wrote is escaped.
    """

    def __init__(self, heading: str) -> None:
        self.lines: list[str] = [f"*{heading}*"] if heading else []
        self.values: dict[str, str] = {}

    def add(self, template: str, **values: object) -> None:
        # Placeholders are renamed so that two sentences can't collide.
        for name, value in values.items():
            key = f"v{len(self.values)}"
            template = template.replace("{" + name + "}", "{" + key + "}")
            self.values[key] = i18n.isolate(str(value))
        self.lines.append(template)

    def section(self, joiner: str = "\n") -> ui.Section:
        return ui.Section(ui.Text(i18n.directed(joiner.join(self.lines)), self.values))


def letter(data: Mapping[str, Any], zone: str, command: str) -> list[ui.Block]:
    """The blocks of the letter: profile, consent, sessions, reflections, pairing, library."""
    profile = data["profile"]
    blocks: list[ui.Block] = [
        ui.Header(_("What Catalyst holds about you")),
        ui.Section(
            ui.text(
                "Hello {name}. This is everything Catalyst holds about you. Times are in your "
                "timezone, {zone}.",
                name=profile["display_name"],
                zone=zone.replace("_", " "),
            )
        ),
        _profile(profile, zone),
        _consent(profile, zone, command),
        *_sessions(data.get("sessions", {}).get("answers", []), zone),
        _reflections(data.get("reflections", {})),
        _pairing(data.get("peer_coaching", {}), zone),
        _library(data.get("resources", {})),
        _newsletter(data.get("newsletter", {})),
        *_care(data.get("care", {}), zone),
        _polls(data.get("polls", {})),
    ]
    return blocks


def _care(held: Mapping[str, Any], zone: str) -> list[ui.Block]:
    """A pause, and the check-ins facilitators sent (with what was said in them)."""
    checkins = held.get("check_ins") or []
    until = held.get("paused_until")
    if not checkins and not until:
        return []
    p = _Paragraph(_("Pauses and check-ins"))
    if until:
        p.add(_("You are pausing until {day}."), day=on_day(_at(until), zone))
    for checkin in checkins:
        p.add(
            _("On {day} a facilitator checked in with you: {text}"),
            day=on_day(_at(checkin["sent_at"]), zone),
            text=checkin["text"],
        )
    return [p.section()]


def _polls(held: Mapping[str, Any]) -> ui.Section:
    p = _Paragraph(_("Polls and the survey"))
    for vote in held.get("named_votes") or []:
        p.add(
            _("• In the named poll “{question}” you chose “{option}”."),
            question=vote.get("poll", ""),
            option=vote.get("chose", ""),
        )
    answered = len(held.get("survey_answers") or [])
    if answered:
        p.add(
            tn(
                "You answered {n} survey with your name; the file has your answers.",
                "You answered {n} surveys with your name; the file has your answers.",
                answered,
            )
        )
    p.add(
        _(
            "Anonymous votes and survey answers are kept without your name, so nothing "
            "links them to you."
        )
    )
    return p.section()


def _newsletter(held: Mapping[str, Any]) -> ui.Section:
    p = _Paragraph(_("The monthly newsletter"))
    way = held.get("newsletter", "dm")
    if way == "off":
        p.add(_("You don't get the monthly newsletter."))
    elif way == "channel":
        p.add(_("You read the monthly newsletter in the community channel, not by DM."))
    else:
        p.add(_("You get the monthly newsletter by direct message."))
    quoted = len(held.get("reflections_quoted") or [])
    if quoted:
        p.add(
            tn(
                "{n} of your reflections is quoted in a newsletter, as you allowed.",
                "{n} of your reflections are quoted in a newsletter, as you allowed.",
                quoted,
            )
        )
    return p.section()


def _label(value: object) -> str:
    """A stored choice's English label (as the JSON file has it) in the reader's language."""
    return _(str(value)) if value else str(value)


def _profile(profile: Mapping[str, Any], zone: str) -> ui.Section:
    p = _Paragraph(_("Your profile"))
    work = {
        "name": profile["display_name"],
        "organisation": profile["organisation"],
        "size": _label(profile["organisation_size"]),
        "level": _label(profile["role_level"]),
    }
    if profile.get("pronouns"):
        p.add(
            _(
                "You're {name} ({pronouns}), and you work at {organisation} ({size}). "
                "Your role there: {level}."
            ),
            pronouns=profile["pronouns"],
            **work,
        )
    else:
        p.add(
            _("You're {name}, and you work at {organisation} ({size}). Your role there: {level}."),
            **work,
        )
    themes = profile.get("themes") or []
    if themes:
        # Default themes are ours and read in the reader's language; a custom one is as written.
        p.add(
            _("The themes you care about: {themes}."),
            themes=and_list([_(theme) for theme in themes]),
        )
    else:
        p.add(_("You haven't picked any themes."))
    tz = profile["timezone"].replace("_", " ")
    languages = profile.get("languages") or []
    if languages:
        p.add(
            _("Your languages: {languages}. Your timezone: {tz}."),
            languages=and_list([_label(language) for language in languages]),
            tz=tz,
        )
    else:
        p.add(_("Your languages: none given. Your timezone: {tz}."), tz=tz)
    p.add(
        _("How often you'd like a peer-coaching partner: {cadence}."),
        cadence=_label(profile["peer_coaching"]),
    )
    if profile["private_lived_experience_matching_preference"]:
        p.add(
            _(
                "Your private preference to be matched with peers who share lived experience "
                "of the migration system is *on*. Nobody else sees it, facilitators included."
            )
        )
    else:
        p.add(
            _(
                "Your private preference to be matched with peers who share lived experience "
                "of the migration system is *off*. Nobody else sees it, facilitators included."
            )
        )
    if profile["role"] == Role.FACILITATOR.value:
        p.add(
            _("Your user ID is {user}, and you're a facilitator of the community."),
            user=profile["platform_user_id"],
        )
    else:
        p.add(
            _("Your user ID is {user}, and you're a member of the community."),
            user=profile["platform_user_id"],
        )
    joined = on_day(_at(profile["joined_at"]), zone)
    updated = on_day(_at(profile["profile_updated_at"]), zone)
    if updated == joined:
        p.add(_("You joined on {joined}."), joined=joined)
    else:
        p.add(
            _("You joined on {joined}, and your profile last changed on {updated}."),
            joined=joined,
            updated=updated,
        )
    if profile.get("left_at"):
        p.add(
            _("You left on {left}, so everything is paused until you come back."),
            left=on_day(_at(profile["left_at"]), zone),
        )
    return p.section()


def _consent(profile: Mapping[str, Any], zone: str, command: str) -> ui.Section:
    p = _Paragraph(_("Consent"))
    at = on_day(_at(profile["consent_given_at"]), zone)
    if profile.get("consent_version_is_current"):
        p.add(
            _(
                "You agreed to the ground rules and privacy notice on {at} (the version in "
                "force today)."
            ),
            at=at,
        )
    else:
        p.add(
            _(
                "You agreed to the ground rules and privacy notice on {at} (an earlier "
                "version: they have changed since, and `{cmd} join` shows the current ones)."
            ),
            at=at,
            cmd=command,
        )
    return p.section()


def _session_line(p: _Paragraph, answer: Mapping[str, Any], zone: str) -> None:
    code = answer["answer"]
    if code == RsvpAnswer.DECLINED.value and answer.get("wants_recap"):
        line = _(DECLINED_WITH_RECAP)
    else:
        line = _(ANSWER_LINES.get(code, OTHER_ANSWER))
    # Each sentence whole, one after another on the line.
    sentences = [line]
    values: dict[str, object] = {
        "number": answer["number"],
        "title": answer["title"],
        "when": span(_at(answer["starts_at"]), _at(answer["ends_at"]), zone),
    }
    if code not in ANSWER_LINES:
        values["answer"] = code
    if answer.get("apology_note"):
        sentences.append(_("Your note: “{note}”."))
        values["note"] = answer["apology_note"]
    if answer.get("cancelled"):
        sentences.append(_("(It was cancelled.)"))
    sentences.append(_("You answered on {answered}."))
    values["answered"] = on_day(_at(answer["answered_at"]), zone)
    p.add(" ".join(sentences), **values)


def _sessions(answers: Sequence[Mapping[str, Any]], zone: str) -> list[ui.Block]:
    if not answers:
        p = _Paragraph(_("Sessions"))
        p.add(_("You haven't answered any sessions yet."))
        return [p.section()]
    shown = list(answers[-SESSIONS_SHOWN:])
    earlier = len(answers) - len(shown)
    blocks: list[ui.Block] = []
    for start in range(0, len(shown), LINES_PER_SECTION):
        p = _Paragraph(_("Sessions") if start == 0 else "")
        if start == 0:
            if earlier:
                p.add(tn("Your latest {n} answer:", "Your latest {n} answers:", len(shown)))
            else:
                p.add(_("Your answers:"))
        for answer in shown[start : start + LINES_PER_SECTION]:
            _session_line(p, answer, zone)
        blocks.append(p.section())
    if earlier:
        more = tn(
            "…and {n} earlier answer before them, all in the JSON file.",
            "…and {n} earlier answers before them, all in the JSON file.",
            earlier,
        )
        blocks.append(ui.Context([ui.Text(i18n.directed(more))]))
    return blocks


def _reflections(held: Mapping[str, Any]) -> ui.Section:
    p = _Paragraph(_("Reflections"))
    written = held.get("reflections") or []
    if written:
        kinds = [r.get("visibility") for r in written]
        shared = kinds.count(Visibility.SHARED.value)
        with_facilitators = kinds.count(Visibility.FACILITATORS.value)
        private = kinds.count(Visibility.PRIVATE.value)
        parts = [
            # Translators: part of a list: "3 shared in the thread, 1 with facilitators only…"
            tn("{n} shared in the thread", "{n} shared in the thread", shared),
            tn("{n} with facilitators only", "{n} with facilitators only", with_facilitators),
            tn("{n} private, for you alone", "{n} private, for you alone", private),
        ]
        p.add(
            tn(
                "You've written {n} reflection: {parts}. Each one, in full, is in the JSON file.",
                "You've written {n} reflections: {parts}. Each one, in full, is in the JSON file.",
                len(written),
                parts="{parts}",
            ),
            parts=and_list(parts),
        )
    else:
        p.add(_("You haven't written any reflections yet."))
    if held.get("nudges_and_catch_ups", True):
        p.add(_("After-session nudges and catch-ups are on."))
    else:
        p.add(_("After-session nudges and catch-ups are off."))
    return p.section()


def _pairing(held: Mapping[str, Any], zone: str) -> ui.Section:
    p = _Paragraph(_("Peer coaching"))
    if held.get("paused_until"):
        p.add(
            _("You've paused pairing until {until}."),
            until=on_day(_at(held["paused_until"]), zone),
        )
    if held.get("skip_next_round"):
        p.add(_("You asked to skip the next round."))
    avoided = held.get("never_pair_me_with") or []
    if avoided:
        p.add(
            _("You asked never to be paired with {names}. Only you can see this."),
            names=and_list(avoided),
        )
    rounds = held.get("rounds") or []
    if rounds:
        met = sum(1 for r in rounds if r.get("outcome") == "met")
        p.add(
            tn(
                "You've been paired in {n} round, and said you met in {met}. The latest "
                "started on {latest}.",
                "You've been paired in {n} rounds, and said you met in {met}. The latest "
                "started on {latest}.",
                len(rounds),
                met="{met}",
                latest="{latest}",
            ),
            met=i18n.number(met),
            latest=on_day(_at(rounds[-1]["started_at"]), zone),
        )
    else:
        p.add(_("You haven't been paired yet."))
    return p.section()


def _library(held: Mapping[str, Any]) -> ui.Section:
    p = _Paragraph(_("Library"))
    shared = held.get("shared") or []
    if shared:
        titles = [r["title"] for r in shared[:TITLES_SHOWN]]
        more = len(shared) - len(titles)
        # Translators: a resource's title in quotation marks.
        quoted = [t("“{title}”", title=title) for title in titles]
        if more:
            quoted.append(tn("{n} more", "{n} more", more))
        p.add(
            tn(
                "You've shared {n} resource: {titles}.",
                "You've shared {n} resources: {titles}.",
                len(shared),
                titles="{titles}",
            ),
            titles=and_list(quoted),
        )
    else:
        p.add(_("You haven't shared any resources yet."))
    helpful = held.get("found_helpful") or []
    if helpful:
        p.add(
            tn(
                "You marked {n} resource as helpful.",
                "You marked {n} resources as helpful.",
                len(helpful),
            )
        )
    else:
        p.add(_("You haven't marked any resources as helpful."))
    return p.section()
