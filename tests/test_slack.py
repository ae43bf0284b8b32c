"""The one Slack client: what it repeats by itself after a failure, and what it leaves to its caller."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError

from bot.slack import checked_before_retry, make_client, repeatable
from fakeslack.api import BOT_TOKEN
from tests.conftest import CHANNEL


@pytest.fixture
def client(fake):
    return make_client(token=BOT_TOKEN, base_url=fake.api_url)


def test_which_calls_are_safe_to_repeat():
    for method in ("conversations.history", "users.info", "auth.test", "chat.update", "reactions.add",
                   "views.publish", "conversations.open"):
        assert repeatable(method), method
    for method in ("chat.postMessage", "chat.postEphemeral", "files.completeUploadExternal", "views.open"):
        assert not repeatable(method), method


@pytest.mark.parametrize("lost", [503, None], ids=["stored-then-503", "stored-then-dropped"])
def test_a_post_whose_answer_was_lost_is_not_repeated(fake, client, lost):
    fake.lose_answers("chat.postMessage", 1.0, status=lost)
    with pytest.raises((SlackApiError, ConnectionError)):
        client.chat_postMessage(channel=CHANNEL, text="once")
    assert [m.text for m in fake.channel_messages(CHANNEL)] == ["once"]  # Slack has it, once
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_reads_and_updates_are_repeated_after_a_5xx_or_a_dropped_connection(fake, client):
    ts = client.chat_postMessage(channel=CHANNEL, text="v1")["ts"]
    fake.fail("conversations.history", "internal_error", status=503)
    assert client.conversations_history(channel=CHANNEL)["messages"][0]["ts"] == ts
    assert len(fake.calls_to("conversations.history")) == 2
    fake.lose_answers("chat.update", 1.0, status=None)
    with pytest.raises(ConnectionError):  # dropped three times: two repeats, then the caller hears of it
        client.chat_update(channel=CHANNEL, ts=ts, text="v2")
    assert len(fake.calls_to("chat.update")) == 3 and fake.message(CHANNEL, ts).text == "v2"


def test_a_429_is_waited_out_and_repeated_unless_the_callers_check_says_no(fake, client):
    fake.rate_limit("chat.postMessage", retry_after=0)
    assert client.chat_postMessage(channel=CHANNEL, text="after the wait")["ok"]
    assert len(fake.calls_to("chat.postMessage")) == 2

    class ClaimLost(Exception):
        pass

    def check():
        raise ClaimLost

    fake.rate_limit("chat.postMessage", retry_after=0)
    with pytest.raises(ClaimLost), checked_before_retry(check):
        client.chat_postMessage(channel=CHANNEL, text="never")
    assert len(fake.calls_to("chat.postMessage")) == 3
    assert [m.text for m in fake.channel_messages(CHANNEL)] == ["after the wait"]


class _Stub:
    """users.info and auth.test as Slack answers them (a workspace, or an org-wide install naming no workspace)."""

    def __init__(self, users: dict, home: dict | None):
        self.users, self.home = users, home

    def users_info(self, user: str):
        return {"user": self.users[user]}

    def auth_test(self):
        if self.home is None:
            raise OSError("Slack is unreachable")
        return self.home


USERS = {
    "UOURS": {"id": "UOURS", "team_id": "T0TEAM"},
    "UGUEST": {"id": "UGUEST", "team_id": "T0TEAM", "is_restricted": True},
    "UPARTNER": {"id": "UPARTNER", "team_id": "TPARTNER"},
    "WGRID2": {"id": "WGRID2", "team_id": "T0GRID2", "enterprise_user": {"enterprise_id": "E0ORG"}},
    "WOTHERORG": {"id": "WOTHERORG", "team_id": "TOTHER", "enterprise_user": {"enterprise_id": "EOTHER"}},
}


@pytest.mark.parametrize(("home", "members"), [
    ({"team_id": "T0TEAM", "enterprise_id": "E0ORG"}, {"UOURS", "WGRID2"}),
    ({"team_id": None, "enterprise_id": "E0ORG", "is_enterprise_install": True}, {"WGRID2"}),
    (None, set()),  # Slack won't say who we are: nobody counts as a member (fail closed)
])
def test_who_counts_as_a_member_of_the_workspace(home, members):
    from bot.slack import Directory

    directory = Directory(_Stub(USERS, home))
    assert {u for u in USERS if directory.is_member_of_workspace(u)} == members
