"""Who sees what: the rules take Slack's answer as a plain set of channels (on SQLite and PostgreSQL), and the
Directory asks Slack for it, briefly cached, failing closed."""

from __future__ import annotations

import logging
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlmodel import select

from bot import digests, followups
from bot.slack import Directory
from bot.storage import repo
from bot.storage.models import DigestSubscription, Reminder, ReminderKind
from bot.workshop import access, flow
from fakeslack.api import BOT_TOKEN
from tests.conftest import ANA, BEN, CAT, CHANNEL, DAN, OTHER, PRIVATE

T, FAC, MANAGER, ASSISTANT = "T1", "UFAC", "UMGR", "UASSIST"
PUBLIC, SECRET = "CPUB", "GSECRET"
UTC = ZoneInfo("UTC")


def workshop_with_action(session, clock, channel: str, title: str, *, owner: str = ANA, text: str = "Fix it"):
    flow.start_workshop(session=session, team_id=T, channel_id=channel, user_id=FAC, title=title, now=clock())
    followups.create_action(session=session, team_id=T, channel_id=channel, user_id=FAC, owner=owner, text=text,
                            due=date(2026, 10, 30), pain_point=None, zone_of=lambda _u: UTC, now=clock())


# --- The rules --------------------------------------------------------------------------------------------


def test_a_digest_covers_only_the_workshops_its_reader_may_see(session, clock):
    workshop_with_action(session, clock, PUBLIC, "Onboarding", text="Shorten the form")
    workshop_with_action(session, clock, SECRET, "Acquisition", text="Draft the Globex memo")
    digests.subscribe(session=session, team_id=T, user_id=DAN, by=DAN, frequency="daily", tz=UTC, now=clock())
    assert digests.covered_channels(session=session, team_id=T, user_id=DAN) == {PUBLIC, SECRET}

    def digest(visible):
        return digests.build_digest(session=session, team_id=T, user_id=DAN, today=clock().date(), since=None,
                                    visible=visible)

    seen = digest({PUBLIC})
    assert [x.title for x in seen.workshops] == ["Onboarding"] and seen.more == 0
    assert "Globex" not in repr(seen) and "Acquisition" not in repr(seen)
    assert sorted(x.title for x in digest({PUBLIC, SECRET}).workshops) == ["Acquisition", "Onboarding"]
    assert digest(frozenset()).workshops == []  # Slack said nothing: nothing is shown
    digests.follow(session=session, team_id=T, user_id=DAN, channel_id=SECRET)
    assert digests.covered_channels(session=session, team_id=T, user_id=DAN) == {SECRET}
    assert digest({PUBLIC}).workshops == []  # following a channel doesn't make it visible


def test_my_action_items_come_only_from_workshops_i_may_see(session, clock):
    workshop_with_action(session, clock, PUBLIC, "Onboarding", owner=DAN, text="Shorten the form")
    workshop_with_action(session, clock, SECRET, "Acquisition", owner=DAN, text="Draft the Globex memo")
    assert followups.owned_in_channels(session=session, team_id=T, user_id=DAN) == {PUBLIC, SECRET}

    def texts(scope, channel, visible=()):
        return [v.text for v in followups.list_actions(session=session, team_id=T, channel_id=channel, user_id=DAN,
                                                       scope=scope, today=clock().date(), visible=visible)]

    assert texts("mine", PUBLIC, {PUBLIC}) == ["Shorten the form"]
    assert sorted(texts("mine", PUBLIC, {PUBLIC, SECRET})) == ["Draft the Globex memo", "Shorten the form"]
    assert texts("mine", PUBLIC) == []
    assert texts("all", SECRET) == ["Draft the Globex memo"]  # asked from that channel: its own items


def test_a_future_map_starts_only_from_a_map_its_facilitator_may_see(session, clock):
    source = flow.start_workshop(session=session, team_id=T, channel_id=SECRET, user_id=FAC, title="Acquisition",
                              now=clock()).workshop_id
    with pytest.raises(access.Refusal) as missing:
        flow.start_workshop(session=session, team_id=T, channel_id=PUBLIC, user_id=DAN, title="X", future_of=999,
                         visible={PUBLIC, SECRET}, now=clock())
    with pytest.raises(access.Refusal) as hidden:
        flow.start_workshop(session=session, team_id=T, channel_id=PUBLIC, user_id=DAN, title="X", future_of=source,
                         visible={PUBLIC}, now=clock())
    # The same answer as for a number that doesn't exist: nothing tells that a private map is there.
    assert str(hidden.value).replace(f"#{source}", "#N") == str(missing.value).replace("#999", "#N")
    assert repo.latest_workshop(session=session, team_id=T, channel_id=PUBLIC) is None
    future = flow.start_workshop(session=session, team_id=T, channel_id=PUBLIC, user_id=FAC, title="Tomorrow",
                              future_of=source, visible={SECRET}, now=clock())
    assert repo.workshop(session=session, team_id=T, workshop_id=future.workshop_id).future_of == source


