"""The fake Slack is only worth its tests if it refuses what Slack refuses."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from fakeslack.api import BOT_TOKEN
from fakeslack.blockkit import block_problems, view_problems


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


def _button(**kw) -> dict:
    return {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "Go"}, **kw}


def _select(options: list[dict]) -> dict:
    return {"type": "static_select", "action_id": "s", "placeholder": {"type": "plain_text", "text": "Pick"},
            "options": options}


def _option(text: str = "x", value: str = "v") -> dict:
    return {"text": {"type": "plain_text", "text": text}, "value": value}


def _actions(*elements: dict) -> list[dict]:
    return [{"type": "actions", "elements": list(elements)}]


def _input(element: dict, **kw) -> list[dict]:
    return [{"type": "input", "label": {"type": "plain_text", "text": "L"}, "element": element, **kw}]


def _text_input(**kw) -> dict:
    return {"type": "plain_text_input", "action_id": "t", **kw}


def _modal(**kw) -> dict:
    return {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": [{"type": "divider"}], **kw}


# Each documented limit, at the limit (accepted) and one past it (refused), from Slack's reference pages.
LIMITS = [
    ("50 blocks in a message", lambda n: [{"type": "divider"}] * n, 50),
    ("block_id 255", lambda n: [{"type": "divider", "block_id": "b" * n}], 255),
    ("section text 3000", lambda n: [{"type": "section", "text": {"type": "mrkdwn", "text": "x" * n}}], 3000),
    ("section fields 10", lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * n}], 10),
    ("field text 2000", lambda n: [{"type": "section", "fields": [{"type": "mrkdwn", "text": "x" * n}]}], 2000),
    ("header 150", lambda n: [{"type": "header", "text": {"type": "plain_text", "text": "x" * n}}], 150),
    ("context 10 elements", lambda n: [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * n}], 10),
    ("actions 25 elements", lambda n: _actions(*[_button(action_id=f"a{i}") for i in range(n)]), 25),
    ("button text 75", lambda n: _actions(_button(text={"type": "plain_text", "text": "x" * n})), 75),
    ("button value 2000", lambda n: _actions(_button(value="x" * n)), 2000),
    ("action_id 255", lambda n: _actions(_button(action_id="x" * n)), 255),
    ("static_select 100 options", lambda n: _actions(_select([_option(value=str(i)) for i in range(n)])), 100),
    ("option text 75", lambda n: _actions(_select([_option(text="x" * n)])), 75),
    ("option value 150", lambda n: _actions(_select([_option(value="x" * n)])), 150),
    ("input label 2000", lambda n: [{**_input(_text_input())[0], "label": {"type": "plain_text", "text": "x" * n}}],
     2000),
    ("plain_text_input max_length 3000", lambda n: _input(_text_input(max_length=n)), 3000),
    ("radio_buttons 10 options", lambda n: _input({"type": "radio_buttons", "action_id": "r", "options": [
        _option(value=str(i)) for i in range(n)]}), 10),
    ("checkboxes 10 options", lambda n: _input({"type": "checkboxes", "action_id": "c", "options": [
        _option(value=str(i)) for i in range(n)]}), 10),
    ("option groups 100", lambda n: _actions({**_select([]), "options": None, "option_groups": [
        {"label": {"type": "plain_text", "text": f"g{i}"}, "options": [_option()]} for i in range(n)]}), 100),
    ("options in a group 100", lambda n: _actions({**_select([]), "options": None, "option_groups": [
        {"label": {"type": "plain_text", "text": "g"}, "options": [_option(value=str(i)) for i in range(n)]}]}), 100),
    ("option group label 75", lambda n: _actions({**_select([]), "options": None, "option_groups": [
        {"label": {"type": "plain_text", "text": "x" * n}, "options": [_option()]}]}), 75),
]


@pytest.mark.parametrize(("what", "blocks", "limit"), LIMITS, ids=[x[0] for x in LIMITS])
def test_each_documented_block_kit_limit_is_enforced(what, blocks, limit):
    assert block_problems(blocks(limit)) == [], what
    assert block_problems(blocks(limit + 1)), what


def test_modal_limits():
    assert view_problems(_modal(blocks=[{"type": "divider"}] * 100)) == []
    assert view_problems(_modal(blocks=[{"type": "divider"}] * 101))
    for field in ("title", "submit", "close"):
        assert view_problems(_modal(**{field: {"type": "plain_text", "text": "x" * 24}})) == [], field
        assert view_problems(_modal(**{field: {"type": "plain_text", "text": "x" * 25}})), field
    assert view_problems(_modal(private_metadata="x" * 3000)) == []
    assert view_problems(_modal(private_metadata="x" * 3001))
    assert view_problems(_modal(callback_id="x" * 256))


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


def test_get_permalink(fake):
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    ts = client.chat_postMessage(channel="CWORK", text="hi")["ts"]
    reply = client.chat_postMessage(channel="CWORK", text="in thread", thread_ts=ts)["ts"]
    link = client.chat_getPermalink(channel="CWORK", message_ts=ts)["permalink"]
    assert link == f"{fake.url}/archives/CWORK/p{ts.replace('.', '')}"
    threaded = client.chat_getPermalink(channel="CWORK", message_ts=reply)["permalink"]
    assert threaded.endswith(f"?thread_ts={ts}&cid=CWORK")
    for args, error in (({"channel": "CWORK", "message_ts": "1.0"}, "message_not_found"),
                        ({"channel": "CNOPE", "message_ts": ts}, "channel_not_found")):
        with pytest.raises(SlackApiError) as e:
            client.chat_getPermalink(**args)
        assert e.value.response["error"] == error


def test_views_update(fake):
    """docs.slack.dev/reference/methods/views.update: by view_id, with the hash views.open gave (an older hash is
    a hash_conflict); not_found for a view that isn't open; the new view is checked like any modal."""
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    opened = client.views_open(trigger_id="1.t", view=_modal(callback_id="first"))["view"]
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=_modal(callback_id="second"))
    assert updated["view"]["id"] == opened["id"] and updated["view"]["hash"] != opened["hash"]
    assert fake.views[-1]["callback_id"] == "second" and len(fake.views) == 1
    for kwargs, error in (({"view_id": opened["id"], "hash": opened["hash"]}, "hash_conflict"),
                          ({"view_id": "VNOPE"}, "not_found"),
                          ({"view_id": opened["id"], "view": _modal(title={"type": "plain_text", "text": "x" * 25})},
                           "invalid_arguments")):
        with pytest.raises(SlackApiError) as e:
            client.views_update(**{"view": _modal(), **kwargs})
        assert e.value.response["error"] == error
    fake.invalid.clear()
    fake.views[-1]["_closed"] = True
    with pytest.raises(SlackApiError) as e:
        client.views_update(view_id=opened["id"], view=_modal())
    assert e.value.response["error"] == "not_found"


def test_files_upload_v2_flow(fake):
    client = WebClient(token=BOT_TOKEN, base_url=fake.api_url)
    client.files_upload_v2(channel="CWORK", content=b'{"a": 1}', filename="map.json", title="Map", initial_comment="here")
    (f,) = fake.files.values()
    assert (f["content"], f["shared"], f["initial_comment"]) == (b'{"a": 1}', True, "here")
