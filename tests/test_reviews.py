"""The review cycle's rules and metrics per stage, on SQLite and PostgreSQL: a review snapshots the closed map, takes
one answer per person (changeable), ties are shown as ties, closing compares and plans the next review once; a
reminder opens one review; metrics parse strictly and belong to a period until a snapshot freezes them."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from bot import metrics
from bot.journeymap import build_map
from bot.reminders import schedule
from bot.reviews import rules
from bot.reviews.compare import outcome_of, outcome_text
from bot.storage import repo
from bot.storage.models import Reminder, ReminderKind
from bot.workshop import flow
from bot.workshop.access import Refusal
from tests.runs import FAC, C, Run, T


def closed_map(session, clock) -> Run:
    """Awareness rated 2 and 4 with pain points #1 and #2, Consideration rated 3; NPS 20; closed."""
    run = Run(session, clock, title="Checkout")
    run.to_stage(1)
    run.say("pain: pricing unclear\nemotion: 2", user="UANA")
    run.say("pain: no PayPal\nemotion: 4", user="UBEN")
    run.next()
    run.say("emotion: 3", user="UANA")
    metrics.record(session=session, team_id=T, channel_id=C, user_id="UCAT", text="Awareness NPS 20", now=clock())
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    return run


def stage_ids(session, run) -> list[int]:
    return [s.id for s in repo.stages(session=session, team_id=T, workshop_id=run.workshop_id)]


def test_outcomes_are_what_most_said_and_ties_are_shown():
    assert outcome_of({}) == (None, ())
    assert outcome_of({"resolved": 2, "still": 1}) == ("resolved", ())
    assert outcome_of({"resolved": 1, "still": 1, "worse": 1}) == ("tie", ("resolved", "still", "worse"))
    assert outcome_text("tie", ("still", "worse"), {"still": 2, "worse": 2}) == "tie: still there / worse (2 each)"
    assert outcome_text("still") == "still there" and outcome_text(None) == "no answers"


def test_a_review_snapshots_the_map_takes_one_answer_each_and_compares_when_closed(session, clock):
    run = closed_map(session, clock)
    awareness, consideration = stage_ids(session, run)[:2]
    clock.advance(days=30)
    opened = rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    assert opened.number == 1 and len(opened.pages) == 1
    page = opened.pages[0]
    assert [(r.name, r.before) for r in page.stages][:2] == [("Awareness", 3.0), ("Consideration", 3.0)]
    assert [(r.number, r.text) for r in page.pains] == [(1, "pricing unclear"), (2, "no PayPal")]

    review = dict(session=session, team_id=T, review_id=opened.review_id, now=clock())
    said = rules.rate(**review, user_id="UANA", stage_id=awareness, score=4)
    assert (said.before, said.so_far) == (None, "4.0 from 1 rating; it was 3.0")
    said = rules.rate(**review, user_id="UANA", stage_id=awareness, score=5)  # replaces
    assert (said.before, said.so_far) == ("4", "5.0 from 1 rating; it was 3.0")
    rules.rate(**review, user_id="UBEN", stage_id=awareness, score=4)
    rules.mark(**review, user_id="UANA", number=1, outcome="worse")
    said = rules.mark(**review, user_id="UANA", number=1, outcome="resolved")
    assert (said.before, said.so_far) == ("worse", "1 resolved")
    rules.mark(**review, user_id="UBEN", number=2, outcome="still")
    rules.mark(**review, user_id="UCAT", number=2, outcome="worse")
    for bad, match in (({"user_id": "UANA", "number": 9, "outcome": "still"}, "isn't part of this review"),
                       ({"user_id": "UANA", "number": 1, "outcome": "gone"}, "resolved, still there or worse")):
        with pytest.raises(Refusal, match=match):
            rules.mark(**review, **bad)
    with pytest.raises(Refusal, match="1 \\(very negative\\) to 5"):
        rules.rate(**review, user_id="UANA", stage_id=awareness, score=6)
    number, _, stage = rules.add_pain_point(**review, user_id="UCAT", stage_id=consideration, text="coupon hidden")
    assert (number, stage) == (3, "Consideration")
    with pytest.raises(Refusal, match="Say what the pain point is"):
        rules.add_pain_point(**review, user_id="UCAT", stage_id=consideration, text="  ")

    clock.advance(days=1)
    closed = rules.close_review(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    assert [(p["number"], p["outcome"], p["tied"]) for p in closed.review["pain_points"]] == [
        (1, "resolved", []), (2, "tie", ["still", "worse"])]
    assert closed.review["people"] == 3
    assert [p["number"] for p in closed.previous["resolved"]] == [1]
    assert [p["number"] for p in closed.previous["new"]] == [3]
    data = build_map(session=session, team_id=T, workshop_id=run.workshop_id)
    assert data["stages"][0]["emotion_average"] == 4.5 and data["stages"][0]["review"] == 1
    assert data["stages"][1]["emotion_average"] == 3.0 and "review" not in data["stages"][1]
    assert [s["emotion_average"] for s in data["previous"]["stages"]][:2] == [3.0, 3.0]
    with pytest.raises(Refusal, match="Review #1 is closed"):
        rules.rate(**review, user_id="UANA", stage_id=awareness, score=1)

    # The next review starts from the map as the first one left it.
    second = rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    snap = [p for p in second.pages[0].pains]
    assert second.number == 2 and [(p.number, p.status) for p in snap] == [(1, "resolved"), (2, "tie"), (3, "open")]
    assert second.pages[0].stages[0].before == 4.5


def test_only_a_facilitator_of_a_closed_map_opens_one_review_at_a_time(session, clock):
    run = Run(session, clock, title="Checkout")
    with pytest.raises(Refusal, match="still open"):
        rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    with pytest.raises(Refusal, match="Only the facilitator"):
        rules.open_review(session=session, team_id=T, user_id="UANA", now=clock(), channel_id=C)
    rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), workshop_id=run.workshop_id)
    with pytest.raises(Refusal, match="already under way"):
        rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    with pytest.raises(Refusal, match="no open workshop"):
        rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id="COTHER")


