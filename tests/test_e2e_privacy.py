"""End to end, issue 10: nothing of a workshop in a private channel or group DM reaches anyone outside it, and
people change only their own digest. Each leak measured on main is a test here, beside what a member still sees."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from bot.reminders.kinds import make_dispatcher
from fakeslack.api import BOT_USER_ID
from tests.conftest import ANA, BEN, CAT, CHANNEL, DAN, FACILITATOR, PEOPLE, PRIVATE

pytestmark = pytest.mark.slow

SECRET_TITLE = "Globex acquisition"
SECRET_PAIN = "Globex churn figures are hidden"
SECRET_ACTION = "Draft the Globex memo"
GROUP_DM = "GMPIMOFFSITE"  # a group DM of the facilitator, Ana and the bot
FRESH = "CFRESH"  # a public channel without a workshop


def private_workshop(bot) -> int:
    """A workshop in PRIVATE, whose only members are the facilitator, Ana and the bot: a pain point, its synthesis
    and an action item. Returns its number."""
    bot.fake.channels[PRIVATE]["members"] = {FACILITATOR, ANA, BOT_USER_ID}
    bot.ws.command(FACILITATOR, PRIVATE, f"new {SECRET_TITLE}")
    for _ in range(3):
        bot.ws.command(FACILITATOR, PRIVATE, "next")
    bot.ws.reply(ANA, PRIVATE, bot.last_prompt(PRIVATE).ts, f"pain: {SECRET_PAIN}")
    bot.ws.command(FACILITATOR, PRIVATE, "synthesize")
    bot.ws.command(FACILITATOR, PRIVATE, f"action <@{ANA}> {SECRET_ACTION} due 2026-11-03")
    bot.ws.command(FACILITATOR, PRIVATE, "status")
    return int(re.search(r"Workshop #(\d+)", bot.last_said_to(FACILITATOR)).group(1))


def group_dm_workshop(bot) -> None:
    bot.fake.add_channel(GROUP_DM, "mpdm-fran--ana-1", members=[FACILITATOR, ANA], mpim=True)
    bot.ws.command(FACILITATOR, GROUP_DM, "new Offsite in Lisbon")
    bot.ws.command(FACILITATOR, GROUP_DM, f"action <@{ANA}> Book the Lisbon venue due 2026-11-03")


def public_workshop(bot, owner: str = BEN) -> None:
    bot.ws.command(FACILITATOR, CHANNEL, "new Onboarding")
    bot.ws.command(FACILITATOR, CHANNEL, f"action <@{owner}> Shorten the signup form due 2026-11-03")


def digests_to(bot, user: str) -> list[str]:
    return [json.dumps(m.blocks, ensure_ascii=False) for m in bot.fake.dm_messages(user) if "digest" in m.text.lower()]


def watch_lookups(bot) -> list[int]:
    """For each visibility look-up in Slack, how many database connections were in use: 0, or it happened inside
    a transaction (on SQLite, holding the write lock while Slack answers)."""
    directory, in_use = bot.services.directory, []
    ask = directory.can_see

    def can_see(channel_id: str, user_id: str) -> bool:
        in_use.append(bot.services.engine.pool.checkedout())
        return ask(channel_id, user_id)

    directory.can_see = can_see
    return in_use


def test_digest_now_covers_only_the_workshops_its_reader_may_see(bot):
    private_workshop(bot)
    group_dm_workshop(bot)
    public_workshop(bot)
    lookups = watch_lookups(bot)
    bot.clock.now = datetime(2026, 11, 5, 10, tzinfo=UTC)  # the action items are overdue now: quoted in digests
    for user in (DAN, FACILITATOR):
        bot.ws.command(user, CHANNEL, "digest subscribe daily")
        bot.ws.command(user, CHANNEL, "digest follow all")
        bot.ws.command(user, CHANNEL, "digest now")

    (outsider,) = digests_to(bot, DAN)
    assert "*Onboarding*" in outsider and "Shorten the signup form" in outsider  # the digest works…
    for secret in ("Globex", "Lisbon", PRIVATE, GROUP_DM, "Synthesis"):  # …and has no title, quote or count of theirs
        assert secret not in outsider
    assert outsider.count("Action items:") == 1
    (member,) = digests_to(bot, FACILITATOR)  # a member of both sees everything
    for seen in (SECRET_TITLE, SECRET_ACTION, "Synthesis", "Offsite in Lisbon", "Book the Lisbon venue", "Onboarding"):
        assert seen in member
    assert lookups and set(lookups) == {0}  # Slack was asked before any transaction opened


def test_the_scheduled_digest_covers_only_what_its_reader_may_see(bot):
    for user in (DAN, FACILITATOR):
        bot.ws.command(user, CHANNEL, "digest subscribe daily")
    bot.clock.advance(minutes=5)
    private_workshop(bot)
    group_dm_workshop(bot)
    public_workshop(bot)
    bot.clock.now = datetime(2026, 11, 3, 9, 5, tzinfo=UTC)  # Tuesday 9:05 in London: both digests are due
    make_dispatcher(bot.services).tick()

    (outsider,) = digests_to(bot, DAN)
    assert "*Onboarding*" in outsider
    for secret in ("Globex", "Lisbon", PRIVATE, GROUP_DM):
        assert secret not in outsider
    (member,) = digests_to(bot, FACILITATOR)
    assert SECRET_TITLE in member and "Offsite in Lisbon" in member and "*Onboarding*" in member


def test_a_private_map_cannot_seed_a_future_map_for_someone_outside_it(bot):
    number = private_workshop(bot)
    bot.fake.add_channel(FRESH, "tomorrow", members=list(PEOPLE))
    lookups = watch_lookups(bot)
    bot.ws.command(DAN, FRESH, "new Tomorrow --future-of 9999")
    missing = bot.last_said_to(DAN)
    bot.ws.command(DAN, FRESH, f"new Tomorrow --future-of {number}")
    # The same answer as for a map that doesn't exist: nothing tells that a private one is there.
    assert bot.last_said_to(DAN).replace(f"#{number}", "#N") == missing.replace("#9999", "#N")
    bot.ws.command(DAN, FRESH, "export csv")
    assert "no open workshop in this channel" in bot.last_said_to(DAN)
    assert not any(SECRET_PAIN.encode() in f["content"] for f in bot.fake.files.values())

    bot.ws.command(FACILITATOR, FRESH, f"new Tomorrow --future-of {number}")  # a member may build on it
    bot.ws.command(FACILITATOR, FRESH, "export csv")
    assert SECRET_PAIN.encode() in list(bot.fake.files.values())[-1]["content"]
    assert lookups and set(lookups) == {0}


def test_my_action_items_leave_out_workshops_i_may_not_see(bot):
    private_workshop(bot)
    # Dan owns an item of the private workshop without being in its channel (say, he left it).
    bot.ws.command(FACILITATOR, PRIVATE, f"action <@{DAN}> Brief the Globex board due 2026-11-20")
    public_workshop(bot, owner=DAN)
    lookups = watch_lookups(bot)
    bot.ws.command(DAN, CHANNEL, "actions")
    mine = bot.last_said_to(DAN)
    assert "Shorten the signup form" in mine and "Globex" not in mine and "1 item" in mine
    bot.ws.command(ANA, CHANNEL, "actions")
    assert SECRET_ACTION in bot.last_said_to(ANA)  # a member sees hers
    bot.ws.command(ANA, PRIVATE, "actions all")  # in the channel itself, its members see all of its items
    assert "Brief the Globex board" in bot.last_said_to(ANA)
    assert lookups and set(lookups) == {0}


def test_only_the_subscriber_or_whoever_subscribed_them_can_unsubscribe(bot):
    bot.ws.command(ANA, CHANNEL, "digest subscribe daily")
    bot.ws.command(DAN, CHANNEL, f"digest unsubscribe <@{ANA}>")
    assert bot.last_said_to(DAN) == "Only <@UANA>, or whoever subscribed them, can unsubscribe them. Nothing was changed."
    bot.ws.command(DAN, CHANNEL, f"digest subscribe weekly <@{ANA}>")  # nor take it over, to end it then
    assert "only they, or whoever subscribed them, can change it" in bot.last_said_to(DAN)
    bot.clock.advance(minutes=5)
    public_workshop(bot)
    bot.clock.now = datetime(2026, 11, 3, 9, 5, tzinfo=UTC)
    make_dispatcher(bot.services).tick()
    assert len(digests_to(bot, ANA)) == 1  # her daily digest still came

    bot.ws.command(FACILITATOR, CHANNEL, f"digest subscribe weekly <@{CAT}>")
    bot.ws.command(BEN, CHANNEL, f"digest unsubscribe <@{CAT}>")
    assert bot.last_said_to(BEN).startswith("Only <@UCAT>")
    bot.ws.command(FACILITATOR, CHANNEL, f"digest unsubscribe <@{CAT}>")
    assert bot.last_said_to(FACILITATOR) == "Unsubscribed <@UCAT>."
    bot.ws.command(ANA, CHANNEL, "digest unsubscribe")
    assert bot.last_said_to(ANA) == "Unsubscribed you."
