"""A reply in a prompt's thread becomes items: parsed line by line, stored (a burst of replies at once), edited
in place in the order of Slack's `edited.ts`, deleted (leaving a tombstone), and classified when a line had no
known prefix. Stage ratings come from `emotion:` lines and the prompt's 1–5 buttons."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session

from bot import text as t
from bot.storage import pain_points, repo
from bot.storage.models import Emotion, Item, ItemKind, MapType, Reply, Step, StepKind, Workshop
from bot.storage.prompts import steps_by_prompt_ts
from bot.workshop import prompts
from bot.workshop.access import Refusal
from bot.workshop.departments import department_of
from bot.workshop.status import step_label

CLASSIFIABLE = (ItemKind.TOUCHPOINT, ItemKind.PAIN_POINT, ItemKind.OPPORTUNITY)


@dataclass(frozen=True)
class NewReply:
    """A person's message in a thread, as Slack sent it."""

    channel_id: str
    user_id: str
    ts: str
    thread_ts: str
    text: str
    event_id: str | None = None
    edited_ts: str | None = None
    user_team: str | None = None  # the author's own workspace (a partner's, in a Slack Connect channel)
    prompt_step_id: int | None = None  # the step its thread's parent names in its metadata (see prompts.py)


@dataclass
class ReplyOutcome:
    # stored | duplicate | closed | ignored | removed | unchanged | unreadable | early (its thread may be a prompt
    # on its way: try again shortly)
    status: str
    stored: int = 0
    unsorted: list[tuple[int, str]] = field(default_factory=list)  # (item id, text) waiting for a kind
    problems: list[tuple[str, str]] = field(default_factory=list)  # (line, what is wrong with it)
    step_label: str | None = None
    open_label: str | None = None  # where people answer now, for the "closed" note
    stage_number: int | None = None  # the closed step's stage, which a facilitator can reopen
    ask_department: bool = False


@dataclass(frozen=True)
class Rated:
    stage_name: str
    score: int
    replaced: int | None  # the previous score, if there was one


@dataclass(frozen=True)
class Classified:
    kind: str
    text: str
    still_unsorted: list[tuple[int, str]]  # the reply's other lines still waiting for a kind


class _Line(NamedTuple):
    """One line of a reply, as it is stored."""

    line_no: int
    kind: str
    text: str
    detail: str | None = None
    score: int | None = None


def _parse_reply(step: Step, text: str, *, blueprint: bool) -> tuple[list[_Line], list[tuple[str, str]]]:
    lines: list[_Line] = []
    problems: list[tuple[str, str]] = []
    if step.kind == StepKind.PERSONAS:
        for no, (name, description) in enumerate(t.parse_personas(text)):
            lines.append(_Line(no, ItemKind.PERSONA, name, description or None))
        return lines, problems
    kind = {StepKind.OBJECTIVES: ItemKind.OBJECTIVE, StepKind.STAGES: ItemKind.STAGE_SUGGESTION}.get(
        StepKind(step.kind)
    )
    for no, line in t.split_lines(text):
        if kind is not None:
            lines.append(_Line(no, kind, line))
            continue
        parsed = t.parse_stage_line(line, blueprint=blueprint)
        if parsed.kind == "invalid":
            problems.append((line, parsed.problem))
        elif parsed.kind == "emotion":
            lines.append(_Line(no, "emotion", parsed.text, score=parsed.score))
        else:
            lines.append(_Line(no, parsed.kind, parsed.text))
    return lines, problems


def _closed_outcome(session: Session, ws: Workshop, step: Step) -> ReplyOutcome:
    stages = repo.stages(session=session, team_id=ws.team_id, workshop_id=ws.id)
    by_id = {s.id: s for s in stages}
    out = ReplyOutcome(status="closed", step_label=step_label(step, by_id.get(step.stage_id), len(stages)))
    if ws.status == "open" and step.stage_id in by_id:
        out.stage_number = by_id[step.stage_id].position + 1
    if ws.status == "open":
        cur = repo.current_step(session=session, team_id=ws.team_id, workshop_id=ws.id)
        if cur is not None:
            out.open_label = step_label(cur, by_id.get(cur.stage_id), len(stages))
    return out


# --- New replies -------------------------------------------------------------------------------------------


def record_reply(*, session: Session, team_id: str, reply: NewReply, now: datetime) -> ReplyOutcome:
    """One new reply: a batch of one."""
    (out,) = record_replies(session=session, team_id=team_id, replies=[reply], now=now)
    return out


