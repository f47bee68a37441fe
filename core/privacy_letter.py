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

from core import ui
from core.labels import ROLE_LABELS
from core.sessions.models import RsvpAnswer, Visibility
from core.timefmt import on_day, span
from core.words import and_list, plural

SESSIONS_SHOWN = 10  # most recent answers in the letter; the file has every one
LINES_PER_SECTION = 5  # session lines (each with a title and a note of up to 500 characters)
TITLES_SHOWN = 10  # library titles named in the letter

ANSWER_WORDS = {
    RsvpAnswer.GOING.value: "you said you're going",
    RsvpAnswer.MAYBE.value: "you said maybe",
    RsvpAnswer.DECLINED.value: "you said you can't make it",
}


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


class _Paragraph:
    """Sentences with placeholders: our words in the template, theirs in the values."""

    def __init__(self, heading: str) -> None:
        self.lines: list[str] = [f"*{heading}*"] if heading else []
        self.values: dict[str, str] = {}

    def add(self, template: str, **values: object) -> None:
        # Placeholders are renamed so that two sentences can't collide.
        for name, value in values.items():
            key = f"v{len(self.values)}"
            template = template.replace("{" + name + "}", "{" + key + "}")
            self.values[key] = str(value)
        self.lines.append(template)

    def section(self, joiner: str = "\n") -> ui.Section:
        return ui.Section(ui.Text(joiner.join(self.lines), self.values))


def letter(data: Mapping[str, Any], zone: str, command: str) -> list[ui.Block]:
    """The blocks of the letter: profile, consent, sessions, reflections, pairing, library."""
    profile = data["profile"]
    blocks: list[ui.Block] = [
        ui.Header("What Catalyst holds about you"),
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
    ]
    return blocks


def _profile(profile: Mapping[str, Any], zone: str) -> ui.Section:
    p = _Paragraph("Your profile")
    pronouns = " ({pronouns})" if profile.get("pronouns") else ""
    p.add(
        "You're {name}" + pronouns + ", and you work at {organisation} ({size}). Your role "
        "there: {level}.",
        name=profile["display_name"],
        **({"pronouns": profile["pronouns"]} if profile.get("pronouns") else {}),
        organisation=profile["organisation"],
        size=profile["organisation_size"],
        level=profile["role_level"],
    )
    themes = profile.get("themes") or []
    if themes:
        p.add("The themes you care about: {themes}.", themes=and_list(themes))
    else:
        p.add("You haven't picked any themes.")
    p.add(
        "Your languages: {languages}. Your timezone: {tz}.",
        languages=and_list(profile.get("languages") or []) or "none given",
        tz=profile["timezone"].replace("_", " "),
    )
    p.add(
        "How often you'd like a peer-coaching partner: {cadence}.", cadence=profile["peer_coaching"]
    )
    p.add(
        "Your private preference to be matched with peers who share lived experience of the "
        "migration system is *{pref}*. Nobody else sees it, facilitators included.",
        pref="on" if profile["private_lived_experience_matching_preference"] else "off",
    )
    role = ROLE_LABELS.get(profile["role"], profile["role"])
    p.add(
        "Your user ID is {user}, and you're a {role} of the community.",
        user=profile["platform_user_id"],
        role=role,
    )
    joined = on_day(_at(profile["joined_at"]), zone)
    updated = on_day(_at(profile["profile_updated_at"]), zone)
    if updated == joined:
        p.add("You joined on {joined}.", joined=joined)
    else:
        p.add(
            "You joined on {joined}, and your profile last changed on {updated}.",
            joined=joined,
            updated=updated,
        )
    if profile.get("left_at"):
        p.add(
            "You left on {left}, so everything is paused until you come back.",
            left=on_day(_at(profile["left_at"]), zone),
        )
    return p.section()


def _consent(profile: Mapping[str, Any], zone: str, command: str) -> ui.Section:
    p = _Paragraph("Consent")
    current = profile.get("consent_version_is_current")
    p.add(
        "You agreed to the ground rules and privacy notice on {at} ("
        + (
            "the version in force today)."
            if current
            else "an earlier version: they have changed since, and `{cmd} join` shows the "
            "current ones)."
        ),
        at=on_day(_at(profile["consent_given_at"]), zone),
        **({} if current else {"cmd": command}),
    )
    return p.section()


