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


def test_users_info_gives_the_locale_only_when_asked(fake: FakeSlackApi, client: WebClient) -> None:
    fake.add_user("U123", real_name="Claire Dubois", tz="Europe/Paris", locale="fr-FR")
    assert "locale" not in client.users_info(user="U123")["user"]
    assert client.users_info(user="U123", include_locale=True)["user"]["locale"] == "fr-FR"
    fake.add_user("U456", real_name="No Locale")
    assert "locale" not in client.users_info(user="U456", include_locale=True)["user"]


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


# ---- message store, history, rate rules, permanent errors ------------------------------------

EPOCH = 1_800_000_000.0


@pytest.fixture
def store(clock: FakeClock) -> Iterator[FakeSlackApi]:
    """A fake whose message ts come from a fixed epoch: EPOCH, EPOCH + 1 µs, ..."""
    with FakeSlackApi(clock=clock, ts_clock=lambda: EPOCH) as api:
        yield api


@pytest.fixture
def raw(store: FakeSlackApi) -> WebClient:
    """A client that shows a 429 as it arrived (no retry handlers)."""
    return WebClient(token="xoxb-test", base_url=store.base_url, retry_handlers=[])


def meta(key: str) -> dict[str, Any]:
    return {"event_type": "catalyst_outbox", "event_payload": {"key": key}}


def status_of(client: WebClient, channel: str) -> tuple[int, str | None]:
    """(HTTP status, Retry-After) of one chat.postMessage."""
    try:
        resp = client.chat_postMessage(channel=channel, text="x")
    except SlackApiError as error:
        headers = error.response.headers or {}
        retry = headers.get("Retry-After") or headers.get("retry-after")
        return error.response.status_code, retry
    return resp.status_code, None


def test_ts_from_ts_clock_strictly_increasing(fake: FakeSlackApi, raw: WebClient) -> None:
    stamps = [raw.chat_postMessage(channel="C1", text=str(i))["ts"] for i in range(3)]
    assert stamps == ["1800000000.000000", "1800000000.000001", "1800000000.000002"]
    default = WebClient(token="xoxb-test", base_url=fake.base_url)
    assert abs(float(default.chat_postMessage(channel="C1", text="t")["ts"]) - time.time()) < 60


def test_metadata_round_trip_json_form_and_string(store: FakeSlackApi, raw: WebClient) -> None:
    raw.chat_postMessage(channel="C1", text="a", metadata=meta("k1"))  # object in a JSON body
    raw.api_call(  # JSON string in a form field
        "chat.postMessage", data={"channel": "C1", "text": "b", "metadata": json.dumps(meta("k2"))}
    )
    raw.api_call(  # JSON string inside a JSON body
        "chat.postMessage", json={"channel": "C1", "text": "c", "metadata": json.dumps(meta("k3"))}
    )
    raw.chat_postMessage(channel="C1", text="no metadata")
    history = raw.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["text"] for m in history] == ["no metadata", "c", "b", "a"]
    assert [m.get("metadata") for m in history] == [None, meta("k3"), meta("k2"), meta("k1")]
    assert all(m["type"] == "message" and m["user"] == "U0BOT" for m in history)
    plain = raw.conversations_history(channel="C1")["messages"]
    assert all("metadata" not in m for m in plain)
    assert store.posted_keys() == ["k1", "k2", "k3"]
    assert [p["channel"] for p in store.all_posted()] == ["C1"] * 4


def test_dm_to_user_lands_in_its_d_channel(store: FakeSlackApi, raw: WebClient) -> None:
    sent = raw.chat_postMessage(channel="U1", text="hi", metadata=meta("dm"))
    dm = sent["channel"]
    assert dm.startswith("D")
    assert raw.conversations_open(users="U1")["channel"]["id"] == dm
    history = raw.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [(m["ts"], m["text"], m["metadata"]) for m in history] == [
        (sent["ts"], "hi", meta("dm"))
    ]
    assert store.messages_in("U1") == store.messages_in(dm)
    assert store.all_posted()[0]["channel"] == dm
    for channel in ("U1", "CNOPE"):  # history wants a channel id, as in Slack
        with pytest.raises(SlackApiError) as info:
            raw.conversations_history(channel=channel)
        assert info.value.response["error"] == "channel_not_found"
    opened = raw.conversations_open(users="U2")["channel"]["id"]
    assert raw.conversations_history(channel=opened)["messages"] == []
    assert store.messages_in("U3") == []


