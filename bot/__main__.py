"""Entry point: the only place that reads the environment and starts anything.

    python -m bot            the sandbox when SLACK_BOT_TOKEN is not set; else Socket Mode when SLACK_APP_TOKEN is
                             set, else HTTP mode
    python -m bot sandbox    the bot against a local Slack-like page in the browser (no Slack workspace needed)
    python -m bot serve      HTTP mode: POST /slack/events on $PORT (waitress)
    python -m bot socket     Socket Mode
    python -m bot clock      only the reminder clock (beside a `serve` process; both may run the clock safely)
    python -m bot export <workshop> --format json|csv|md [-o FILE]
    python -m bot migration "what changed"   (developers: write the migration for a change to the models)
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from pathlib import Path

from pydantic import SecretStr, ValidationError
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings, require

log = logging.getLogger("bot")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        first = e.errors()[0]
        why = first["msg"].removeprefix("Value error, ").rstrip(".")
        raise ConfigError(f"Setting {str(first['loc'][0]).upper()} is invalid: {why}.") from None


# How long start-up waits for the database (a database starting beside the bot gets that long) and for Slack.
DATABASE_WAIT_SECONDS = 5
SLACK_WAIT_SECONDS = 5


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0].strip().rstrip(".")


def _database(settings: Settings):
    """The engine, once the database answers `SELECT 1`; tried for DATABASE_WAIT_SECONDS, then one line."""
    from sqlalchemy.exc import DBAPIError

    from bot.storage.db import make_engine

    try:
        engine = make_engine(settings.database_url)
    except OSError as e:  # a SQLite file's folder that can't be made
        raise ConfigError(f"DATABASE_URL can't be used: {_first_line(e)}.") from None
    deadline = time.monotonic() + DATABASE_WAIT_SECONDS
    while True:
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return engine
        except DBAPIError as e:
            if time.monotonic() >= deadline:
                engine.dispose()
                raise ConfigError(f"The database in DATABASE_URL can't be reached ({_first_line(e.orig)}); "
                                  f"gave up after {DATABASE_WAIT_SECONDS} s.") from None
            time.sleep(0.5)


def _check_slack(settings: Settings, *, socket_mode: bool = False) -> None:
    """auth.test (and in Socket Mode apps.connections.open), once each and with a short timeout: an unreachable
    Slack or a refused token is one line, at once."""
    from slack_sdk import WebClient

    from bot.slack import error_code

    # No retries, and its own disabled logger: slack_sdk would log each failed try, and this failure is one line.
    quiet = logging.getLogger("bot.slack_check")
    quiet.disabled = True
    client = WebClient(token=settings.secret("slack_bot_token"), base_url=settings.slack_api_url,
                       timeout=SLACK_WAIT_SECONDS, retry_handlers=[], logger=quiet)
    token = "SLACK_BOT_TOKEN"
    try:
        client.auth_test()
        if settings.secret("slack_app_token") and socket_mode:
            token = "SLACK_APP_TOKEN"  # Socket Mode's first call; the URL it hands out is left unused
            client.apps_connections_open(app_token=settings.secret("slack_app_token"))
    except SlackApiError as e:
        if e.response.status_code == 200 and isinstance(e.response.data, dict):
            hint = ("it needs the connections:write scope" if token == "SLACK_APP_TOKEN"
                    else "check it is the Bot User OAuth Token of an installed app")
            raise ConfigError(f"Slack refused {token} ({error_code(e)}); {hint}.") from None
        raise ConfigError(f"SLACK_API_URL ({settings.slack_api_url}) didn't answer like Slack's Web API "
                          f"(HTTP {e.response.status_code}).") from None
    except (OSError, ValueError) as e:  # URLError, timeouts, refused connections, an unusable URL
        reason = getattr(e, "reason", None) or e
        raise ConfigError(f"Slack can't be reached at SLACK_API_URL ({settings.slack_api_url}): "
                          f"{_first_line(reason) if isinstance(reason, BaseException) else reason}.") from None


def _build(settings: Settings, *, socket_mode: bool = False):
    from sqlalchemy.exc import SQLAlchemyError

    from bot.app import build_app
    from bot.synthesis.prompts import PromptError

    engine = _database(settings)
    _check_slack(settings, socket_mode=socket_mode)
    try:
        return build_app(settings, engine=engine)
    except (BoltError, SlackApiError) as e:
        raise ConfigError(f"Slack refused the bot token ({_first_line(e)}); check SLACK_BOT_TOKEN.") from None
    except OSError as e:
        raise ConfigError(f"Slack can't be reached at SLACK_API_URL ({_first_line(e)}).") from None
    except SQLAlchemyError as e:
        raise ConfigError(f"The database in DATABASE_URL couldn't be brought up to date "
                          f"({_first_line(getattr(e, 'orig', None) or e)}).") from None
    except PromptError as e:
        raise ConfigError(f"A prompt file is broken: {e}.") from None


def _listen(wsgi, settings: Settings):
    from bot.server import create_server

    try:
        return create_server(wsgi, host=settings.host, port=settings.port, threads=settings.http_threads)
    except OSError as e:
        raise ConfigError(f"Can't listen on HOST {settings.host} PORT {settings.port} ({_first_line(e)}).") from None


def serve(settings: Settings) -> None:
    from bot.server import make_wsgi

    require(settings, "slack_bot_token", "slack_signing_secret")
    # The port first: a port in use is a bad setting like the others, said before anything starts (requests wait
    # in the backlog until the server runs, by when the app is in place).
    handler = {}
    server = _listen(lambda environ, start_response: handler["wsgi"](environ, start_response), settings)
    app = _build(settings)
    handler["wsgi"] = make_wsgi(app)
    clock = _start_clock(settings, app)
    # A deploy stops the process with SIGTERM: stop taking requests, then finish the work already acknowledged.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("Journey Workshop Bot listening on http://%s:%s/slack/events", settings.host, server.effective_port)
    try:
        server.run()
    finally:
        _drain(app, clock)


def _start_clock(settings: Settings, app):
    if not settings.clock_in_process:
        return None
    from bot.app import services_of
    from bot.clock import start_in_background
    from bot.reminders.kinds import make_dispatcher

    return start_in_background(make_dispatcher(services_of(app)), settings.clock_interval_seconds)


def _drain(app, clock=None) -> None:
    from bot.app import stop

    log.info("Finishing the work in hand before stopping (what is still pending stays in the database)")
    if clock is not None:
        clock.shutdown(wait=True)  # a reminder being sent is finished, not cut off
    stop(app)


SANDBOX_DATABASE = "sqlite:///data/sandbox.db"
SANDBOX_CANVAS_SECONDS = 5.0


def sandbox_database(settings: Settings) -> str:
    """The sandbox's database: DATABASE_URL if set, else data/sandbox.db (never a real workspace's data)."""
    return settings.database_url if "database_url" in settings.model_fields_set else SANDBOX_DATABASE


def sandbox(settings: Settings) -> None:
    """The whole bot, unchanged in HTTP mode, against the local Slack-like page."""
    import secrets

    from bot.app import build_app
    from bot.server import ServerThread, make_wsgi
    from fakeslack.api import BOT_TOKEN, FakeSlack
    from fakeslack.sandbox import Sandbox
    from fakeslack.sender import SlackSender, Workspace

    fake = FakeSlack()
    fake.start(host="127.0.0.1" if settings.host == "0.0.0.0" else settings.host, port=settings.port)
    secret = secrets.token_hex(16)
    database = sandbox_database(settings)
    if database == SANDBOX_DATABASE:  # the page starts empty, so its database does too (the last one is kept)
        previous = Path(SANDBOX_DATABASE.removeprefix("sqlite:///"))
        if previous.exists():
            previous.replace(previous.with_name("sandbox-previous.db"))
    bot_settings = settings.model_copy(update={
        "slack_bot_token": SecretStr(BOT_TOKEN), "slack_signing_secret": SecretStr(secret),
        "slack_api_url": fake.api_url, "database_url": database,
        # One person trying the bot wants to see the canvas follow: 5 s here, unless CANVAS_REFRESH_SECONDS says.
        "canvas_refresh_seconds": (settings.canvas_refresh_seconds
                                   if "canvas_refresh_seconds" in settings.model_fields_set else SANDBOX_CANVAS_SECONDS)})
    app = build_app(bot_settings)
    server = ServerThread(make_wsgi(app), host="127.0.0.1", port=0, threads=settings.http_threads).__enter__()
    page = Sandbox(fake, Workspace(fake, SlackSender(server.url + "/slack/events", secret)))
    page.seed()
    from bot.app import services_of

    services = services_of(app)
    page.introduce_people(settle=lambda: services.worker.join(10) and services.outbox.join(10))
    clock = _start_clock(bot_settings, app)
    print(f"Journey Workshop sandbox: open {fake.url}/ in your browser (Ctrl-C stops it)", flush=True)
    log.info("Sandbox page on %s, the bot on %s, database %s", fake.url, server.url, database)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        signal.pause()
    finally:
        _drain(app, clock)
        server.stop()
        fake.stop()


def clock(settings: Settings) -> None:
    """The reminder clock alone (the Procfile's `clock:` process)."""
    from bot.clock import run_forever
    from bot.reminders.kinds import make_dispatcher

    require(settings, "slack_bot_token")
    app = _build(settings)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    from bot.app import services_of

    try:
        run_forever(make_dispatcher(services_of(app)), settings.clock_interval_seconds)
    finally:
        _drain(app)


def socket(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack import error_code

    require(settings, "slack_bot_token", "slack_app_token")
    app = _build(settings, socket_mode=True)
    log.info("Journey Workshop Bot connecting to Slack in Socket Mode")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    clock = _start_clock(settings, app)
    try:
        SocketModeHandler(app, settings.secret("slack_app_token")).start()
    except SlackApiError as e:  # apps.connections.open, the first thing start() asks
        raise ConfigError(f"Slack refused SLACK_APP_TOKEN ({error_code(e)}); it needs the connections:write "
                          "scope.") from None
    finally:
        _drain(app, clock)


def export(settings: Settings, workshop_id: int, fmt: str, output: str | None) -> None:
    """Write a workshop's export from the database (no Slack needed)."""
    from bot.journeymap import build_map
    from bot.render.export import EXPORTERS
    from bot.storage.db import init_db, make_engine, session_scope
    from bot.storage.repo import workshop_any_team
    from bot.workshop.access import Refusal

    database = settings.database_url
    if "database_url" not in settings.model_fields_set and settings.slack_bot_token is None:
        database = SANDBOX_DATABASE  # no Slack set up: `make run` is the sandbox, so its data are there
    path = database.removeprefix("sqlite:///") if database.startswith("sqlite:///") else None
    if path is not None and not Path(path).exists():  # an export never creates a database
        raise ConfigError(f"There's no database at {path} (set DATABASE_URL to the bot's database).")
    engine = make_engine(database)
    init_db(engine)
    with session_scope(engine) as s:
        ws = workshop_any_team(session=s, workshop_id=workshop_id)
        if ws is None:
            raise ConfigError(f"There's no workshop {workshop_id} in {database}.")
        try:
            data = build_map(session=s, team_id=ws.team_id, workshop_id=ws.id)  # that workshop's team only
        except Refusal as r:
            raise ConfigError(str(r)) from None
    content = EXPORTERS[fmt](data)
    if output in (None, "-"):
        sys.stdout.buffer.write(content)
    else:
        with open(output, "wb") as f:
            f.write(content)
        print(f"Wrote {output} ({len(content)} bytes)", file=sys.stderr)


def migration(message: str) -> None:
    """Autogenerate the next migration by comparing the models with a scratch database at the latest version."""
    import tempfile

    from alembic import command
    from sqlalchemy import create_engine

    from bot.storage.db import alembic_config

    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.db")
        with engine.begin() as connection:
            cfg = alembic_config(connection)
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Journey Workshop Bot")
    sub = parser.add_subparsers(dest="mode")
    sub.add_parser("run", help="Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode (the default)")
    sub.add_parser("serve", help="HTTP mode: POST /slack/events on $PORT")
    sub.add_parser("socket", help="Socket Mode")
    sub.add_parser("clock", help="only the reminder clock")
    sub.add_parser("sandbox", help="the bot against a local Slack-like page in the browser")
    ex = sub.add_parser("export", help="write a workshop's export to a file or stdout")
    ex.add_argument("workshop", type=int, help="the workshop number (`/journey status` shows it)")
    ex.add_argument("--format", choices=["json", "csv", "md"], default="json")
    ex.add_argument("-o", "--output", help="file to write (default: standard output)")
    mig = sub.add_parser("migration", help="developers: write the migration for a change to the models")
    mig.add_argument("message")
    args = parser.parse_args(argv)
    if args.mode == "migration":
        migration(args.message)
        return 0
    try:
        settings = _settings()
        if args.mode == "export":
            export(settings, args.workshop, args.format, args.output)
            return 0
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
        for chatty in ("alembic", "apscheduler"):  # a line per migration step and per clock tick is noise
            logging.getLogger(chatty).setLevel(max(logging.WARNING, logging.getLogger().level))
        mode = args.mode or "run"
        if mode == "run":
            if not settings.secret("slack_bot_token"):
                mode = "sandbox"
            else:
                mode = "socket" if settings.secret("slack_app_token") else "serve"
        {"serve": serve, "socket": socket, "clock": clock, "sandbox": sandbox}[mode](settings)
    except ConfigError as e:
        print(f"journey-bot: {e}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, SystemExit):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
