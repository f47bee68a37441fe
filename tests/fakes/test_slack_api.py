"""Tests of the fake Slack Web API itself, driven through slack_sdk's real WebClient."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import FakeSlackApi, block_kit_problems


class FakeClock:
    """Manually advanced clock so trigger expiry needs no sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeSlackApi]:
    with FakeSlackApi(clock=clock) as api:
        yield api


@pytest.fixture
def client(fake: FakeSlackApi) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.base_url)


def modal(title: str = "Catalyst", blocks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "cb",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks or [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
    }


def test_base_url_shape(fake: FakeSlackApi) -> None:
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert fake.base_url.endswith("/api/")


def test_auth_test(client: WebClient) -> None:
    resp = client.auth_test()
    assert resp["team_id"] == "T0001"
    assert resp["user_id"] == "U0BOT"
    assert resp["bot_id"] == "B0BOT"


def test_missing_token_not_authed(fake: FakeSlackApi) -> None:
    with pytest.raises(SlackApiError) as info:
        WebClient(base_url=fake.base_url).auth_test()
    assert info.value.response["error"] == "not_authed"


def test_post_message_recorded_with_decoded_blocks(fake: FakeSlackApi, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    first = client.chat_postMessage(channel="C123", text="hello", blocks=blocks)
    second = client.chat_postMessage(channel="C123", text="again")
    assert first["ok"]
    assert first["channel"] == "C123"
    assert first["message"]["text"] == "hello"
    assert float(second["ts"]) > float(first["ts"])
    call = fake.wait_for("chat.postMessage", count=2)[0]
    assert call.params["blocks"] == blocks
    assert call.headers["Authorization"] == "Bearer xoxb-test"


def test_form_encoded_blocks_are_decoded(fake: FakeSlackApi, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]
    client.chat_update(channel="C1", ts="1.2", text="x", blocks=blocks)  # form-encoded
    assert fake.calls_to("chat.update")[0].params["blocks"] == blocks


def test_no_text_and_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")
    assert info.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as info:
        client.api_call("reactions.add", params={"name": "tada"})
    assert info.value.response["error"] == "unknown_method"


def test_views_open_trigger_rules(fake: FakeSlackApi, client: WebClient, clock: FakeClock) -> None:
    trigger = fake.new_trigger_id()
    resp = client.views_open(trigger_id=trigger, view=modal())
    assert resp["view"]["id"].startswith("V")
    assert resp["view"]["hash"]
    assert resp["view"]["callback_id"] == "cb"

    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id=trigger, view=modal())
    assert reused.value.response["error"] == "expired_trigger_id"

    stale = fake.new_trigger_id()
    clock.now += 3.5
    with pytest.raises(SlackApiError) as expired:
        client.views_open(trigger_id=stale, view=modal())
    assert expired.value.response["error"] == "expired_trigger_id"

    with pytest.raises(SlackApiError) as unknown:
        client.views_open(trigger_id="123.456.abc", view=modal())
    assert unknown.value.response["error"] == "invalid_trigger_id"


def test_modal_title_too_long(fake: FakeSlackApi, client: WebClient) -> None:
    trigger = fake.new_trigger_id()
    with pytest.raises(SlackApiError) as info:
        client.views_open(trigger_id=trigger, view=modal(title="x" * 25))
    assert info.value.response["error"] == "invalid_arguments"
    messages = info.value.response["response_metadata"]["messages"]
    assert any("/view/title/text" in m and "24" in m for m in messages)
    # A rejected view does not burn the trigger.
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]


def test_views_update_and_publish(client: WebClient, fake: FakeSlackApi) -> None:
    opened = client.views_open(trigger_id=fake.new_trigger_id(), view=modal())["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("New"))
    assert updated["view"]["id"] == opened["id"]
    with pytest.raises(SlackApiError) as info:
        client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal())
    assert info.value.response["error"] == "hash_conflict"
    home = {"type": "home", "blocks": [{"type": "divider"}]}
    assert client.views_publish(user_id="U1", view=home)["view"]["type"] == "home"


def test_users_info(fake: FakeSlackApi, client: WebClient) -> None:
    fake.add_user("U123", real_name="Ada Lovelace", tz="Europe/London")
    user = client.users_info(user="U123")["user"]
    assert user["real_name"] == "Ada Lovelace"
    assert user["profile"]["real_name"] == "Ada Lovelace"
    assert user["tz"] == "Europe/London"
    assert user["tz_offset"] in (0, 3600)
    with pytest.raises(SlackApiError) as info:
        client.users_info(user="UNOPE")
    assert info.value.response["error"] == "user_not_found"