def test_history_window_order_paging_and_replies(store: FakeSlackApi, raw: WebClient) -> None:
    ts = [raw.chat_postMessage(channel="C1", text=f"m{i}")["ts"] for i in range(5)]
    reply1 = raw.chat_postMessage(channel="C1", text="r1", thread_ts=ts[1])["ts"]
    reply2 = raw.chat_postMessage(channel="C1", text="r2", thread_ts=ts[1])["ts"]

    def texts(resp: Any) -> list[str]:
        return [m["text"] for m in resp["messages"]]

    assert texts(raw.conversations_history(channel="C1")) == ["m4", "m3", "m2", "m1", "m0"]
    window = raw.conversations_history(channel="C1", oldest=ts[1], latest=ts[4])
    assert texts(window) == ["m3", "m2"]  # oldest and latest exclusive
    both = raw.conversations_history(channel="C1", oldest=ts[1], latest=ts[4], inclusive=True)
    assert texts(both) == ["m4", "m3", "m2", "m1"]
    first = raw.conversations_history(channel="C1", limit=2)
    assert texts(first) == ["m4", "m3"]
    assert first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    assert texts(raw.conversations_history(channel="C1", limit=2, cursor=cursor)) == ["m2", "m1"]
    pages = raw.conversations_history(channel="C1", limit=2)
    assert sum(len(page["messages"]) for page in pages) == 5  # slack_sdk's own pagination

    parent = raw.conversations_history(channel="C1", oldest=ts[0], latest=ts[2])["messages"][0]
    assert (parent["thread_ts"], parent["reply_count"], parent["latest_reply"]) == (
        ts[1],
        2,
        reply2,
    )
    thread = raw.conversations_replies(channel="C1", ts=ts[1])
    assert texts(thread) == ["m1", "r1", "r2"]
    assert texts(raw.conversations_replies(channel="C1", ts=ts[1], oldest=reply1)) == ["m1", "r2"]
    assert [m["text"] for m in store.messages_in("C1")] == [
        "m0",
        "m1",
        "m2",
        "m3",
        "m4",
        "r1",
        "r2",
    ]
    with pytest.raises(SlackApiError) as info:
        raw.conversations_replies(channel="C1", ts="1.000001")
    assert info.value.response["error"] == "thread_not_found"


def test_replies_metadata_only_when_asked(raw: WebClient) -> None:
    parent = raw.chat_postMessage(channel="C1", text="p")["ts"]
    raw.chat_postMessage(channel="C1", text="r", thread_ts=parent, metadata=meta("r"))
    plain = raw.conversations_replies(channel="C1", ts=parent)["messages"]
    assert "metadata" not in plain[1]
    full = raw.conversations_replies(channel="C1", ts=parent, include_all_metadata=True)
    assert full["messages"][1]["metadata"] == meta("r")


def test_permalink(raw: WebClient) -> None:
    ts = raw.chat_postMessage(channel="C1", text="p")["ts"]
    link = raw.chat_getPermalink(channel="C1", message_ts=ts)
    assert link["channel"] == "C1"
    assert link["permalink"] == f"https://test.slack.com/archives/C1/p{ts.replace('.', '')}"
    reply = raw.chat_postMessage(channel="C1", text="r", thread_ts=ts)["ts"]
    reply_link = raw.chat_getPermalink(channel="C1", message_ts=reply)["permalink"]
    assert reply_link.startswith(f"https://test.slack.com/archives/C1/p{reply.replace('.', '')}")
    with pytest.raises(SlackApiError) as missing:
        raw.chat_getPermalink(channel="C1", message_ts="1.000001")
    assert missing.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as channel:
        raw.chat_getPermalink(channel="CNOPE", message_ts=ts)
    assert channel.value.response["error"] == "channel_not_found"


