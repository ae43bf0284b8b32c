"""The App Home tab: `app_home_opened` publishes the person's own work (views.publish); handlers call
`refresh_home` when that work changes (action items, validation tasks, digests, their answers) and
`refresh_workshop_homes` when a workshop moves on or closes. Publishing is coalesced per person and reads the
database when it runs, so a burst of changes publishes the latest state once or twice."""

from __future__ import annotations

import logging

from slack_bolt import App
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from bot import home
from bot.blocks.home import build_home
from bot.handlers.common import durable, task
from bot.handlers.outbox import prompt_permalink, store
from bot.handlers.replies import event_key
from bot.inbox import Request, Then
from bot.services import Services
from bot.storage import home as home_store
from bot.storage import repo
from bot.workshop import flow

log = logging.getLogger(__name__)


def register(app: App, svc: Services) -> None:
    app.event("app_home_opened")(durable(svc, "event"))  # Socket Mode; over HTTP the front door stores it
    svc.inbox.route("event", key=event_key, matches=_is_home_opened,
                    wanted=lambda body: (body.get("event") or {}).get("tab", "home") == "home",
                    apply=lambda s, req, _ready: _opened(svc, s, req))


def _is_home_opened(body: dict) -> bool:
    return (body.get("event") or {}).get("type") == "app_home_opened"


def _opened(svc: Services, _s: Session, req: Request) -> Then:
    user = req.user_id
    return [task(refresh_home, svc, req.team_id, user)] if user else []


def refresh_home(svc: Services, team_id: str, *users: str | None) -> None:
    """Publish these people's Home tabs again (coalesced per person; read when it runs)."""
    for user in dict.fromkeys(u for u in users if u):
        svc.refreshes.submit(("home", team_id, user), publish_home, svc, team_id, user)


def home_changed(svc: Services, team_id: str, *users: str | None) -> Then:
    """For a rule's Then: after the commit, the Home of each of these people shows the change."""
    return [task(refresh_home, svc, team_id, *users)]


def refresh_workshop_homes(svc: Services, team_id: str, channel_id: str) -> None:
    """The channel's workshop moved on or closed: publish again the Home of everyone it shows on (read now)."""
    try:
        with svc.session() as s:
            ws = repo.latest_workshop(session=s, team_id=team_id, channel_id=channel_id)
            people = home_store.participants(session=s, team_id=team_id, workshop_id=ws.id) if ws else []
    except OperationalError:
        log.warning("Home tabs not published: the database is unavailable")
        return
    refresh_home(svc, team_id, *people)


def publish_home(svc: Services, team_id: str, user_id: str) -> None:
    try:
        _publish_home(svc, team_id, user_id)
    except OperationalError:  # the Home is only a view of stored work: the next change or opening publishes it
        log.warning("Home tab not published: the database is unavailable")


def _publish_home(svc: Services, team_id: str, user_id: str) -> None:
    svc.warm(user_id)  # "today" and "overdue" are the person's
    with svc.session() as s:
        channels = home.channels(session=s, team_id=team_id, user_id=user_id)
    visible = svc.directory.visible(channels, user_id)  # Slack look-ups outside any transaction
    with svc.session() as s:
        unlinked = home.prompts_without_links(session=s, team_id=team_id, user_id=user_id, visible=visible)
    links = {}
    for step_id, channel_id, ts in unlinked:  # asked once: kept with the prompt for every later publish
        link = prompt_permalink(svc, channel_id, ts)
        if link:
            links[step_id] = link
            store(svc, flow.record_prompt_link, team_id=team_id, step_id=step_id, ts=ts, permalink=link)
    with svc.session() as s:
        today = svc.clock().astimezone(svc.zone_of(s, team_id)(user_id)).date()
        view = home.home_view(session=s, team_id=team_id, user_id=user_id, today=today, visible=visible, links=links)
    svc.client.views_publish(user_id=user_id, view=build_home(view, today))
