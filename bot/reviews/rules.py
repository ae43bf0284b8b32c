"""The review cycle's rules. A facilitator opens a review of a closed map (`/journey review`, or the button on the
quarterly review reminder): the map is snapshotted and the channel gets the review, in pages. Everyone re-rates
each stage (1–5, one rating per person per stage, changeable) and says of each pain point whether it is resolved,
still there or worse (one answer per person per pain point, changeable); new pain points can be added. A
facilitator closes it (`/journey review close`): the map then compares with the snapshot (compare.py) and the
next review is planned, once.

Rules take a session and `now`, never talk to Slack, and refuse (`Refusal`) before changing anything."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import text as t
from bot.journeymap import build_map
from bot.reminders import schedule
from bot.reviews.compare import OUTCOMES, iso, outcome_of, snapshot
from bot.storage import pain_points, repo
from bot.storage import reviews as storage
from bot.storage.models import Item, ItemKind, ReminderKind, Review, ReviewMark, ReviewRating, Workshop
from bot.workshop import nudges
from bot.workshop.access import Refusal, require_facilitator, require_latest
from bot.workshop.departments import department_of

PAGE_ROWS = 22  # stages and pain points per review message: two blocks each, within Slack's 50
MAX_PAIN_TEXT = 500


@dataclass(frozen=True)
class StageRow:
    stage_id: int
    name: str
    position: int
    before: float | None  # its emotion average when the review opened
    spread_before: float | None
    average: float | None  # this review's ratings so far
    ratings: int


@dataclass(frozen=True)
class PainRow:
    number: int
    text: str
    stage: str
    status: str  # when the review opened: open, or what the last review said (resolved, still, worse, tie)
    counts: dict[str, int]
    outcome: str | None
    tied: tuple[str, ...]


@dataclass(frozen=True)
class ReviewPage:
    review_id: int
    number: int
    title: str
    channel_id: str
    page: int
    pages: int
    ts: str | None
    closed: bool
    since: str  # the snapshot's date
    stages: tuple[StageRow, ...]
    pains: tuple[PainRow, ...]
    people: int  # who has answered anything


@dataclass(frozen=True)
class Opened:
    review_id: int
    number: int
    title: str
    channel_id: str
    pages: list[ReviewPage]


@dataclass(frozen=True)
class Answered:
    review_id: int
    number: int  # the review's
    channel_id: str
    what: str  # the stage, or the pain point ("#3 pricing unclear")
    said: str  # "4", "resolved"
    before: str | None  # what this person had said before
    so_far: str  # the tally: "3.7 from 3 ratings", "2 resolved · 1 still there"
    page: int


@dataclass(frozen=True)
class Closed:
    review_id: int
    number: int
    title: str
    channel_id: str
    pages: list[ReviewPage]  # the posted ones, to show closed
    review: dict  # this review as the map holds it (stages re-rated, pain points' outcomes)
    previous: dict  # the map compared with the snapshot
    next_review: date
    workshop_id: int


# --- Opening -----------------------------------------------------------------------------------------------------


def snapshot_of(data: dict, stage_ids: list[int], now: datetime) -> dict:
    """What a review compares against: per stage the emotion average and spread, the numbered pain points with
    their status, the action items' status, the stages' latest metrics."""
    return {
        "at": iso(now),
        "stages": [{"id": sid, "name": st["name"], "position": st["position"],
                    "emotion_average": st["emotion_average"], "emotion_spread": st["emotion_spread"],
                    "ratings": len(st["emotions"])} for sid, st in zip(stage_ids, data["stages"], strict=True)],
        "pain_points": [{"number": p["number"], "text": p["text"], "stage": st["name"], "votes": p["votes"],
                         "status": (p.get("review") or {}).get("outcome") or "open"}
                        for st in data["stages"] for p in st["pain_points"] if p.get("number")],
        "action_items": [{"id": a["id"], "text": a["text"], "owner": a["owner"], "owner_name": a.get("owner_name"),
                          "status": a["status"]} for a in data["action_items"]],
        "metrics": [{"stage": st["name"], "name": m["name"], "value": m["value"], "text": m["text"]}
                    for st in data["stages"] for m in st.get("metrics", [])],
    }


def _held(row: Review) -> str:
    when = row.opened_at.date().isoformat()
    if row.status == "open":
        return (f"Review #{row.number} is already under way in <#{row.channel_id}> (opened {when} by "
                f"<@{row.opened_by}>). Nothing was changed.")
    return (f"This reminder's review was held already: review #{row.number}, opened {when} by <@{row.opened_by}> "
            "and closed since. Nothing was changed.")


def open_review(*, session: Session, team_id: str, user_id: str, now: datetime, channel_id: str | None = None,
                workshop_id: int | None = None, reminder_id: int | None = None) -> Opened:
    """Snapshot the map and open its review: the channel's latest workshop (`channel_id`), or a reminder's
    (`workshop_id`, `reminder_id`: a reminder opens one review however often its button is clicked)."""
    if workshop_id is not None:
        ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
        if ws is None:
            raise Refusal("That workshop no longer exists. Nothing was changed.")
    else:
        ws = require_latest(session=session, team_id=team_id, channel_id=channel_id or "")
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="start a review")
    if ws.status == "open":
        raise Refusal(f"*{t.show(ws.title, 100)}* is still open: a review looks back at a closed map. End the "
                      "workshop with `/journey close` first. Nothing was changed.")
    if reminder_id is not None:
        reminder = schedule.reminder(session=session, team_id=team_id, reminder_id=reminder_id)
        held = storage.opened_since(session=session, team_id=team_id, workshop_id=ws.id,
                                    since=reminder.created_at if reminder else now)
        if held is not None:
            raise Refusal(_held(held))
    current = storage.open_review(session=session, team_id=team_id, workshop_id=ws.id)
    if current is not None:
        raise Refusal(_held(current) + " `/journey review close` ends it.")
    data = build_map(session=session, team_id=team_id, workshop_id=ws.id)
    stage_ids = [s.id for s in repo.stages(session=session, team_id=team_id, workshop_id=ws.id)]
    row = Review(team_id=team_id, workshop_id=ws.id, channel_id=ws.channel_id, opened_by=user_id, opened_at=now,
                 number=storage.next_number(session=session, team_id=team_id, workshop_id=ws.id),
                 snapshot=json.dumps(snapshot_of(data, stage_ids, now)), reminder_id=reminder_id)
    try:
        with session.begin_nested():  # another facilitator's review may have won the race
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Refusal("A review of this map was just opened. Nothing was changed.") from None
    storage.freeze_metrics(session=session, team_id=team_id, workshop_id=ws.id, review_id=row.id)
    pages = review_pages(session=session, team_id=team_id, review_id=row.id, ws=ws)
    storage.add_pages(session=session, team_id=team_id, review_id=row.id, pages=len(pages))
    return Opened(review_id=row.id, number=row.number, title=ws.title, channel_id=ws.channel_id, pages=pages)


def record_page_posted(*, session: Session, team_id: str, review_id: int, page: int, ts: str) -> None:
    storage.page_posted(session=session, team_id=team_id, review_id=review_id, page=page, ts=ts)


# --- The review's pages ----------------------------------------------------------------------------------------


def review_pages(*, session: Session, team_id: str, review_id: int, ws: Workshop | None = None,
                 only_posted: bool = False) -> list[ReviewPage]:
    """The review as its messages show it now: its stages and pain points with what people said so far."""
    row = storage.review(session=session, team_id=team_id, review_id=review_id)
    if row is None:
        return []
    ws = ws or repo.workshop(session=session, team_id=team_id, workshop_id=row.workshop_id)
    snap = snapshot(row)
    ratings = storage.ratings(session=session, team_id=team_id, review_ids=[row.id])
    marks = storage.marks(session=session, team_id=team_id, review_ids=[row.id])
    rows: list[StageRow | PainRow] = []
    for st in snap["stages"]:
        scores = [r.score for r in ratings if r.stage_id == st["id"]]
        rows.append(StageRow(st["id"], st["name"], st["position"], st["emotion_average"], st["emotion_spread"],
                             round(sum(scores) / len(scores), 2) if scores else None, len(scores)))
    for p in snap["pain_points"]:
        counts = Counter(m.outcome for m in marks if m.number == p["number"])
        outcome, tied = outcome_of(counts)
        rows.append(PainRow(p["number"], p["text"], p["stage"], p.get("status") or "open",
                            {o: counts.get(o, 0) for o in OUTCOMES}, outcome, tied))
    people = len({r.user_id for r in ratings} | {m.user_id for m in marks})
    chunks = [rows[i:i + PAGE_ROWS] for i in range(0, len(rows), PAGE_ROWS)] or [[]]
    posted = {m.page: m.ts for m in storage.posted_pages(session=session, team_id=team_id, review_id=row.id)}
    pages = [ReviewPage(row.id, row.number, ws.title if ws else "", row.channel_id, n, len(chunks), posted.get(n),
                        row.status == "closed", snap["at"][:10],
                        tuple(r for r in chunk if isinstance(r, StageRow)),
                        tuple(r for r in chunk if isinstance(r, PainRow)), people)
             for n, chunk in enumerate(chunks)]
    return [p for p in pages if p.ts] if only_posted else pages


def _page_of(snap: dict, *, stage_id: int | None = None, number: int | None = None) -> int:
    keys = [("stage", s["id"]) for s in snap["stages"]] + [("pain", p["number"]) for p in snap["pain_points"]]
    key = ("stage", stage_id) if stage_id is not None else ("pain", number)
    return keys.index(key) // PAGE_ROWS


def _open_review(session: Session, team_id: str, review_id: int) -> Review:
    row = storage.review(session=session, team_id=team_id, review_id=review_id)
    if row is None:
        raise Refusal("That review no longer exists. Nothing was changed.")
    if row.status != "open":
        raise Refusal(f"Review #{row.number} is closed; answers can't change now. Nothing was changed.")
    return row


# --- Answering ---------------------------------------------------------------------------------------------------


def rate(*, session: Session, team_id: str, user_id: str, review_id: int, stage_id: int, score: int,
         now: datetime) -> Answered:
    """A person's rating of a stage in this review; a new one replaces the old."""
    if not 1 <= score <= 5:
        raise Refusal("Ratings go from 1 (very negative) to 5 (very positive).")
    row = _open_review(session, team_id, review_id)
    snap = snapshot(row)
    stage = next((s for s in snap["stages"] if s["id"] == stage_id), None)
    if stage is None:
        raise Refusal("That stage isn't part of this review. Nothing was changed.")
    given = storage.rating(session=session, team_id=team_id, review_id=row.id, stage_id=stage_id, user_id=user_id)
    before = str(given.score) if given else None
    given = given or ReviewRating(team_id=team_id, review_id=row.id, stage_id=stage_id, user_id=user_id, score=score)
    given.score, given.at = score, now
    given.department = department_of(session=session, team_id=team_id, user_id=user_id)
    session.add(given)
    session.flush()
    scores = [r.score for r in storage.ratings(session=session, team_id=team_id, review_ids=[row.id])
              if r.stage_id == stage_id]
    average = sum(scores) / len(scores)
    was = f"; it was {stage['emotion_average']:.1f}" if stage["emotion_average"] is not None else ""
    return Answered(row.id, row.number, row.channel_id, stage["name"], str(score), before,
                    f"{average:.1f} from {len(scores)} rating{'s' if len(scores) != 1 else ''}{was}",
                    _page_of(snap, stage_id=stage_id))