def test_update_and_delete_change_the_store_not_the_send_log(
    store: FakeSlackApi, raw: WebClient
) -> None:
    first = raw.chat_postMessage(channel="C1", text="one", metadata=meta("a"))["ts"]
    second = raw.chat_postMessage(channel="C1", text="two", metadata=meta("b"))["ts"]
    updated = raw.chat_update(channel="C1", ts=first, text="one!")
    assert updated["message"]["text"] == "one!"
    assert updated["message"]["metadata"] == meta("a")
    raw.chat_delete(channel="C1", ts=second)
    assert [(m["text"], "edited" in m) for m in store.messages_in("C1")] == [("one!", True)]
    assert [m["text"] for m in raw.conversations_history(channel="C1")["messages"]] == ["one!"]
    assert [p["text"] for p in store.all_posted()] == ["one", "two"]
    assert store.posted_keys() == ["a", "b"]
    assert raw.chat_update(channel="C1", ts="1.000001", text="unknown ts")["ok"]  # as before


def test_reset_forgets_messages_but_keeps_channels(store: FakeSlackApi, raw: WebClient) -> None:
    raw.chat_postMessage(channel="C1", text="x", metadata=meta("k"))
    store.reset()
    assert store.messages_in("C1") == []
    assert store.all_posted() == []
    assert store.posted_keys() == []
    assert raw.conversations_history(channel="C1")["messages"] == []


def test_channel_rate_limit_with_injected_clock(
    store: FakeSlackApi, raw: WebClient, clock: FakeClock
) -> None:
    assert [status_of(raw, "C1")[0] for _ in range(3)] == [200] * 3  # off by default
    store.enable_channel_rate_limit()
    assert status_of(raw, "C1") == (200, None)
    assert status_of(raw, "C1") == (429, "1")
    assert status_of(raw, "C2") == (200, None)  # per channel
    clock.now += 0.5
    assert status_of(raw, "C1") == (429, "1")
    clock.now += 0.5
    assert status_of(raw, "C1") == (200, None)

    dm = raw.chat_postMessage(channel="U1", text="x")["channel"]  # U1 and its DM: one bucket
    assert status_of(raw, dm) == (429, "1")
    assert status_of(raw, "U1") == (429, "1")

    assert len(store.calls_to("chat.postMessage")) == 11  # rejected calls are recorded...
    assert len(store.messages_in("C1")) == 5  # ...but not stored
    assert len(store.all_posted()) == 7


def test_channel_rate_limit_burst(store: FakeSlackApi, raw: WebClient, clock: FakeClock) -> None:
    store.enable_channel_rate_limit(per_second=2.0, burst=3)
    assert [status_of(raw, "C1")[0] for _ in range(4)] == [200, 200, 200, 429]
    clock.now += 0.5  # one token back
    assert [status_of(raw, "C1")[0] for _ in range(2)] == [200, 429]
    store.disable_channel_rate_limit()
    assert status_of(raw, "C1")[0] == 200


def test_random_429_is_reproducible_with_a_seed(clock: FakeClock) -> None:
    def run(seed: int) -> list[tuple[int, str | None]]:
        with FakeSlackApi(clock=clock) as api:
            api.random_429(0.3, seed=seed, retry_after=2)
            client = WebClient(token="xoxb-test", base_url=api.base_url, retry_handlers=[])
            statuses = [status_of(client, "C1") for _ in range(40)]
            assert len(api.messages_in("C1")) == statuses.count((200, None))
            assert len(api.calls_to("chat.postMessage")) == 40
            return statuses

    first = run(7)
    assert first == run(7)
    assert set(first) == {(200, None), (429, "2")}
    assert first != run(8)


def test_random_429_off_by_default_and_with_zero(store: FakeSlackApi, raw: WebClient) -> None:
    assert {status_of(raw, "C1")[0] for _ in range(10)} == {200}
    store.random_429(1.0, seed=3)
    assert status_of(raw, "C1") == (429, "1")
    store.random_429(0.0, seed=3)
    assert status_of(raw, "C1")[0] == 200


