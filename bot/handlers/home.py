"""The App Home tab: `app_home_opened` publishes the person's own work (views.publish); the follow-up handlers
call `refresh_home` when that work changes. Publishing is coalesced per person and reads the database when it
runs, so a burst of changes publishes the latest state once or twice."""

from __future__ import annotations

from slack_bolt import App
from sqlmodel import Session

from bot import home
from bot.blocks.home import build_home
from bot.handlers.common import durable, task
from bot.handlers.replies import event_key
from bot.inbox import Request, Then
from bot.services import Services


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


def publish_home(svc: Services, team_id: str, user_id: str) -> None:
    svc.warm(user_id)  # "today" and "overdue" are the person's
    with svc.session() as s:
        channels = home.channels(session=s, team_id=team_id, user_id=user_id)
    visible = svc.directory.visible(channels, user_id)  # Slack look-ups outside any transaction
    with svc.session() as s:
        today = svc.clock().astimezone(svc.zone_of(s, team_id)(user_id)).date()
        view = home.home_view(session=s, team_id=team_id, user_id=user_id, today=today, visible=visible)
    svc.client.views_publish(user_id=user_id, view=build_home(view, today))