def record_replies(*, session: Session, team_id: str, replies: list[NewReply], now: datetime) -> list[ReplyOutcome]:
    """Store new thread replies (and their items) in order, one outcome each. A few queries and inserts for the
    whole list, whatever its length: this is how a burst of answers is stored at thousands a second."""
    steps = steps_by_prompt_ts(session=session, team_id=team_id,
                                    prompts={(r.channel_id, r.thread_ts) for r in replies})
    prompts.recognise(session=session, team_id=team_id, replies=replies, steps=steps)
    workshops = repo.workshops_by_id(session=session, team_id=team_id,
                                     ids={s.workshop_id for s in steps.values() if s is not None})
    messages = {(r.channel_id, r.ts) for r in replies}
    stored = repo.stored_replies(session=session, team_id=team_id, messages=messages)
    deleted = repo.deleted_messages(session=session, team_id=team_id, messages=messages)
    outcomes: list[ReplyOutcome | None] = [None] * len(replies)
    taken: list[tuple[int, NewReply, Step, Workshop]] = []
    for n, r in enumerate(replies):
        step = steps.get((r.channel_id, r.thread_ts))
        ws = workshops.get(step.workshop_id) if step else None
        if step is None or ws is None:
            outcomes[n] = ReplyOutcome(status="early" if (r.channel_id, r.thread_ts) in steps else "ignored")
        elif (r.channel_id, r.ts) in stored:
            outcomes[n] = ReplyOutcome(status="duplicate")
        elif (r.channel_id, r.ts) in deleted:
            outcomes[n] = ReplyOutcome(status="ignored")  # a late copy of a message its author deleted
        elif step.closed_at is not None or ws.status != "open":
            outcomes[n] = _closed_outcome(session, ws, step)
        elif not r.text.strip():  # nothing readable (a file alone, an empty block): no empty row, a private note
            outcomes[n] = ReplyOutcome(status="unreadable")
        else:
            stored.add((r.channel_id, r.ts))
            taken.append((n, r, step, ws))
    if not taken:
        return outcomes  # type: ignore[return-value]

    users = {r.user_id for _, r, _, _ in taken}
    profiles = repo.profiles(session=session, team_id=team_id, user_ids=list(users))
    depts = {u: p.department for u, p in profiles.items()}
    # Each person's own workspace, noted on their profile the first time it is seen (or when it changes).
    teams = {r.user_id: r.user_team for _, r, _, _ in taken if r.user_team}
    repo.save_user_teams(session=session, team_id=team_id, now=now, teams={
        user: team for user, team in teams.items() if user not in profiles or profiles[user].user_team != team})
    answered = repo.repliers(session=session, team_id=team_id, workshop_ids={ws.id for *_, ws in taken}, users=users)
    ids = repo.insert_replies(session=session, rows=[dict(
        team_id=team_id, channel_id=r.channel_id, ts=r.ts, thread_ts=r.thread_ts, user_id=r.user_id,
        user_team=r.user_team, workshop_id=ws.id, step_id=step.id, text=r.text, event_id=r.event_id, edited_ts=r.edited_ts, created_at=now,
    ) for _, r, step, ws in taken])
    items: list[dict] = []
    unsorted_of: dict[int, ReplyOutcome] = {}
    for n, r, step, ws in taken:
        reply_id = ids.get((r.channel_id, r.ts))
        if reply_id is None:  # stored meanwhile by another process
            outcomes[n] = ReplyOutcome(status="duplicate")
            continue
        dept = depts.get(r.user_id)
        lines, problems = _parse_reply(step, r.text, blueprint=ws.map_type == MapType.BLUEPRINT)
        out = ReplyOutcome(status="stored", problems=problems)
        emotion_line = None
        for line in lines:
            if line.kind == "emotion":
                emotion_line = line  # the last rating in a reply wins
                continue
            items.append(_item_values(ws, step, r.channel_id, r.ts, reply_id, r.user_id, line, dept, now))
            unsorted_of[len(items) - 1] = out
            out.stored += 1
        if emotion_line is not None and step.stage_id is not None:
            _upsert_emotion(session, ws, step.stage_id, r.user_id, emotion_line.score, emotion_line.text or None,
                            dept, reply_id, now)
            out.stored += 1
        if out.stored == 0 and not problems:
            out.status = "ignored"
        out.ask_department = dept is None and (ws.id, r.user_id) not in answered
        answered.add((ws.id, r.user_id))
        outcomes[n] = out
    pain_points.number_rows(session=session, rows=items)
    for index, item_id in enumerate(repo.insert_items(session=session, rows=items)):
        if items[index]["kind"] == ItemKind.UNSORTED:
            unsorted_of[index].unsorted.append((item_id, items[index]["text"]))
    return outcomes  # type: ignore[return-value]