def test_deactivated_user_account_inactive(store: FakeSlackApi, raw: WebClient) -> None:
    store.add_user("U2", real_name="Gone Person")
    dm = raw.chat_postMessage(channel="U2", text="before")["channel"]
    store.deactivate_user("U2")
    for channel in ("U2", dm):
        with pytest.raises(SlackApiError) as info:
            raw.chat_postMessage(channel=channel, text="after", metadata=meta("x"))
        assert info.value.response.status_code == 200
        assert info.value.response["error"] == "account_inactive"
    assert raw.users_info(user="U2")["user"]["deleted"] is True
    assert [m["text"] for m in store.messages_in("U2")] == ["before"]
    assert store.posted_keys() == []
    assert raw.chat_postMessage(channel="U3", text="others fine")["ok"]


def test_archived_channel_is_archived(store: FakeSlackApi, raw: WebClient) -> None:
    raw.chat_postMessage(channel="C1", text="old")
    store.archive_channel("C1")
    store.archive_channel("C9")
    for channel in ("C1", "C9"):
        with pytest.raises(SlackApiError) as info:
            raw.chat_postMessage(channel=channel, text="new")
        assert info.value.response["error"] == "is_archived"
    assert [m["text"] for m in raw.conversations_history(channel="C1")["messages"]] == ["old"]
    assert raw.conversations_history(channel="C9")["messages"] == []
    store.add_channel("C5")
    assert raw.conversations_history(channel="C5")["messages"] == []


# ---- channels: create, invite, list, archive ----------------------------------------------


def slack_error(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as caught:
        call()
    return dict(caught.value.response.data)


def test_conversations_create_makes_a_private_channel_the_bot_is_in(
    fake: FakeSlackApi, client: WebClient
) -> None:
    answer = client.conversations_create(name="cop-set-cedar", is_private=True)
    channel = answer["channel"]
    assert channel["name"] == "cop-set-cedar"
    assert channel["is_private"] is True
    assert channel["is_member"] is True
    assert fake.members_of(channel["id"]) == ["U0BOT"]
    posted = client.chat_postMessage(channel=channel["id"], text="welcome")
    assert posted["channel"] == channel["id"]
    assert [c.method for c in fake.calls][:1] == ["conversations.create"]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("Cop-Set", "invalid_name_specials"),
        ("cop set", "invalid_name_specials"),
        ("cop.set", "invalid_name_specials"),
        ("c" * 81, "invalid_name_maxlength"),
        ("---", "invalid_name_punctuation"),
    ],
)
def test_conversations_create_applies_slacks_name_rules(
    client: WebClient, name: str, error: str
) -> None:
    assert slack_error(lambda: client.conversations_create(name=name))["error"] == error


def test_a_name_of_80_characters_is_fine(client: WebClient) -> None:
    assert client.conversations_create(name="c" * 80)["ok"]


def test_a_taken_name_is_refused_even_when_archived_or_hidden(
    fake: FakeSlackApi, client: WebClient
) -> None:
    client.conversations_create(name="cop-set-oak", is_private=True)
    assert slack_error(lambda: client.conversations_create(name="cop-set-oak"))["error"] == (
        "name_taken"
    )
    fake.add_named_channel("someone-elses", is_private=True, bot_is_member=False)
    assert slack_error(lambda: client.conversations_create(name="someone-elses"))["error"] == (
        "name_taken"
    )
    assert len(fake.channels_named()) == 2


def test_a_workspace_can_refuse_channel_creation(fake: FakeSlackApi, client: WebClient) -> None:
    fake.restrict_channel_creation()
    answer = slack_error(lambda: client.conversations_create(name="cop-set-ash", is_private=True))
    assert answer["error"] == "restricted_action"
    assert fake.channels_named() == []


