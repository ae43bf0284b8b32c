from datetime import date

import pytest

from bot.dates import BadDate, add_working_days, next_working_day, parse_due, previous_working_day

SUNDAY = date(2026, 11, 22)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-15", date(2026, 12, 15)),
    ("in 2 weeks", date(2026, 12, 6)),
    ("next friday", date(2026, 11, 27)),
    ("end of month", date(2026, 11, 30)),
    ("End of the month", date(2026, 11, 30)),
    ("eom", date(2026, 11, 30)),
    ("end of week", date(2026, 11, 27)),
    ("end of quarter", date(2026, 12, 31)),
    ("tomorrow", date(2026, 11, 23)),
    ("dec 15", date(2026, 12, 15)),
    ("15 December", date(2026, 12, 15)),
    ("today", SUNDAY),
])
def test_due_dates_people_type(text, expected):
    assert parse_due(text, today=SUNDAY) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("banana", "can't read"), ("", "Give a due date"), ("2025-01-01", "already passed"), ("yesterday", "already passed"),
])
def test_unreadable_or_past_dates_are_refused_with_an_example(text, says):
    with pytest.raises(BadDate, match=says) as e:
        parse_due(text, today=SUNDAY)
    assert "2026-12-15" in str(e.value) or "already passed" in str(e.value)


def test_working_days():
    friday = date(2026, 11, 27)
    assert next_working_day(friday) == date(2026, 11, 30)
    assert previous_working_day(date(2026, 11, 30)) == friday
    assert add_working_days(friday, 2) == date(2026, 12, 1)