def test_conversations_open(client: WebClient) -> None:
    dm = client.conversations_open(users="U1")["channel"]["id"]
    assert dm.startswith("D")
    assert client.conversations_open(users="U1")["channel"]["id"] == dm
    assert client.conversations_open(users=["U1", "U2"])["channel"]["id"].startswith("G")


def test_51_blocks_rejected(fake: FakeSlackApi, client: WebClient) -> None:
    blocks = [{"type": "divider"} for _ in range(51)]
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x", blocks=blocks)
    assert info.value.response["error"] == "invalid_blocks"
    assert any("50" in e for e in info.value.response["errors"])
    assert client.chat_postMessage(channel="C1", text="x", blocks=blocks[:50])["ok"]


def test_msg_too_long(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert info.value.response["error"] == "msg_too_long"


def test_block_kit_problems_pure() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "b" * 76}, "value": "v"}
    select = {
        "type": "static_select",
        "action_id": "a",
        "options": [
            {"text": {"type": "plain_text", "text": str(i)}, "value": str(i)} for i in range(101)
        ],
    }
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        {"type": "actions", "block_id": "dup", "elements": [button, select]},
        {"type": "section", "block_id": "dup", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
    ]
    problems = block_kit_problems("message", blocks)
    joined = "\n".join(problems)
    for expected in ("header text", "button text", "options", "not unique", "section fields"):
        assert expected in joined
    assert block_kit_problems("modal", modal()) == []
    assert block_kit_problems("home", {"type": "home", "blocks": []}) == []


def test_rate_limit_retry_then_success(fake: FakeSlackApi) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    client = WebClient(
        token="xoxb-test",
        base_url=fake.base_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 2


def test_failure_modes_without_retry(fake: FakeSlackApi, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response["error"] == "channel_not_found"
    fake.fail_next("auth.test", status=503, error="service_unavailable", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as server_error:
            client.auth_test()
        assert server_error.value.response.status_code == 503
    assert client.auth_test()["ok"]


def test_files_upload_v2_round_trip(fake: FakeSlackApi, client: WebClient) -> None:
    content = json.dumps({"members": 3})
    resp = client.files_upload_v2(content=content, filename="x.json", channel="C1")
    assert resp["file"]["id"].startswith("F")
    assert fake.uploaded_files() == [("x.json", content.encode())]


def test_response_url_recorded(fake: FakeSlackApi) -> None:
    url = fake.response_url("slash")
    answer = WebhookClient(url).send(text="done", response_type="ephemeral")  # as respond() does
    assert answer.status_code == 200
    assert json.loads(answer.body) == {"ok": True}
    post = fake.wait_for_response()[0]
    assert post.name == "slash"
    assert post.payload["text"] == "done"
    assert post.url == url


def test_wait_for_timeout_message(fake: FakeSlackApi, client: WebClient) -> None:
    client.auth_test()
    start = time.monotonic()
    with pytest.raises(AssertionError) as info:
        fake.wait_for("chat.postMessage", timeout=0.2)
    assert time.monotonic() - start < 2
    message = str(info.value)
    assert "chat.postMessage" in message
    assert "auth.test" in message


def test_wait_for_sees_call_from_other_thread(fake: FakeSlackApi, client: WebClient) -> None:
    worker = threading.Timer(0.1, lambda: client.chat_postMessage(channel="C1", text="late"))
    worker.start()
    try:
        assert fake.wait_for("chat.postMessage", timeout=5)[0].params["text"] == "late"
    finally:
        worker.join()


def test_concurrent_calls_and_reset(fake: FakeSlackApi, client: WebClient) -> None:
    stamps: list[str] = []

    def post() -> None:
        stamps.append(client.chat_postMessage(channel="C1", text="t")["ts"])

    threads = [threading.Thread(target=post) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.calls_to("chat.postMessage")) == 20
    assert len(set(stamps)) == 20
    fake.reset()
    assert fake.calls == []


def test_latency(fake: FakeSlackApi, client: WebClient) -> None:
    fake.latency = 0.2
    start = time.monotonic()
    client.auth_test()
    assert time.monotonic() - start >= 0.2
