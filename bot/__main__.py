"""Entry point: the only place that reads the environment and starts anything.

    python -m bot            Socket Mode when SLACK_APP_TOKEN is set, else HTTP mode
    python -m bot serve      HTTP mode: POST /slack/events on $PORT (waitress)
    python -m bot socket     Socket Mode
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from pydantic import ValidationError
from slack_bolt.error import BoltError
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Settings, require

log = logging.getLogger("bot")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as e:
        first = e.errors()[0]
        raise ConfigError(f"Setting {str(first['loc'][0]).upper()} is invalid: {first['msg']}.") from None


def _build(settings: Settings):
    from bot.app import build_app

    try:
        return build_app(settings)
    except (BoltError, SlackApiError) as e:
        raise ConfigError(f"Slack refused the bot token ({e}); check SLACK_BOT_TOKEN.") from None


def serve(settings: Settings) -> None:
    from bot.server import create_server, make_wsgi

    require(settings, "slack_bot_token", "slack_signing_secret")
    app = _build(settings)
    server = create_server(make_wsgi(app), host=settings.host, port=settings.port, threads=settings.http_threads)
    # A deploy stops the process with SIGTERM: stop taking requests, then finish the work already acknowledged.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log.info("Journey Workshop Bot listening on http://%s:%s/slack/events", settings.host, server.effective_port)
    try:
        server.run()
    finally:
        _drain(app)


def _drain(app) -> None:
    from bot.app import services_of

    services = services_of(app)
    log.info("Finishing queued work before stopping")
    services.worker.shutdown()
    services.outbox.shutdown()


def socket(settings: Settings) -> None:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    require(settings, "slack_bot_token", "slack_app_token")
    app = _build(settings)
    log.info("Journey Workshop Bot connecting to Slack in Socket Mode")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        SocketModeHandler(app, settings.secret("slack_app_token")).start()
    finally:
        _drain(app)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Journey Workshop Bot")
    parser.add_argument("mode", nargs="?", choices=["run", "serve", "socket"], default="run")
    args = parser.parse_args(argv)
    try:
        settings = _settings()
        logging.basicConfig(
            level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
        )
        mode = args.mode
        if mode == "run":
            mode = "socket" if settings.secret("slack_app_token") else "serve"
        {"serve": serve, "socket": socket}[mode](settings)
    except ConfigError as e:
        print(f"journey-bot: {e}", file=sys.stderr)
        return 2
    except (KeyboardInterrupt, SystemExit):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
