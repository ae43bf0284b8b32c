"""The composition root: the only place that wires Bolt, the database, the Slack client and the services."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.blocks import messages as m
from bot.config import Settings
from bot.handlers import actions, commands, events, views
from bot.logs import keep_private
from bot.services import Services, utc_clock
from bot.slack import Directory, make_client
from bot.storage.db import init_db, make_engine
from bot.tasks import TaskQueue

log = logging.getLogger("bot")

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
) -> App:
    from bot.synthesis.prompts import load_prompts
    from bot.synthesis.run import model_for

    prompts = load_prompts()  # a broken prompt file fails start-up here, not in a workshop
    engine = engine or make_engine(settings.database_url)
    init_db(engine)
    client = client or make_client(token=settings.secret("slack_bot_token"), base_url=settings.slack_api_url)
    services = Services(
        settings=settings,
        engine=engine,
        client=client,
        worker=worker or TaskQueue("work", 1, retry_delays=DB_RETRY_DELAYS),
        outbox=outbox or TaskQueue("slack", settings.slack_workers),
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
        log.error("Unhandled %s while handling a %s request", type(error).__name__, body.get("type") or "command",
                  exc_info=error)
        if body.get("response_url"):
            try:
                respond(response_type="ephemeral", replace_original=False, **m.build_sorry())
            except Exception:  # the apology is best effort; the error is already logged
                log.warning("Could not tell the user about the error")
        # A 500 makes Slack redeliver events, so a reply that failed to store gets another chance.
        return BoltResponse(status=500, body="")

    for module in (commands, events, actions, views):
        module.register(app, services)
    app.journey = services  # type: ignore[attr-defined]  (for the server's shutdown and for tests)
    return app


def services_of(app: App) -> Services:
    return app.journey  # type: ignore[attr-defined]
