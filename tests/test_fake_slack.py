"""The fake Slack is only worth its tests if it refuses what Slack refuses."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox.fake_slack import BOT_TOKEN, block_problems, view_problems


def test_block_validation_catches_what_slack_rejects():
    assert block_problems([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}])
    assert block_problems([{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}])
    assert block_problems([{"type": "divider"}] * 51)
    assert block_problems([{"type": "no_such_block"}])
    assert block_problems([{"type": "actions", "elements": [
        {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}}]}])
    assert block_problems([{"type": "section", "text": {"type": "mrkdwn", "text": "fine"}}]) == []
    assert view_problems({"type": "modal", "title": {"type": "plain_text", "text": "x" * 25}, "blocks": [{"type": "divider"}]})
    assert view_problems({"type": "modal", "title": {"type": "plain_text", "text": "ok"}, "blocks": [{"type": "divider"}]}) == []


def test_web_api_over_http(fake):
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    assert client.auth_test()["user_id"] == "U0BOT"
    ts = client.chat_postMessage(channel="CWORK", text="hi")["ts"]
    assert fake.message("CWORK", ts).text == "hi"
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="CWORK", text="t", blocks=[{"type": "header", "text": {"type": "plain_text", "text": "x" * 200}}])
    assert e.value.response["error"] == "invalid_blocks" and fake.invalid
    fake.invalid.clear()
    with pytest.raises(SlackApiError) as e:
        client.chat_postMessage(channel="COTHER", text="not a member")
    assert e.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as e:
        WebClient(token="xoxb-wrong", base_url=fake.api_url).auth_test()
    assert e.value.response["error"] == "invalid_auth"
    fake.fail("users.info", "user_not_visible")
    with pytest.raises(SlackApiError):
        client.users_info(user="UANA")
    assert client.users_info(user="UANA")["user"]["name"] == "ana"


def test_files_upload_v2_flow(fake):
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    client.files_upload_v2(channel="CWORK", content=b'{"a": 1}', filename="map.json", title="Map", initial_comment="here")
    (f,) = fake.files.values()
    assert (f["content"], f["shared"], f["initial_comment"]) == (b'{"a": 1}', True, "here")
