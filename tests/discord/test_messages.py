"""The Discord renderer: every kind of message Catalyst builds is a body Discord accepts
(checked by the fake's own validator), buttons carry Slack's action id and value, and our
Slack-flavoured markup becomes Discord markdown without letting a member's words ping or link.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.discord import messages
from bot.wiring import Runtime
from core import i18n, ui
from core.broadcasts import notices as broadcast_notices
from core.models import Member
from core.pairing import notices as pairing_notices
from core.sessions import buttons as session_buttons
from core.sessions import notices as session_notices
from core.sessions.models import CommunitySession, Prompt
from core.ui import Message
from handlers.dispatch import Dispatcher
from tests.fakes.discord_validation import message_errors
from tests.helpers import caller, profile_values

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def _member(name: str, user_id: str) -> Member:
    return Member(
        platform_user_id=user_id,
        display_name=name,
        organisation="Refugee Action Now",
        org_size="100k_1m",
        role_level="manager",
        themes=[],
        languages=["en"],
        timezone="Europe/London",
        pairing_cadence="monthly",
    )


def _session(description: str = "Read the chapter before we meet.") -> CommunitySession:
    return CommunitySession(
        id=7,
        number=3,
        title="Power and *privilege*",
        starts_at=AT + timedelta(days=2),
        duration_minutes=90,
        location="https://meet.example.org/abc-defg",
        description=description,
    )


def valid(payload: dict[str, Any], *, ephemeral: bool = False) -> dict[str, Any]:
    errors = message_errors(payload, interaction=ephemeral)
    assert not errors, errors.problems()
    return payload


def all_text(payload: dict[str, Any]) -> str:
    parts = [str(payload.get("content") or "")]
    parts += [str(embed.get("description") or "") for embed in payload.get("embeds") or []]
    return "\n".join(parts)


def components(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in payload.get("components") or [] for c in row["components"]]


def dispatcher_messages(replies: list[ui.Reply]) -> list[Message]:
    found: list[Message] = []
    for reply in replies:
        if isinstance(reply, Message):
            found.append(reply)
        elif isinstance(reply, ui.DirectMessage):
            found.append(reply.message)
    return found


# ---- real replies -------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "ar"])
def test_help_and_the_home_page_render_within_discords_limits(
    runtime: Runtime, language: str
) -> None:
    dispatcher: Dispatcher = runtime.dispatcher()
    facilitator = caller("UFACIL01", facilitator=True)
    with i18n.speaking(language):
        dispatcher.submit(facilitator, "membership.join", profile_values(), "")
        replies = dispatcher.command(facilitator, "help") + dispatcher.command(caller(), "help")
        page = dispatcher.home(facilitator)
    assert page is not None
    rendered = [messages.message_payload(m) for m in dispatcher_messages(replies)]
    rendered.append(messages.message_payload(Message("home", page.blocks)))
    assert len(rendered) >= 3
    for payload in rendered:
        valid(payload)
        valid(messages.message_payload(Message("x", []), ephemeral=True), ephemeral=True)
    home_ids = [c["custom_id"] for c in components(rendered[-1]) if "custom_id" in c]
    assert home_ids, "the home page has buttons"
    for custom_id in home_ids:
        action_id, _ = messages.parse_custom_id(custom_id)
        assert action_id
        assert "|" not in action_id


def test_a_session_reminder_keeps_its_rsvp_buttons_and_links() -> None:
    cs = _session()
    message = session_notices.reminder(
        cs,
        _member("Amina", "1001"),
        timedelta(days=1),
        None,
        prep=[("A guide", "https://example.org/guide")],
    )
    payload = valid(messages.message_payload(message))
    text = all_text(payload)
    assert "https://meet.example.org/abc-defg" in text
    assert "https://example.org/guide" in text
    # The title is the facilitator's: its stars are theirs, ours are made Discord's bold.
    assert "**" in text
    sent = [messages.parse_custom_id(c["custom_id"]) for c in components(payload)]
    slack_pairs = [
        (e.action_id, e.value)
        for block in message.blocks
        if isinstance(block, ui.Actions)
        for e in block.elements
        if isinstance(e, ui.Button) and not e.url
    ]
    assert sent == slack_pairs
    assert "content" not in payload
    assert payload["allowed_mentions"] == {"parse": []}


def test_a_pairing_intro_and_a_reflection_prompt_render() -> None:
    people = [_member("Amina", "1001"), _member("Sam <@1002>", "1002")]
    intro = valid(messages.message_payload(pairing_notices.intro(41, people, people[0])))
    assert [messages.parse_custom_id(c["custom_id"])[1] for c in components(intro)] == ["41"] * 3
    assert "\\<@1002>" in all_text(intro)  # a name can't mention anyone
    prompt = session_notices.prompt_post(Prompt(id=5, text="What did you *notice*?"), "Power")
    payload = valid(messages.message_payload(prompt))
    (reflect,) = components(payload)
    assert messages.parse_custom_id(reflect["custom_id"]) == (session_buttons.REFLECT, "5")
    assert reflect["style"] == messages.PRIMARY


def test_a_40000_character_broadcast_goes_out_whole_in_several_messages() -> None:
    words = " ".join(f"word{i}" for i in range(4000))
    body = (
        f"{words[:15000]}\n\nSee https://example.org/the-middle-link for more.\n\n"
        + words[15000:39000]
    )[:40_000]
    body = body + "x" * (40_000 - len(body))
    message = broadcast_notices.message(body, prompt_id=9, in_channel=True, notify_channel=True)
    parts = messages.message_payloads(message)
    assert len(parts) >= 7
    for part in parts:
        valid(part)
    joined = "".join(all_text(p).replace("\n", "").replace(" ", "") for p in parts)
    assert body.replace("\n", "").replace(" ", "") in joined  # nothing dropped
    assert parts[0]["content"] == "@everyone"
    assert parts[0]["allowed_mentions"] == {"parse": ["everyone"]}
    assert all("content" not in p for p in parts[1:])
    assert all(p["components"] == [] for p in parts[:-1])
    assert parts[-1]["components"]
    # One message: cut, but the link that fell off the end is listed.
    one = valid(messages.message_payload(message))
    assert "https://example.org/the-middle-link" in all_text(one)
    assert one["components"] == parts[-1]["components"]


def test_a_members_channel_ping_is_only_text() -> None:
    said = ui.said("Hello <!channel> and @everyone, see <https://evil.example|Confirm>")
    payload = valid(messages.message_payload(said))
    assert "content" not in payload
    assert payload["allowed_mentions"] == {"parse": []}
    text = all_text(payload)
    assert "\\<!channel>" in text
    assert "\\<https://evil.example|Confirm>" in text
    assert "@everyone" not in text  # broken by a zero-width joiner


# ---- markup ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("*bold* and _italic_ and `code`", "**bold** and _italic_ and `code`"),
        ("see <https://example.org|the site>", "see [the site](https://example.org)"),
        ("see <https://example.org>", "see https://example.org"),
        ("ask <@U0AMINA>", "ask <@U0AMINA>"),
        ("ask <@123456789012345678|amina>", "ask <@123456789012345678>"),
        ("in <#C0GENERAL|general>", "in <#C0GENERAL>"),
        ("CATALYST_CHANNEL and snake_case", "CATALYST_CHANNEL and snake_case"),
        ("a * b * c", "a * b * c"),
    ],
)
def test_slack_markup_becomes_discord_markdown(template: str, expected: str) -> None:
    assert messages.markdown(ui.Text(template)) == expected


def test_a_value_in_a_code_span_is_shown_as_typed() -> None:
    text = ui.Text("I don't know `{v0}`.", {"v0": "pro`fil <@1>"})
    assert messages.markdown(text) == "I don't know `proˋfil <@1>`."


def test_our_channel_ping_goes_in_content_only_when_asked() -> None:
    quiet = broadcast_notices.message(
        "Hi all", prompt_id=None, in_channel=True, notify_channel=False
    )
    loud = broadcast_notices.message("Hi all", prompt_id=None, in_channel=True, notify_channel=True)
    assert "content" not in valid(messages.message_payload(quiet))
    assert valid(messages.message_payload(loud))["content"] == "@everyone"


# ---- components -----------------------------------------------------------------------


def test_buttons_fill_rows_of_five_a_select_alone_and_ids_stay_unique() -> None:
    buttons = [ui.Button(f"Button {i}", "x.same", "1") for i in range(12)]
    select = ui.Select(
        "Pick", "x.pick", [ui.Option(str(i), f"Option {i}") for i in range(40)], initial="3"
    )
    message = Message("m", [ui.Actions([*buttons[:7], select, *buttons[7:]])])
    payload = valid(messages.message_payload(message))
    rows = payload["components"]
    assert [len(r["components"]) for r in rows] == [5, 2, 1, 5]
    assert rows[2]["components"][0]["type"] == messages.STRING_SELECT
    assert len(rows[2]["components"][0]["options"]) == 25
    assert next(o for o in rows[2]["components"][0]["options"] if o.get("default"))["value"] == "3"
    ids = list(messages.iter_custom_ids(payload))
    assert len(set(ids)) == len(ids)
    assert {messages.parse_custom_id(i) for i in ids if "pick" not in i} == {("x.same", "1")}
    assert messages.parse_custom_id(rows[2]["components"][0]["custom_id"]) == ("x.pick", "")


def test_more_than_five_rows_are_left_off_not_refused() -> None:
    message = Message(
        "m", [ui.Actions([ui.Select("p", f"s{i}", [ui.Option("a", "A")]) for i in range(8)])]
    )
    assert len(valid(messages.message_payload(message))["components"]) == 5


def test_long_labels_and_values_are_kept_within_limits_and_come_back_whole() -> None:
    long_value = '{"q": "' + "climate justice " * 40 + '", "o": 10, "a": false}'
    message = Message(
        "m",
        [ui.Actions([ui.Button("L" * 120, "resource.more", long_value), ui.Button("", "a.b")])],
    )
    payload = valid(messages.message_payload(message))
    first, second = components(payload)
    assert len(first["label"]) == 80
    assert len(first["custom_id"]) <= 100
    assert messages.parse_custom_id(first["custom_id"]) == ("resource.more", long_value)
    assert messages.parse_custom_id(second["custom_id"]) == ("a.b", "")
    # An id this process never made (after a restart) reads as the action with no value.
    assert messages.parse_custom_id("resource.more^0000") == ("resource.more", "")
    assert messages.parse_custom_id("somebody.else") == ("somebody.else", "")


def test_a_link_button_has_a_url_and_no_id() -> None:
    message = Message("m", [ui.Actions([ui.Button("Open", "resource.open", url="https://x.org")])])
    (button,) = components(valid(messages.message_payload(message)))
    assert button == {"type": 2, "style": messages.LINK, "label": "Open", "url": "https://x.org"}


def test_a_confirming_button_asks_first_then_acts_like_slacks() -> None:
    confirm = ui.Confirm("Erase your data?", "This deletes everything.", "Erase", "Keep it")
    message = Message(
        "m",
        [
            ui.Actions(
                [
                    ui.Button("Erase my data", "privacy.forget", style="danger", confirm=confirm),
                    ui.Button("Keep my data", "ui.dismiss"),
                ]
            )
        ],
    )
    erase, keep = components(valid(messages.message_payload(message)))
    assert erase["style"] == messages.DANGER
    assert messages.asks_confirmation(erase["custom_id"])
    assert not messages.asks_confirmation(keep["custom_id"])
    prompt = valid(
        messages.confirm_prompt(erase["custom_id"], label="Erase my data"), ephemeral=True
    )
    assert prompt["flags"] == messages.EPHEMERAL
    assert "Erase your data?" in all_text(prompt)
    assert "This deletes everything." in all_text(prompt)
    yes, no = components(prompt)
    assert yes["label"] == "Erase"
    assert no["label"] == "Keep it"
    assert not messages.asks_confirmation(yes["custom_id"])
    assert messages.parse_custom_id(yes["custom_id"]) == ("privacy.forget", "")
    assert messages.parse_custom_id(no["custom_id"]) == ("ui.dismiss", "")
    # After a restart the question is the button's own label.
    forgotten = messages.confirm_prompt("?sets.close|4", label="Close the cycle")
    assert "Close the cycle" in all_text(valid(forgotten, ephemeral=True))


def test_ephemeral_only_when_asked_and_an_empty_message_still_says_something() -> None:
    plain = valid(messages.message_payload(Message("Only a summary")))
    assert "flags" not in plain
    assert "Only a summary" in all_text(plain)
    assert (
        valid(messages.message_payload(Message("s"), ephemeral=True), ephemeral=True)["flags"]
        == messages.EPHEMERAL
    )
    assert message_errors(messages.message_payload(Message("s"), ephemeral=True)), (
        "the fake refuses the ephemeral flag outside an interaction reply"
    )


def test_a_summary_alone_is_plain_text() -> None:
    payload = valid(messages.message_payload(Message("See <https://evil.example|this> *now*")))
    assert all_text(payload).strip() == "See \\<https://evil.example|this> *now*"


def test_results_each_with_buttons_then_more_keep_every_button() -> None:
    """Five search results with Open and Helpful each, then More: six rows as laid out, so
    the buttons flow five to a row and More (what comes next) is never the one cut."""
    blocks: list[ui.Block] = []
    for n in range(1, 6):
        blocks.append(ui.Section(ui.literal(f"Result {n}")))
        blocks.append(
            ui.Actions(
                [ui.Button("Open", f"r.open.{n}", str(n)), ui.Button("Helpful", "r.up", str(n))]
            )
        )
    blocks.append(ui.Actions([ui.Button("More", "r.more", "page-2")]))
    payload = messages.message_payload(Message("results", blocks))
    valid(payload)
    ids = [c["custom_id"] for row in payload["components"] for c in row["components"]]
    assert len(ids) == 11
    assert any(i.startswith("r.more") for i in ids)
    assert len(payload["components"]) == 3