def _session_line(p: _Paragraph, answer: Mapping[str, Any], zone: str) -> None:
    said = ANSWER_WORDS.get(answer["answer"], answer["answer"])
    if answer["answer"] == RsvpAnswer.DECLINED.value:
        said += ", and asked for the recap" if answer.get("wants_recap") else ""
    template = "• Session {n}, {title}, {when}: " + said + "."
    values: dict[str, object] = {
        "n": answer["number"],
        "title": answer["title"],
        "when": span(_at(answer["starts_at"]), _at(answer["ends_at"]), zone),
    }
    if answer.get("apology_note"):
        template += " Your note: “{note}”."
        values["note"] = answer["apology_note"]
    if answer.get("cancelled"):
        template += " (It was cancelled.)"
    template += " You answered on {answered}."
    values["answered"] = on_day(_at(answer["answered_at"]), zone)
    p.add(template, **values)


def _sessions(answers: Sequence[Mapping[str, Any]], zone: str) -> list[ui.Block]:
    if not answers:
        p = _Paragraph("Sessions")
        p.add("You haven't answered any sessions yet.")
        return [p.section()]
    shown = list(answers[-SESSIONS_SHOWN:])
    earlier = len(answers) - len(shown)
    blocks: list[ui.Block] = []
    for start in range(0, len(shown), LINES_PER_SECTION):
        p = _Paragraph("Sessions" if start == 0 else "")
        if start == 0:
            p.add("Your latest {n} answers:" if earlier else "Your answers:", n=len(shown))
        for answer in shown[start : start + LINES_PER_SECTION]:
            _session_line(p, answer, zone)
        blocks.append(p.section())
    if earlier:
        blocks.append(
            ui.Context(
                [
                    ui.text(
                        "…and {earlier} before them, all in the JSON file.",
                        earlier=plural(earlier, "earlier answer", "earlier answers"),
                    )
                ]
            )
        )
    return blocks


def _reflections(held: Mapping[str, Any]) -> ui.Section:
    p = _Paragraph("Reflections")
    written = held.get("reflections") or []
    if written:
        kinds = [r.get("visibility") for r in written]
        parts = [
            f"{kinds.count(Visibility.SHARED.value)} shared in the thread",
            f"{kinds.count(Visibility.FACILITATORS.value)} with facilitators only",
            f"{kinds.count(Visibility.PRIVATE.value)} private, for you alone",
        ]
        p.add(
            "You've written {count}: {parts}. Each one, in full, is in the JSON file.",
            count=plural(len(written), "reflection", "reflections"),
            parts=and_list(parts),
        )
    else:
        p.add("You haven't written any reflections yet.")
    p.add(
        "After-session nudges and catch-ups are {state}.",
        state="on" if held.get("nudges_and_catch_ups", True) else "off",
    )
    return p.section()


def _pairing(held: Mapping[str, Any], zone: str) -> ui.Section:
    p = _Paragraph("Peer coaching")
    if held.get("paused_until"):
        p.add("You've paused pairing until {until}.", until=on_day(_at(held["paused_until"]), zone))
    if held.get("skip_next_round"):
        p.add("You asked to skip the next round.")
    avoided = held.get("never_pair_me_with") or []
    if avoided:
        p.add(
            "You asked never to be paired with {names}. Only you can see this.",
            names=and_list(avoided),
        )
    rounds = held.get("rounds") or []
    if rounds:
        met = sum(1 for r in rounds if r.get("outcome") == "met")
        p.add(
            "You've been paired in {rounds}, and said you met in {met}. The latest started on "
            "{latest}.",
            rounds=plural(len(rounds), "round", "rounds"),
            met=met,
            latest=on_day(_at(rounds[-1]["started_at"]), zone),
        )
    else:
        p.add("You haven't been paired yet.")
    return p.section()


def _library(held: Mapping[str, Any]) -> ui.Section:
    p = _Paragraph("Library")
    shared = held.get("shared") or []
    if shared:
        titles = [r["title"] for r in shared[:TITLES_SHOWN]]
        more = len(shared) - len(titles)
        quoted = [f"“{title}”" for title in titles]
        p.add(
            "You've shared {count}: {titles}.",
            count=plural(len(shared), "resource", "resources"),
            titles=and_list([*quoted, f"{more} more"] if more else quoted),
        )
    else:
        p.add("You haven't shared any resources yet.")
    helpful = held.get("found_helpful") or []
    if helpful:
        p.add(
            "You marked {count} as helpful.",
            count=plural(len(helpful), "resource", "resources"),
        )
    else:
        p.add("You haven't marked any resources as helpful.")
    return p.section()
