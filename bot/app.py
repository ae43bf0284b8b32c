"""The composition root: the only place that wires Bolt, the database, the Slack client and the services."""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.blocks import messages as m
from bot.config import Settings
from bot.handlers import (
    commands,
    evidence,
    followups,
    home,
    maps,
    metrics,
    opportunities,
    replies,
    reviews,
    synthesis,
    workshop,
)
from bot.handlers.common import ephemeral, task
from bot.inbox import Inbox, InboxUnavailable, Request
from bot.logs import keep_private
from bot.services import Services, utc_clock
from bot.slack import Directory, make_client
from bot.storage.db import init_db, make_engine
from bot.tasks import TaskQueue

log = logging.getLogger("bot")

# Each app's services, for those that hold only the app (the server's front door, stop(), the clock, tests).
# Weak keys: an app that is gone takes its entry with it.
_SERVICES: weakref.WeakKeyDictionary[App, Services] = weakref.WeakKeyDictionary()

# A database outage is waited out for about 30 s before a task gives up (it is then logged with its payload ids).
DB_RETRY_DELAYS = (0.5, 1, 2, 4, 8, 15)


def build_app(
    settings: Settings,
    *,
    client: WebClient | None = None,
    engine: Engine | None = None,
    worker: TaskQueue | None = None,
    outbox: TaskQueue | None = None,
    clock: Callable[[], datetime] = utc_clock,
    token_verification: bool = True,
    inline: bool = False,
) -> App:
    """`inline`: every request is processed, and its Slack calls made, before its response is sent (tests)."""
    from bot.synthesis.prompts import load_prompts
    from bot.synthesis.run import model_for

    prompts = load_prompts()  # a broken prompt file fails start-up here, not in a workshop
    engine = engine or make_engine(settings.database_url)
    init_db(engine)
    client = client or make_client(token=settings.secret("slack_bot_token"), base_url=settings.slack_api_url)
    outbox = outbox or TaskQueue("slack", 0 if inline else settings.slack_workers)
    inbox = Inbox(engine, outbox=outbox, clock=clock, inline=inline,
                  retry_delays=(0.01, 0.01) if inline else (0.5, 1, 2, 4, 8, 15, 30))
    inbox.on_failure = _apologise
    confirmations = TaskQueue("confirm", 0 if inline else 1, after=inbox.quiet)
    inbox.lanes["confirmations"] = confirmations
    services = Services(
        settings=settings,
        engine=engine,
        client=client,
        worker=worker or TaskQueue("work", 0 if inline else 1, retry_delays=DB_RETRY_DELAYS),
        outbox=outbox,
        inbox=inbox,
        confirmations=confirmations,
        directory=Directory(client),
        clock=clock,
        synthesizer=model_for(settings, prompts),
    )
    keep_private()  # before App(): Bolt copies the App logger's filters to every logger it makes
    app = App(
        client=client,
        signing_secret=settings.secret("slack_signing_secret") or "",
        # Listeners only ack and queue their work, so running them before the HTTP response costs nothing and
        # Bolt's listener thread pool (whose 5 threads would queue acks behind slow work) is never used.
        process_before_response=True,
        token_verification_enabled=token_verification,
        logger=logging.getLogger("bot.bolt"),
    )

    @app.error
    def on_error(error: Exception, body: dict, respond) -> BoltResponse:
        unavailable = isinstance(error, InboxUnavailable)
        if unavailable:  # nothing was promised: Slack sends events again; a person is asked to
            log.warning("Refused a %s request: the database can't store it", body.get("type") or "command")
        else:
            log.error("Unhandled %s while handling a %s request", type(error).__name__, body.get("type") or "command",
                      exc_info=error)
        if body.get("response_url"):
            try:
                respond(response_type="ephemeral", replace_original=False,
                        **(m.build_busy() if unavailable else m.build_sorry()))
            except Exception:  # the apology is best effort; the error is already logged
                log.warning("Could not tell the user about the error")
        # An error status makes Slack redeliver events, so a reply that couldn't be stored gets another chance.
        return BoltResponse(status=503 if unavailable else 500, body="")

    for module in (commands, replies, home, workshop, maps, followups, opportunities, synthesis, evidence, reviews,
                   metrics):  # each feature's listeners
        module.register(app, services)
    if not inline:
        inbox.start()
        services.canvas_edits.start()  # inline (tests): the test moves its clock and calls run_due()
    _SERVICES[app] = services
    return app


def _apologise(req: Request, _error: BaseException):
    """A request whose processing failed (it is logged): its author hears so, where Slack lets us answer."""
    return [task(ephemeral, req.respond, m.build_sorry())] if req.body.get("response_url") else []


_REQUIRED = object()


def services_of(app: App, default=_REQUIRED) -> Services:
    """The services `build_app` wired into this app; `default` for an App it didn't make (a bare Bolt app)."""
    services = _SERVICES.get(app)
    if services is None:
        if default is _REQUIRED:
            raise LookupError("this App was not made by build_app")
        return default
    return services


def stop(app: App, *, confirmations_timeout: float = 5) -> None:
    """Finish the work in hand (what is still pending stays in the database) and stop the app's threads."""
    services = services_of(app)
    services.inbox.stop()
    services.canvas_edits.stop()  # an edit still waiting is made by the next change (the canvas is only a view)
    services.worker.shutdown()
    services.outbox.shutdown()
    services.confirmations.shutdown(timeout=confirmations_timeout)  # a ✅ still waiting is not worth a long wait
