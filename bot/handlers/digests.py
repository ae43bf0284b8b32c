"""`/journey digest`: subscribe (yourself or someone else), unsubscribe, follow a channel, or a digest now."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot import digests
from bot.blocks import digests as b
from bot.handlers.home import home_changed

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest


def prepare_digest(r: CommandRequest, cmd: a.Digest) -> None:
    r.svc.warm(r.user_id, cmd.user)
    if cmd.action == "now":  # only the workshops this person may see
        with r.svc.session() as s:
            channels = digests.covered_channels(session=s, team_id=r.team_id, user_id=r.user_id)
        r.visible = r.svc.directory.visible(channels, r.user_id)


def digest(r: CommandRequest, cmd: a.Digest) -> None:
    who = cmd.user or r.user_id
    you = "you" if who == r.user_id else f"<@{who}>"
    now = r.svc.clock()
    if cmd.action == "subscribe":
        due = digests.subscribe(session=r.s, team_id=r.team_id, user_id=who, by=r.user_id, frequency=cmd.frequency,
                                tz=r.zone_of()(who), now=now)
        r.reply(b.build_subscribed(you, cmd.frequency, due))
    elif cmd.action == "unsubscribe":
        found = digests.unsubscribe(session=r.s, team_id=r.team_id, user_id=who, by=r.user_id)
        r.reply(b.build_unsubscribed(you, found))
    elif cmd.action == "follow":
        channels = digests.follow(session=r.s, team_id=r.team_id, user_id=r.user_id, channel_id=cmd.channel)
        r.reply(b.build_following(channels))
    if cmd.action in ("subscribe", "unsubscribe", "follow"):  # the Home tab shows the subscription
        r.then += home_changed(r.svc, r.team_id, who if cmd.action != "follow" else r.user_id)
    else:
        today = r.today()
        found = digests.build_digest(session=r.s, team_id=r.team_id, user_id=r.user_id, today=today, since=None,
                                     visible=r.visible)
        message = b.build_digest(found, today)
        r.later(r.svc.client.chat_postMessage, channel=r.user_id, **message, on_error=lambda _e: r.tell(message))
