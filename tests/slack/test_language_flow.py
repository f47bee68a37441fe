"""A member's language, end to end through Slack's HTTP endpoint: suggested from their Slack
locale when they join, changed in the profile form or with `/cop language`."""

from __future__ import annotations

import json
from typing import Any

from core import i18n
from core.db import unit_of_work
from core.models import Member
from tests.conftest import table_counts
from tests.fakes.slack_api import block_kit_problems
from tests.helpers import profile_values
from tests.slack_harness import SlackHarness


def open_join_form(slack: SlackHarness, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.open"))
    assert slack.command("join", user=user).status == 200
    view: dict[str, Any] = slack.fake.wait_for("views.open", count=before + 1)[-1].params["view"]
    assert block_kit_problems("modal", view) == []
    return view


def inputs_of(view: dict[str, Any]) -> dict[str, Any]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def chosen(view: dict[str, Any], name: str) -> str:
    value: str = inputs_of(view)[name]["element"]["initial_option"]["value"]
    return value


def language_of(slack: SlackHarness, user: str) -> str | None:
    with unit_of_work(slack.runtime.session_factory) as session:
        member = session.query(Member).filter_by(platform_user_id=user).one()
        return member.language


def join(slack: SlackHarness, user: str = "U0AMINA", **overrides: Any) -> None:
    view = open_join_form(slack, user)
    values = profile_values(language=chosen(view, "language"))
    values.update(overrides)
    reply = slack.submit(view, values, user=user)
    assert (reply.status, reply.body) == (200, "")


def in_language(code: str, msgid: str, **values: object) -> str:
    """The shipped catalogue's `msgid` in `code`, without isolation marks."""
    with i18n.speaking(code):
        return i18n.without_marks(i18n.t(msgid, **values))


def said(slack: SlackHarness, text: str, user: str = "U0AMINA") -> str:
    reply = slack.command(text, user=user)
    assert reply.status == 200
    body = reply.json()
    assert block_kit_problems("message", body) == []
    # Without the isolation marks a right-to-left reply carries.
    return i18n.without_marks(json.dumps(body, ensure_ascii=False))


def test_the_join_form_suggests_the_slack_locale_and_stores_it(slack: SlackHarness) -> None:
    slack.fake.add_user("U0CLAIRE", real_name="Claire Dubois", tz="Europe/Paris", locale="fr-FR")
    view = open_join_form(slack, "U0CLAIRE")
    [call] = [c for c in slack.fake.calls_to("users.info") if c.params["user"] == "U0CLAIRE"]
    assert call.params["include_locale"] in {"1", "true", True}
    language = inputs_of(view)["language"]
    # The form is already in French, the visitor's Slack language.
    assert language["label"]["text"] == in_language("fr", "Language") != "Language"
    assert language["hint"]["text"] == in_language("fr", "The language Catalyst writes to you in.")
    options = {o["value"]: o["text"]["text"] for o in language["element"]["options"]}
    assert options == {"en": "English", "ar": "العربية", "fr": "Français"}
    assert chosen(view, "language") == "fr"
    assert len(view["blocks"]) <= 100

    reply = slack.submit(view, profile_values(language=chosen(view, "language")), user="U0CLAIRE")
    assert (reply.status, reply.body) == (200, "")
    assert language_of(slack, "U0CLAIRE") == "fr"


def test_without_a_locale_we_speak_the_join_form_suggests_the_communitys(
    slack: SlackHarness,
) -> None:
    slack.fake.add_user("U0HANS", real_name="Hans Weber", locale="de-DE")
    assert chosen(open_join_form(slack, "U0HANS"), "language") == "en"
    assert chosen(open_join_form(slack, "U0AMINA"), "language") == "en"  # no locale at all


def test_the_profile_form_changes_the_language(slack: SlackHarness) -> None:
    join(slack)
    assert language_of(slack, "U0AMINA") == "en"
    slack.click("membership.edit")
    view = slack.fake.wait_for("views.open", count=2)[-1].params["view"]
    assert view["callback_id"] == "membership.edit"
    assert chosen(view, "language") == "en"
    values = profile_values(language="ar")
    values.pop("agreed")
    assert slack.submit(view, values).body == ""
    assert language_of(slack, "U0AMINA") == "ar"
    assert "العربية" in said(slack, "profile")


def test_the_profile_form_refuses_a_language_catalyst_does_not_speak(
    slack: SlackHarness,
) -> None:
    join(slack)
    slack.click("membership.edit")
    view = slack.fake.wait_for("views.open", count=2)[-1].params["view"]
    # A forged submission: the option isn't in the menu, so Slack would never send it.
    view["blocks"] = [
        {**b, "element": {**b["element"], "options": [{"value": "de", "text": {}}]}}
        if b.get("block_id") == "language"
        else b
        for b in view["blocks"]
    ]
    before = table_counts(slack.runtime)
    body = slack.submit(view, profile_values(language="de")).json()
    assert body["response_action"] == "errors"
    assert "English (`en`)" in body["errors"]["language"]
    assert table_counts(slack.runtime) == before
    assert language_of(slack, "U0AMINA") == "en"


def test_cop_language_shows_the_current_one_and_how_to_switch(slack: SlackHarness) -> None:
    join(slack)
    shown = said(slack, "language")
    assert "Catalyst writes to you in *English*." in shown
    assert "English (`en`), العربية (`ar`) and Français (`fr`)" in shown
    assert "`/cop language ar`" in shown


def test_cop_language_switches_at_once(slack: SlackHarness) -> None:
    join(slack)
    reply = slack.answer("language ar")
    # Answered in the new language already: an Arabic reply is marked right-to-left.
    assert reply["text"].startswith(i18n.RLI)
    shown = i18n.without_marks(reply["text"])
    expected = "Done: Catalyst will write to you in *{language}* from now on."
    assert shown == in_language("ar", expected, language="العربية") != expected
    assert language_of(slack, "U0AMINA") == "ar"
    assert "*العربية*" in said(slack, "language")


def test_cop_language_with_an_unknown_code_lists_ours_and_changes_nothing(
    slack: SlackHarness,
) -> None:
    join(slack)
    for typed in ("de", "xx"):
        before = table_counts(slack.runtime)
        shown = said(slack, f"language {typed}")
        assert f"Catalyst doesn't speak `{typed}` yet." in shown
        assert "English (`en`), العربية (`ar`) and Français (`fr`)" in shown
        assert table_counts(slack.runtime) == before
        assert language_of(slack, "U0AMINA") == "en"


def test_cop_language_is_for_members(slack: SlackHarness) -> None:
    said(slack, "help", user="U0SAM")
    before = table_counts(slack.runtime)
    shown = said(slack, "language fr", user="U0SAM")
    assert "You haven't joined yet." in shown
    assert "`/cop join`" in shown
    assert table_counts(slack.runtime) == before


def test_my_data_includes_the_language(slack: SlackHarness) -> None:
    join(slack)
    said(slack, "language fr")
    shown = said(slack, "my-data")
    assert (
        in_language("fr", "Catalyst writes to you in *{language}*.", language="Français") in shown
    )
