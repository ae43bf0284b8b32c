"""Due dates as people type them, and working days.

`2026-12-15`, `in 2 weeks`, `next friday`, `tomorrow`, `dec 15` go to dateparser (a well-kept parser of human
dates); `end of month`, `end of week` and `end of quarter` are ours. Everything is read relative to the person's
own today, in their time zone.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, time, timedelta

EXAMPLE = "e.g. `due 2026-12-15`, `due in 2 weeks`, `due next friday` or `due end of month`"


class BadDate(ValueError):
    """A date we can't read, or one in the past; the message says what to type instead."""


def _end_of(kind: str, today: date) -> date:
    if kind == "week":
        return today + timedelta(days=(4 - today.weekday()) % 7)  # this week's Friday
    if kind == "month":
        return today.replace(day=calendar.monthrange(today.year, today.month)[1])
    quarter_end_month = ((today.month - 1) // 3 + 1) * 3
    return date(today.year, quarter_end_month, calendar.monthrange(today.year, quarter_end_month)[1])


_END = re.compile(r"^(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(week|month|quarter)$|^eo(w|m|q)$", re.IGNORECASE)


def parse_due(text: str, *, today: date) -> date:
    raw = " ".join(text.split())
    if not raw:
        raise BadDate(f"Give a due date, {EXAMPLE}.")
    m = _END.match(raw)
    if m:
        kind = m.group(1) or {"w": "week", "m": "month", "q": "quarter"}[m.group(2).lower()]
        return _end_of(kind.lower(), today)
    import dateparser  # loads its language data on first use, not at start-up

    found = dateparser.parse(
        raw,
        languages=["en"],
        settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime.combine(today, time(12)),
                  "RETURN_AS_TIMEZONE_AWARE": False},
    )
    if found is None:
        raise BadDate(f"I can't read “{raw[:60]}” as a date; try {EXAMPLE}.")
    if found.date() < today:
        raise BadDate(f"{found.date().isoformat()} has already passed; give a date from today on ({EXAMPLE}).")
    return found.date()


def is_working_day(d: date) -> bool:
    return d.weekday() < 5


def next_working_day(d: date) -> date:
    d += timedelta(days=1)
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def previous_working_day(d: date) -> date:
    d -= timedelta(days=1)
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def add_working_days(d: date, n: int) -> date:
    for _ in range(n):
        d = next_working_day(d)
    return d