def test_a_reminder_opens_one_review_and_closing_plans_the_next_once(session, clock):
    run = Run(session, clock, title="Checkout")
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    reminder = session.exec(select(Reminder).where(Reminder.kind == ReminderKind.MAP_REVIEW)).one()
    clock.advance(days=90)
    start = dict(session=session, team_id=T, user_id=FAC, workshop_id=run.workshop_id, reminder_id=reminder.id)
    rules.open_review(**start, now=clock())
    clock.advance(days=1)
    rules.close_review(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    with pytest.raises(Refusal, match="This reminder's review was held already: review #1"):
        rules.open_review(**start, now=clock())  # the same reminder's button, after its review closed
    with pytest.raises(Refusal, match="There's no open review of \\*Checkout\\*: review #1 closed on"):
        rules.close_review(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    pending = session.exec(select(Reminder).where(Reminder.kind == ReminderKind.MAP_REVIEW,
                                                  Reminder.status == "pending")).all()
    assert len(pending) == 1 and timedelta(days=90) <= pending[0].due_at - clock() <= timedelta(days=93)  # (a working day)
    # A review opened by command before a reminder falls due: closing it withdraws that reminder.
    later = session.exec(select(Reminder).where(Reminder.id == pending[0].id)).one()
    rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    clock.advance(days=2)
    rules.close_review(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    session.refresh(later)
    assert later.status == "cancelled"
    statuses = [r.status for r in session.exec(select(Reminder).where(Reminder.kind == ReminderKind.MAP_REVIEW))]
    assert statuses.count("pending") == 1
    # (the workshop's own reminder, never sent, gave way to the first review's)
    assert schedule.reminder(session=session, team_id=T, reminder_id=reminder.id).status == "cancelled"


def test_the_review_reminder_says_nothing_while_a_review_is_under_way(session, clock):
    from bot.workshop.nudges import review_due

    run = Run(session, clock, title="Checkout")
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    view = review_due(session=session, team_id=T, workshop_id=run.workshop_id, reminder_id=7)
    assert (view.reminder_id, view.reviewed) == (7, 0)
    rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    assert review_due(session=session, team_id=T, workshop_id=run.workshop_id) is None


def test_metrics_belong_to_their_period_until_a_snapshot_freezes_them(session, clock):
    run = closed_map(session, clock)
    clock.advance(days=1)
    metrics.record(session=session, team_id=T, channel_id=C, user_id="UCAT", text="1 nps 25", now=clock())
    rules.open_review(session=session, team_id=T, user_id=FAC, now=clock(), channel_id=C)
    clock.advance(days=1)
    recorded = metrics.record(session=session, team_id=T, channel_id=C, user_id="UANA", text="Awareness NPS 31",
                              now=clock())
    assert recorded.before == "25"
    data = build_map(session=session, team_id=T, workshop_id=run.workshop_id)
    assert [(m["text"], m["period"], m["by"]) for m in data["metrics"]] == [
        ("20", 1, "UCAT"), ("25", 1, "UCAT"), ("31", None, "UANA")]
    (nps,) = data["stages"][0]["metrics"]
    assert (nps["name"], nps["text"], nps["previous"]["text"]) == ("NPS", "31", "25")
    snap = data["reviews"][0]["snapshot"]["metrics"]
    assert snap == [{"stage": "Awareness", "name": "NPS", "value": 25.0, "text": "25"}]


@pytest.mark.parametrize("raw, value", [("32", 32.0), ("-12", -12.0), ("4.1", 4.1), ("3.2%", 3.2),
                                        ("1,200", 1200.0), (".5", 0.5), ("+7", 7.0)])
def test_metric_values_that_read_as_numbers(raw, value):
    assert metrics.read_value(raw) == value


@pytest.mark.parametrize("raw", ["4,1", "1,20", "abc", "", "3..2", "12k", "%", "1e9"])
def test_metric_values_that_do_not(raw):
    with pytest.raises(metrics.BadMetric) as e:
        metrics.read_value(raw)
    assert e.value.field == "value" and "Nothing was recorded" in str(e.value)


def test_the_stage_comes_first_by_number_name_or_the_start_of_a_name(session, clock):
    Run(session, clock, title="Checkout")
    flow.set_stages(session=session, team_id=T, channel_id=C, user_id=FAC, raw="Sign up, Sign in, Pay")
    stages = repo.stages(session=session, team_id=T, workshop_id=repo.latest_workshop(
        session=session, team_id=T, channel_id=C).id)
    assert [(s.name, rest) for s, rest in [metrics.split_stage(stages, "2 NPS"),
                                          metrics.split_stage(stages, "sign up Tickets per week"),
                                          metrics.split_stage(stages, "Pay CSAT")]] == [
        ("Sign in", "NPS"), ("Sign up", "Tickets per week"), ("Pay", "CSAT")]
    with pytest.raises(metrics.BadMetric, match="no stage `Sign`.*1. Sign up, 2. Sign in, 3. Pay"):
        metrics.split_stage(stages, "Sign NPS")  # the start of two names
    with pytest.raises(metrics.BadMetric, match="at most 40 characters; that one is 41"):
        metrics.check_name("x" * 41)
    with pytest.raises(metrics.BadMetric, match="plain words"):
        metrics.check_name("<@U1> score")


# --- Builders: within Slack's limits at their largest -------------------------------------------------------------


def test_review_pages_and_the_closing_message_stay_within_slacks_limits():
    from datetime import date

    from bot.blocks import reviews as b
    from fakeslack.blockkit import block_problems, view_problems

    long = "A pain point that goes on and on " * 20
    stages = [rules.StageRow(n, f"Stage {n} " + "x" * 60, n, 2.5, 0.5, None, 0) for n in range(12)]
    pains = [rules.PainRow(n, long, "Stage", "tie", {"resolved": 3, "still": 3, "worse": 0}, None, ())
             for n in range(1, 101)]
    rows = [*stages, *pains]
    chunks = [rows[i:i + rules.PAGE_ROWS] for i in range(0, len(rows), rules.PAGE_ROWS)]
    for closed in (False, True):
        for n, chunk in enumerate(chunks):
            page = rules.ReviewPage(1, 1, long, C, n, len(chunks), "1.1", closed, "2027-02-01",
                                    tuple(r for r in chunk if isinstance(r, rules.StageRow)),
                                    tuple(r for r in chunk if isinstance(r, rules.PainRow)), 40)
            message = b.build_review_page(page)
            assert block_problems(message["blocks"]) == [], (closed, n)
            assert len(message["blocks"]) <= 50 and (closed or any(
                e.get("action_id") == "review_mark_worse" for blk in message["blocks"] for e in blk.get("elements", [])))
    pain = {"number": 1, "text": long, "stage": "Stage", "outcome": "tie", "tied": ["resolved", "still"],
            "counts": {"resolved": 3, "still": 3, "worse": 0}}
    review = {"stages": [{"name": s.name, "before": 2.5, "emotion_average": 4.0, "ratings": 3} for s in stages],
              "pain_points": [{**pain, "number": n, "outcome": o} for n, o in
                              zip(range(1, 121), ["resolved", "still", "worse", "tie", None] * 24, strict=True)],
              "people": 40}
    previous = {"date": "2027-02-01", "new": [{"number": n, "text": long, "stage": "S"} for n in range(50)],
                "actions_done": [{"id": n, "text": long, "owner": "U1", "owner_name": "ana"} for n in range(50)]}
    closing = b.build_review_closed(rules.Closed(1, 1, long, C, [], review, previous, date(2027, 5, 3), 1))
    assert block_problems(closing["blocks"]) == []
    assert "and 9 more" in json.dumps(closing["blocks"]) and "and 35 more" in json.dumps(closing["blocks"])
    assert view_problems(b.build_add_pain_modal(review_id=1, channel_id=C, stages=[(s.stage_id, long)
                                                                                  for s in stages])) == []
