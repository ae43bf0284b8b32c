"""Whose request it is (bot/workspace.py), on payloads in the shapes Slack sends (tests/fixtures/slack/), and how a
message's content is read when its text is empty."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_bolt.request import BoltRequest

from bot import text as t
from bot.workspace import actor_team_of, installation_of

FIXTURES = Path(__file__).parent / "fixtures" / "slack"
PAYLOADS = sorted(p.name for p in FIXTURES.glob("*.json") if not p.name.startswith("message_"))


def fixture(name: str) -> tuple[dict, dict]:
    body = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    body.pop("_source")
    return body, body.pop("_expect")


@pytest.mark.parametrize("name", PAYLOADS)
def test_the_installation_not_the_actor_owns_the_request(name):
    body, expect = fixture(name)
    where = installation_of(body)
    assert (where.team_id, where.enterprise_id) == (expect["team_id"], expect["enterprise_id"])
    assert actor_team_of(body) == expect["actor_team"]


@pytest.mark.parametrize("name", PAYLOADS)
def test_the_workspace_is_bolts_context_team_except_that_an_org_wide_install_is_its_org(name):
    body, expect = fixture(name)
    context = BoltRequest(body=json.dumps(body), headers={"content-type": ["application/json"]}).context
    assert context.team_id == expect["bolt_team_id"]
    where = installation_of(body)
    if where.is_enterprise_install:  # Bolt names a workspace of the org, or none; the data is the org's
        assert where.team_id == context.enterprise_id
    else:
        assert where.team_id == context.team_id


def test_a_message_with_only_rich_text_reads_as_slack_shows_it():
    msg, expect = fixture("message_rich_text_only.json")
    assert t.message_text(msg) == expect["text"]
    assert [line for _, line in t.split_lines(t.message_text(msg))][:2] == [
        "touch: checkout page \U0001F600", "pain: <https://example.com/pricing|pricing> is unclear to <@UANA>"]
    assert t.plain(t.message_text(msg)).splitlines()[1] == "- pain: pricing (https://example.com/pricing) is unclear to @UANA"


def test_text_wins_over_blocks_and_nothing_readable_is_empty():
    assert t.message_text({"text": "pain: slow &amp; late", "blocks": [{"type": "rich_text", "elements": []}]}) == \
        "pain: slow & late"
    assert t.message_text({"text": "", "files": [{"id": "F1"}]}) == ""
    assert t.message_text({"text": "", "blocks": [{"type": "rich_text", "elements": [
        {"type": "rich_text_section", "elements": [{"type": "emoji", "name": "custom-party"}]}]}]}) == ":custom-party:"
    ordered = {"type": "rich_text_list", "style": "ordered", "offset": 2, "elements": [
        {"type": "rich_text_section", "elements": [{"type": "text", "text": "third"}]}]}
    assert t.message_text({"text": "", "blocks": [{"type": "rich_text", "elements": [ordered]}]}) == "3. third"