def mark(*, session: Session, team_id: str, user_id: str, review_id: int, number: int, outcome: str,
         now: datetime) -> Answered:
    """A person's answer about a pain point in this review (resolved, still there, worse); a new one replaces the
    old."""
    if outcome not in OUTCOMES:
        raise Refusal("A pain point is resolved, still there or worse.")
    row = _open_review(session, team_id, review_id)
    snap = snapshot(row)
    pain = next((p for p in snap["pain_points"] if p["number"] == number), None)
    if pain is None:
        raise Refusal(f"Pain point #{number} isn't part of this review. Nothing was changed.")
    given = storage.mark(session=session, team_id=team_id, review_id=row.id, number=number, user_id=user_id)
    before = OUTCOMES[given.outcome] if given else None
    given = given or ReviewMark(team_id=team_id, review_id=row.id, number=number, user_id=user_id, outcome=outcome)
    given.outcome, given.at = outcome, now
    session.add(given)
    session.flush()
    counts = Counter(m.outcome for m in storage.marks(session=session, team_id=team_id, review_ids=[row.id])
                     if m.number == number)
    so_far = " · ".join(f"{counts[o]} {OUTCOMES[o]}" for o in OUTCOMES if counts.get(o))
    return Answered(row.id, row.number, row.channel_id, f"#{number} {pain['text']}", OUTCOMES[outcome], before,
                    so_far, _page_of(snap, number=number))