def test_only_the_subscriber_or_whoever_subscribed_them_changes_or_ends_a_digest(session, clock):
    def subscribe(user, by, frequency="weekly"):
        return digests.subscribe(session=session, team_id=T, user_id=user, by=by, frequency=frequency, tz=UTC,
                                 now=clock())

    def unsubscribe(user, by):
        return digests.unsubscribe(session=session, team_id=T, user_id=user, by=by)

    def pending_digests(user):
        return session.exec(select(Reminder).where(Reminder.kind == ReminderKind.DIGEST, Reminder.recipient == user,
                                                   Reminder.status == "pending")).all()

    subscribe(MANAGER, by=ASSISTANT)
    with pytest.raises(access.Refusal, match=r"Only <@UMGR>, or whoever subscribed them, can unsubscribe them\. Nothing"):
        unsubscribe(MANAGER, by=DAN)
    with pytest.raises(access.Refusal, match="only they, or whoever subscribed them, can change it"):
        subscribe(MANAGER, by=DAN, frequency="daily")  # no taking it over to end it afterwards
    session.flush()
    sub = session.get(DigestSubscription, (T, MANAGER))
    assert (sub.frequency, sub.subscribed_by, len(pending_digests(MANAGER))) == ("weekly", ASSISTANT, 1)
    assert unsubscribe(MANAGER, by=ASSISTANT) is True
    session.flush()
    assert session.get(DigestSubscription, (T, MANAGER)) is None and pending_digests(MANAGER) == []

    subscribe(ANA, by=ANA)
    assert unsubscribe(ANA, by=ANA) is True
    with pytest.raises(access.Refusal, match="Only <@UBEN>"):  # the same answer whether BEN has one or not
        unsubscribe(BEN, by=ANA)
    assert unsubscribe(BEN, by=BEN) is False

    subscribe(CAT, by=ASSISTANT)
    session.get(DigestSubscription, (T, CAT)).subscribed_by = None  # made before who subscribed whom was recorded
    with pytest.raises(access.Refusal):
        unsubscribe(CAT, by=ASSISTANT)
    assert unsubscribe(CAT, by=CAT) is True


# --- Asking Slack -----------------------------------------------------------------------------------------


def test_who_may_see_a_conversation_is_asked_of_slack_and_cached_briefly(fake):
    now = [0.0]
    directory = Directory(WebClient(token=BOT_TOKEN, base_url=fake.api_url), clock=lambda: now[0])
    fake.add_channel(SECRET, "acquisition", members=[ANA], private=True)
    fake.add_channel("GMPIM", "mpdm-ana--ben", members=[ANA, BEN], mpim=True)
    dm = fake.m_conversations_open({"users": ANA})["channel"]["id"]  # ana's DM with the bot

    assert directory.can_see(CHANNEL, DAN) and directory.can_see(OTHER, DAN)  # public: anyone, bot in it or not
    assert directory.can_see(SECRET, ANA) and not directory.can_see(SECRET, BEN)
    assert directory.can_see("GMPIM", BEN) and not directory.can_see("GMPIM", CAT)
    assert directory.can_see(dm, ANA) and not directory.can_see(dm, BEN)
    assert directory.visible([CHANNEL, SECRET, "GMPIM", dm], BEN) == {CHANNEL, "GMPIM"}

    fake.channels[SECRET]["members"].discard(ANA)  # removed from the channel
    asked = len(fake.calls_to("conversations.members"))
    assert directory.can_see(SECRET, ANA) and len(fake.calls_to("conversations.members")) == asked  # cached…
    now[0] += 61
    assert not directory.can_see(SECRET, ANA)  # …for a minute only


def test_when_slack_cannot_say_a_private_conversation_is_not_visible(fake, caplog):
    caplog.set_level(logging.WARNING, logger="bot.slack")
    directory = Directory(WebClient(token=BOT_TOKEN, base_url=fake.api_url))
    fake.add_channel(SECRET, "acquisition", members=[ANA], private=True)

    assert not directory.can_see(PRIVATE, ANA)  # a private channel the bot isn't in: Slack won't tell
    fake.fail("conversations.members", "internal_error")
    assert not directory.can_see(SECRET, ANA)
    assert directory.can_see(SECRET, ANA)  # a failure is not remembered: the next request asks again
    fake.fail("conversations.info", "fatal_error")
    assert not directory.can_see(CHANNEL, ANA)  # even a public channel, when Slack can't say it is one
    unreachable = Directory(WebClient(token=BOT_TOKEN, base_url="http://127.0.0.1:9/"))
    assert not unreachable.can_see(CHANNEL, ANA)

    logged = [r for r in caplog.records if r.name == "bot.slack"]
    assert [r.levelname for r in logged] == ["WARNING"] * 4
    assert [r.getMessage().split(" failed")[0] for r in logged] == [
        "conversations.info", "conversations.members", "conversations.info", "conversations.info"]
    assert all(ANA not in r.getMessage() for r in logged)