def test_invite_adds_people_and_names_each_refusal(fake: FakeSlackApi, client: WebClient) -> None:
    for user in ("U1", "U2", "U3"):
        fake.add_user(user)
    channel = client.conversations_create(name="cop-set-elm", is_private=True)["channel"]["id"]
    assert client.conversations_invite(channel=channel, users="U1,U2")["ok"]
    assert fake.members_of(channel) == ["U0BOT", "U1", "U2"]

    # One refusal and nobody is invited (Slack's "partially failed calls").
    answer = slack_error(lambda: client.conversations_invite(channel=channel, users="U2,U3"))
    assert answer["error"] == "already_in_channel"
    assert answer["errors"] == [{"user": "U2", "ok": False, "error": "already_in_channel"}]
    assert fake.members_of(channel) == ["U0BOT", "U1", "U2"]

    answer = slack_error(lambda: client.conversations_invite(channel=channel, users="U0BOT,U9"))
    assert answer["errors"] == [
        {"user": "U0BOT", "ok": False, "error": "cant_invite_self"},
        {"user": "U9", "ok": False, "error": "user_not_found"},
    ]
    # force=true invites the valid ones and still names the refusals.
    forced = client.conversations_invite(channel=channel, users="U2,U3", force=True)
    assert forced["errors"] == [{"user": "U2", "ok": False, "error": "already_in_channel"}]
    assert fake.members_of(channel) == ["U0BOT", "U1", "U2", "U3"]


def test_invite_needs_a_channel_the_bot_is_in(fake: FakeSlackApi, client: WebClient) -> None:
    fake.add_user("U1")
    public = fake.add_named_channel("town-square", bot_is_member=False)
    hidden = fake.add_named_channel("private-room", is_private=True, bot_is_member=False)
    assert slack_error(lambda: client.conversations_invite(channel=public, users="U1"))[
        "error"
    ] == ("not_in_channel")
    assert slack_error(lambda: client.conversations_invite(channel=hidden, users="U1"))[
        "error"
    ] == ("channel_not_found")
    assert slack_error(lambda: client.conversations_invite(channel="C404", users="U1"))[
        "error"
    ] == ("channel_not_found")
    assert slack_error(lambda: client.chat_postMessage(channel=public, text="hi"))["error"] == (
        "not_in_channel"
    )


def test_archive_once_then_already_archived_and_no_more_posts(
    fake: FakeSlackApi, client: WebClient
) -> None:
    channel = client.conversations_create(name="cop-set-yew", is_private=True)["channel"]["id"]
    client.chat_postMessage(channel=channel, text="closing")
    assert client.conversations_archive(channel=channel)["ok"]
    assert fake.is_archived(channel)
    assert slack_error(lambda: client.conversations_archive(channel=channel))["error"] == (
        "already_archived"
    )
    assert slack_error(lambda: client.chat_postMessage(channel=channel, text="hi"))["error"] == (
        "is_archived"
    )
    fake.add_user("U1")
    assert slack_error(lambda: client.conversations_invite(channel=channel, users="U1"))[
        "error"
    ] == ("is_archived")
    # History stays readable, as in Slack.
    history = client.conversations_history(channel=channel)
    assert [m["text"] for m in history["messages"]] == ["closing"]


def test_archive_refuses_dms_and_channels_the_bot_left(
    fake: FakeSlackApi, client: WebClient
) -> None:
    fake.add_user("U1")
    fake.add_user("U2")
    group = client.conversations_open(users="U1,U2")["channel"]["id"]
    assert slack_error(lambda: client.conversations_archive(channel=group))["error"] == (
        "method_not_supported_for_channel_type"
    )
    public = fake.add_named_channel("town-square", bot_is_member=False)
    assert slack_error(lambda: client.conversations_archive(channel=public))["error"] == (
        "not_in_channel"
    )
    assert fake.calls_to("conversations.archive")[0].params["channel"] == group


def test_conversations_list_pages_through_the_bots_private_channels(
    fake: FakeSlackApi, client: WebClient
) -> None:
    made = [
        client.conversations_create(name=f"cop-set-{n}", is_private=True)["channel"]["id"]
        for n in range(5)
    ]
    client.conversations_create(name="public-one")
    fake.add_named_channel("not-ours", is_private=True, bot_is_member=False)
    client.conversations_archive(channel=made[0])

    seen: list[str] = []
    cursor = ""
    pages = 0
    while True:
        page = client.conversations_list(types="private_channel", limit=2, cursor=cursor)
        pages += 1
        seen += [c["id"] for c in page["channels"]]
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert seen == made
    assert pages == 3
    live = client.conversations_list(types="private_channel", exclude_archived=True)
    assert [c["id"] for c in live["channels"]] == made[1:]
    public = client.conversations_list()  # public_channel by default
    assert [c["name"] for c in public["channels"]] == ["public-one"]


