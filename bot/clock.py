"""The clock: APScheduler wakes the reminder dispatcher every few seconds. It holds no jobs of its own beyond
that one tick (reminders are rows, so APScheduler's job store is never shared between processes)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.reminders.dispatcher import Dispatcher

log = logging.getLogger(__name__)


def _add_tick(scheduler, dispatcher: Dispatcher, interval_seconds: int) -> None:
    scheduler.add_job(
        dispatcher.tick, IntervalTrigger(seconds=interval_seconds), id="reminders", replace_existing=True,
        max_instances=1, coalesce=True, misfire_grace_time=interval_seconds,
        next_run_time=datetime.now(UTC),  # at once on start: whatever fell due while we were down goes out now
    )


def start_in_background(dispatcher: Dispatcher, interval_seconds: int) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone=UTC)
    _add_tick(scheduler, dispatcher, interval_seconds)
    scheduler.start()
    log.info("Reminder clock running in this process (every %ss)", interval_seconds)
    return scheduler


def run_forever(dispatcher: Dispatcher, interval_seconds: int) -> None:
    scheduler = BlockingScheduler(timezone=UTC)
    _add_tick(scheduler, dispatcher, interval_seconds)
    log.info("Reminder clock process running (every %ss)", interval_seconds)
    scheduler.start()