def add_pain_point(*, session: Session, team_id: str, user_id: str, review_id: int, stage_id: int | None,
                   text: str, now: datetime) -> tuple[int, str, str]:
    """A pain point that has come up since the workshop, added during its review: it gets the next number and
    shows as new when the review closes. (number, text, stage)."""
    row = _open_review(session, team_id, review_id)
    text = " ".join((text or "").split())
    if not text:
        raise Refusal("Say what the pain point is.")
    if len(text) > MAX_PAIN_TEXT:
        raise Refusal(f"Keep it under {MAX_PAIN_TEXT} characters (that's {len(text)}).")
    stage = repo.stage(session=session, team_id=team_id, stage_id=stage_id) if stage_id else None
    if stage is None or stage.workshop_id != row.workshop_id:
        raise Refusal("Pick a stage of this map.")
    item = Item(team_id=team_id, workshop_id=row.workshop_id, channel_id=row.channel_id, stage_id=stage.id,
                kind=ItemKind.PAIN_POINT, text=text, author=user_id, created_at=now, updated_at=now,
                department=department_of(session=session, team_id=team_id, user_id=user_id))
    session.add(item)
    pain_points.number_new(session=session, team_id=team_id, workshop_id=row.workshop_id)
    return item.number or 0, text, stage.name