def test_a_group_dm_holds_at_most_eight_people_besides_the_bot(
    fake: FakeSlackApi, client: WebClient
) -> None:
    users = [f"U{n}" for n in range(9)]
    assert client.conversations_open(users=",".join(users[:8]))["ok"]
    assert slack_error(lambda: client.conversations_open(users=",".join(users)))["error"] == (
        "too_many_users"
    )


# ---- realism for benchmarks: latency served concurrently, the workspace-wide window ----------


def test_latency_is_per_call_and_calls_overlap(fake: FakeSlackApi, client: WebClient) -> None:
    fake.latency = 0.2
    threads = [threading.Thread(target=client.auth_test) for _ in range(10)]
    start = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    assert 0.2 <= elapsed < 1.0  # ten calls in parallel, not 2 s one after another
    assert len(fake.calls_to("auth.test")) == 10


def test_workspace_limit_answers_429_with_retry_after(
    store: FakeSlackApi, raw: WebClient, clock: FakeClock
) -> None:
    store.enable_workspace_rate_limit(messages=3, seconds=10.0)
    for channel in ("C0", "C1", "C2"):  # any channels, one a second
        assert status_of(raw, channel) == (200, None)
        clock.now += 1.0
    clock.now += 1.0  # t = 4
    assert status_of(raw, "C9") == (429, "6")  # until the first of the three leaves the window
    clock.now += 5.5
    assert status_of(raw, "C9") == (429, "1")  # rounded up to whole seconds, like Slack
    clock.now += 0.5
    assert status_of(raw, "C9") == (200, None)  # 10 s after the first: one place free
    assert status_of(raw, "C8") == (429, "1")  # the window holds t = 1, 2 and 10
    [rejected] = [c for c in store.calls_to("chat.postMessage") if c.params["channel"] == "C8"]
    assert rejected.params["text"] == "x"  # recorded...
    assert len(store.all_posted()) == 4  # ...but neither stored nor counted in the window
    store.disable_workspace_rate_limit()
    assert status_of(raw, "C8") == (200, None)


def test_workspace_limit_sliding_window_sustains_its_rate(
    store: FakeSlackApi, raw: WebClient, clock: FakeClock
) -> None:
    store.enable_workspace_rate_limit(messages=10, seconds=2.0)  # 5 a second after a burst
    accepted = 0
    for _ in range(100):  # one attempt every 0.1 s for 10 s, each to its own channel
        accepted += status_of(raw, f"D{accepted}")[0] == 200
        clock.now += 0.1
    assert accepted == 50  # the burst of 10, then 10 per 2 s


def test_channel_rule_and_workspace_rule_together(
    clock: FakeClock,
) -> None:
    with FakeSlackApi(
        clock=clock, channel_rate=(1.0, 1), workspace_limit=(2, 10.0), random_429=(0.0, 1, 1)
    ) as api:
        client = WebClient(token="xoxb-test", base_url=api.base_url, retry_handlers=[])
        assert status_of(client, "C1") == (200, None)
        assert status_of(client, "C1") == (429, "1")  # the channel's rule first
        assert status_of(client, "C2") == (200, None)
        assert status_of(client, "C3") == (429, "10")  # then the workspace's
        clock.now += 10.0
        assert status_of(client, "C3") == (200, None)
        assert api.rate_limited() == {"channel": 1, "workspace": 1}


def test_seeded_429s_through_the_constructor(clock: FakeClock) -> None:
    with FakeSlackApi(clock=clock, random_429=(1.0, 7, 3)) as api:
        client = WebClient(token="xoxb-test", base_url=api.base_url, retry_handlers=[])
        assert status_of(client, "C1") == (429, "3")
        assert api.all_posted() == []