def _item_values(ws: Workshop, step: Step, channel_id: str, ts: str | None, reply_id: int | None, author: str,
                 line: _Line, dept: str | None, now: datetime) -> dict:
    return dict(team_id=ws.team_id, workshop_id=ws.id, channel_id=channel_id, step_id=step.id, stage_id=step.stage_id,
                reply_id=reply_id, ts=ts, line_no=line.line_no, kind=line.kind, text=line.text, detail=line.detail,
                author=author, department=dept, created_at=now, updated_at=now)


# --- Edits and deletions -----------------------------------------------------------------------------------


def _ts_order(ts: str) -> tuple[int, int]:
    """Slack timestamps ("1700000000.000123") in time order."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds or 0), int(fraction or 0)


def edit_reply(*, session: Session, team_id: str, reply: NewReply, now: datetime) -> ReplyOutcome:
    """Apply an edit (`reply` as it reads now, with Slack's `edited.ts`). Edits apply in the order of their
    `edited.ts`, whatever order they arrive in, so an older edit redelivered late never overwrites a newer one."""
    if repo.is_deleted(session=session, team_id=team_id, channel_id=reply.channel_id, ts=reply.ts):
        return ReplyOutcome(status="ignored")
    stored = repo.reply_by_ts(session=session, team_id=team_id, channel_id=reply.channel_id, ts=reply.ts)
    if stored is None:  # never stored (say, sent while the bot was away): treat the edit as the answer
        return record_reply(session=session, team_id=team_id, reply=reply, now=now)
    if reply.edited_ts and stored.edited_ts and _ts_order(reply.edited_ts) <= _ts_order(stored.edited_ts):
        return ReplyOutcome(status="unchanged")  # a newer version is already stored
    step = repo.step(session=session, team_id=team_id, step_id=stored.step_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=stored.workshop_id)
    if reply.text == stored.text:
        return ReplyOutcome(status="unchanged")
    if not reply.text.strip():  # edited down to nothing readable: the last readable version stays
        return ReplyOutcome(status="unreadable")
    if step.closed_at is not None or ws.status != "open":
        return _closed_outcome(session, ws, step)
    stored.text = reply.text
    stored.edited_at = now
    stored.edited_ts = reply.edited_ts or stored.edited_ts
    session.add(stored)
    dept = department_of(session=session, team_id=team_id, user_id=stored.user_id)
    return _sync_items(session, ws, step, stored, reply.text, dept, now)


def delete_reply(*, session: Session, team_id: str, channel_id: str, ts: str, thread_ts: str | None = None,
                 now: datetime) -> ReplyOutcome:
    """A deleted reply takes its items and rating with it, whatever the step's state: people may withdraw words.
    It leaves a tombstone, so no late copy of the message or of an edit brings it back; a delete that arrives
    before its message (Slack doesn't promise order) means the message is never stored."""
    reply = repo.reply_by_ts(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if reply is None and not (thread_ts is not None and prompts.may_be_prompt(
            session=session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts)):
        return ReplyOutcome(status="ignored")
    repo.add_tombstone(session=session, team_id=team_id, channel_id=channel_id, ts=ts, now=now)
    if reply is None:
        return ReplyOutcome(status="removed")
    for item in repo.items_of_reply(session=session, team_id=team_id, reply_id=reply.id):
        session.delete(item)
    repo.delete_emotions_of_reply(session=session, team_id=reply.team_id, reply_id=reply.id)
    session.flush()
    session.delete(reply)
    return ReplyOutcome(status="removed")


def _sync_items(
    session: Session, ws: Workshop, step: Step, reply: Reply, text: str, dept: str | None, now: datetime,
) -> ReplyOutcome:
    """After an edit: make the reply's items match its text, line by line, keeping ids (and chosen kinds) of
    unchanged lines."""
    lines, problems = _parse_reply(step, text, blueprint=ws.map_type == MapType.BLUEPRINT)
    existing = {i.line_no: i for i in repo.items_of_reply(session=session, team_id=ws.team_id, reply_id=reply.id)}
    out = ReplyOutcome(status="stored", problems=problems)
    emotion_line: _Line | None = None
    kept: set[int] = set()
    fresh: list[Item] = []  # items new or re-worded now: the only ones whose kind is worth asking about
    for line in lines:
        if line.kind == "emotion":
            emotion_line = line  # the last rating in a reply wins
            continue
        item = existing.get(line.line_no)
        if item is None:
            item = Item(**_item_values(ws, step, reply.channel_id, reply.ts, reply.id, reply.user_id, line, dept, now))
            fresh.append(item)
        elif (item.text, item.kind, item.detail) != (line.text, line.kind, line.detail):
            if item.text != line.text:
                fresh.append(item)
            # An author's choice of kind for an unprefixed line survives edits that leave that line alone.
            if not (line.kind == ItemKind.UNSORTED and item.text == line.text):
                item.kind = line.kind
            item.text, item.detail, item.updated_at = line.text, line.detail, now
        session.add(item)
        kept.add(line.line_no)
        out.stored += 1
    for no, item in existing.items():
        if no not in kept:
            session.delete(item)
    if emotion_line is not None and step.stage_id is not None:
        _upsert_emotion(
            session, ws, step.stage_id, reply.user_id, emotion_line.score, emotion_line.text or None, dept, reply.id,
            now,
        )
        out.stored += 1
    else:
        repo.delete_emotions_of_reply(session=session, team_id=reply.team_id, reply_id=reply.id)
    pain_points.number_new(session=session, team_id=ws.team_id, workshop_id=ws.id)
    out.unsorted = [(i.id, i.text) for i in fresh if i.kind == ItemKind.UNSORTED]
    if out.stored == 0 and not problems:
        out.status = "ignored"
    return out


# --- Ratings -----------------------------------------------------------------------------------------------


def _upsert_emotion(
    session: Session, ws: Workshop, stage_id: int, user_id: str, score: int, note: str | None, dept: str | None,
    reply_id: int | None, now: datetime,
) -> Emotion:
    e = repo.emotion(session=session, team_id=ws.team_id, stage_id=stage_id, user_id=user_id)
    if e is None:
        e = Emotion(team_id=ws.team_id, workshop_id=ws.id, stage_id=stage_id, user_id=user_id, score=score, created_at=now)
    e.score, e.note, e.department, e.reply_id, e.updated_at = score, note, dept, reply_id, now
    session.add(e)
    return e


def rate_emotion(*, session: Session, team_id: str, user_id: str, stage_id: int, score: int, now: datetime) -> Rated:
    if not 1 <= score <= 5:
        raise Refusal("Ratings go from 1 (very negative) to 5 (very positive).")
    stage = repo.stage(session=session, team_id=team_id, stage_id=stage_id)
    if stage is None:
        raise Refusal("That stage no longer exists.")
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=stage.workshop_id)
    step = next(
        (s for s in repo.steps(session=session, team_id=team_id, workshop_id=ws.id) if s.stage_id == stage_id), None
    )
    if ws.status != "open" or step is None or step.closed_at is not None:
        raise Refusal(f"Rating *{t.show(stage.name, 60)}* is closed; the workshop has moved on. Nothing was changed.")
    previous = repo.emotion(session=session, team_id=team_id, stage_id=stage_id, user_id=user_id)
    before = previous.score if previous else None
    # A button rating keeps any note the person wrote with an "emotion:" line only if the score is unchanged.
    note = previous.note if previous and previous.score == score else None
    dept = department_of(session=session, team_id=team_id, user_id=user_id)
    _upsert_emotion(session, ws, stage_id, user_id, score, note, dept, None, now)
    return Rated(stage_name=stage.name, score=score, replaced=before)


# --- Lines with no known prefix ----------------------------------------------------------------------------


def file_line(*, session: Session, team_id: str, item_id: int, kind: str, score: int | None, now: datetime) -> str | None:
    """The model's sorting of an unprefixed line: set its kind (or, for an emotion, make it the author's rating
    of the stage). Returns what it was filed as, or None if the line is gone or already sorted."""
    item = repo.item(session=session, team_id=team_id, item_id=item_id)
    if item is None or item.kind != ItemKind.UNSORTED:
        return None
    if kind == "emotion":
        if score is None or item.stage_id is None:
            return None
        ws = repo.workshop(session=session, team_id=team_id, workshop_id=item.workshop_id)
        _upsert_emotion(session, ws, item.stage_id, item.author, score, item.text, item.department, item.reply_id, now)
        session.delete(item)
        return "emotion"
    if kind not in CLASSIFIABLE:
        return None
    item.kind, item.updated_at = kind, now
    session.add(item)
    pain_points.number_new(session=session, team_id=team_id, workshop_id=item.workshop_id)
    return kind


def classify_item(*, session: Session, team_id: str, user_id: str, item_id: int, kind: str, now: datetime) -> Classified:
    if kind not in CLASSIFIABLE:
        raise Refusal("Pick touchpoint, pain point or opportunity.")
    item = repo.item(session=session, team_id=team_id, item_id=item_id)
    if item is None:
        raise Refusal("That line is gone: its reply was deleted or edited.")
    if item.author != user_id:
        raise Refusal("Only the person who wrote that line can say what kind it is.")
    item.kind = kind
    item.updated_at = now
    session.add(item)
    pain_points.number_new(session=session, team_id=team_id, workshop_id=item.workshop_id)
    rest = repo.items_of_reply(session=session, team_id=team_id, reply_id=item.reply_id) if item.reply_id else []
    return Classified(kind, item.text, [(i.id, i.text) for i in rest if i.kind == ItemKind.UNSORTED])