def stages_for_form(*, session: Session, team_id: str, review_id: int) -> list[tuple[int, str]]:
    row = _open_review(session, team_id, review_id)
    return [(s.id, s.name) for s in repo.stages(session=session, team_id=team_id, workshop_id=row.workshop_id)]


# --- Closing -----------------------------------------------------------------------------------------------------


def facilitators_of_channel(*, session: Session, team_id: str, channel_id: str) -> list[str]:
    """The facilitators of the map whose review `/journey review close` would close."""
    row = storage.open_in_channel(session=session, team_id=team_id, channel_id=channel_id)
    ws = (repo.workshop(session=session, team_id=team_id, workshop_id=row.workshop_id) if row is not None
          else repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id))
    return repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id) if ws else []


def close_review(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime,
                 zone_of: Callable[[str], ZoneInfo] | None = None) -> Closed:
    """End the channel's open review (of whichever of its maps): the map compares with its snapshot from now on, and the next review is
    planned (the reminders pending for this map give way to it: one review reminder per facilitator)."""
    row = storage.open_in_channel(session=session, team_id=team_id, channel_id=channel_id)
    ws = (repo.workshop(session=session, team_id=team_id, workshop_id=row.workshop_id) if row is not None
          else require_latest(session=session, team_id=team_id, channel_id=channel_id))
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="close the review")
    if row is None:
        done = storage.of_workshop(session=session, team_id=team_id, workshop_id=ws.id)
        last = (f": review #{done[-1].number} closed on {done[-1].closed_at.date().isoformat()}"
                if done and done[-1].closed_at else "")
        raise Refusal(f"There's no open review of *{t.show(ws.title, 100)}*{last}. `/journey review` starts one. "
                      "Nothing was changed.")
    row.status, row.closed_at, row.closed_by = "closed", now, user_id
    session.add(row)
    session.flush()
    schedule.cancel_pending(session=session, team_id=team_id, kinds=[ReminderKind.MAP_REVIEW], subject_id=ws.id)
    nudges.plan_map_reviews(session=session, ws=ws, zone_of=zone_of, now=now)
    data = build_map(session=session, team_id=team_id, workshop_id=ws.id)
    review = next(r for r in data["reviews"] if r["id"] == row.id)
    return Closed(review_id=row.id, number=row.number, title=ws.title, channel_id=ws.channel_id,
                  pages=review_pages(session=session, team_id=team_id, review_id=row.id, ws=ws, only_posted=True),
                  review=review, previous=data["previous"],
                  next_review=(now + timedelta(days=ws.review_after_days)).date(), workshop_id=ws.id)
