"""Workshop rules. Each service takes a session (the caller's transaction) and `now`; none talks to Slack.

A service either returns a plain value describing what happened, or raises `Refusal` with a message for the
person; a refusal is raised before anything is written, so it changes nothing.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import reminders
from bot import text as t
from bot.dates import is_working_day, next_working_day
from bot.storage import repo
from bot.storage.models import (
    Emotion,
    Facilitator,
    Item,
    ItemKind,
    MapType,
    Reply,
    Stage,
    Step,
    StepKind,
    Workshop,
)
from bot.templates import DEFAULT_TEMPLATE, load_templates

MAX_TITLE = 120
MAX_STAGES = 12
MAX_STAGE_NAME = 60
MAX_DEPARTMENT = 40
DOMINANT_SHARE = 0.5  # warn when one department gave more than half the answers...
DOMINANT_MIN_ANSWERS = 5  # ...once there are enough answers for the share to mean something
NO_WORKSHOP = "There's no open workshop in this channel. Start one with `/journey new <title>`."


class Refusal(Exception):
    """A request the rules turn down; `str(refusal)` is the message for the person. Nothing was changed."""


# --- Views handed to the block builders ------------------------------------------------------------------


@dataclass(frozen=True)
class PromptView:
    workshop_id: int
    title: str
    template_name: str
    channel_id: str
    step_id: int
    kind: str
    number: int  # 1-based
    total: int
    stage_id: int | None = None
    stage_name: str | None = None
    stage_hint: str | None = None
    stage_names: tuple[str, ...] = ()
    map_type: str = MapType.CURRENT


@dataclass(frozen=True)
class NextOutcome:
    prompt: PromptView
    reposted: bool  # Slack refused the current prompt, so it is posted again instead of moving on


@dataclass(frozen=True)
class Closed:
    title: str
    answers: int
    people: int
    departments: int


@dataclass
class ReplyOutcome:
    status: str  # stored | duplicate | closed | ignored | removed | unchanged
    stored: int = 0
    unsorted: list[tuple[int, str]] = field(default_factory=list)  # (item id, text) waiting for a kind
    problems: list[tuple[str, str]] = field(default_factory=list)  # (line, what is wrong with it)
    step_label: str | None = None
    open_label: str | None = None  # where people answer now, for the "closed" note
    ask_department: bool = False


@dataclass(frozen=True)
class StageCount:
    name: str
    touchpoints: int
    pain_points: int
    opportunities: int
    unsorted: int
    ratings: int
    emotion_average: float | None
    emotion_spread: float | None = None


@dataclass(frozen=True)
class StatusView:
    workshop_id: int
    map_type: str
    title: str
    status: str
    template_name: str
    facilitators: list[str]
    current_label: str | None
    prompt_posted: bool
    steps: list[tuple[str, int, bool]]  # (label, answers, is current)
    stages: list[StageCount]
    contributors: list[tuple[str, str | None, int]]  # (user, department, answers), most first
    not_contributed: list[str]
    departments: list[tuple[str | None, int]]  # (department or None, answers), most first
    dominant: tuple[str, float] | None
    total_answers: int
    validation: dict[str, int] = field(default_factory=dict)  # task status → how many


# --- Helpers ---------------------------------------------------------------------------------------------


def emotion_average(scores: list[int]) -> float | None:
    return round(statistics.fmean(scores), 2) if scores else None


def emotion_spread(scores: list[int]) -> float | None:
    """How far people's ratings of a stage are apart: the population standard deviation (0 when they agree)."""
    return round(statistics.pstdev(scores), 2) if scores else None



def _template_name(key: str) -> str:
    tpl = load_templates().get(key)
    return tpl.name if tpl else key


def step_label(step: Step, stage: Stage | None, n_stages: int) -> str:
    if step.kind == StepKind.STAGE and stage is not None:
        return f"Stage {stage.position + 1} of {n_stages}: {stage.name}"
    return {StepKind.OBJECTIVES: "Objectives", StepKind.PERSONAS: "Personas", StepKind.STAGES: "Stages"}.get(
        StepKind(step.kind), step.kind
    )


def _prompt_view(session: Session, ws: Workshop, step: Step) -> PromptView:
    stages = repo.stages(session=session, team_id=ws.team_id, workshop_id=ws.id)
    stage = next((s for s in stages if s.id == step.stage_id), None)
    return PromptView(
        workshop_id=ws.id,
        title=ws.title,
        template_name=_template_name(ws.template),
        channel_id=ws.channel_id,
        step_id=step.id,
        kind=step.kind,
        number=step.position + 1,
        total=3 + len(stages),
        stage_id=stage.id if stage else None,
        stage_name=stage.name if stage else None,
        stage_hint=stage.hint if stage else None,
        stage_names=tuple(s.name for s in stages),
        map_type=ws.map_type,
    )


def _require_open(session: Session, team_id: str, channel_id: str) -> Workshop:
    ws = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    return ws


def _require_facilitator(session: Session, ws: Workshop, user_id: str, what: str) -> None:
    facilitators = repo.facilitators(session=session, team_id=ws.team_id, workshop_id=ws.id)
    if user_id not in facilitators:
        names = ", ".join(f"<@{u}>" for u in facilitators)
        raise Refusal(f"Only the facilitator ({names}) can {what}. Nothing was changed.")


def is_facilitator_of(*, session: Session, team_id: str, workshop_id: int, user_id: str) -> bool:
    return user_id in repo.facilitators(session=session, team_id=team_id, workshop_id=workshop_id)


def _department(session: Session, team_id: str, user_id: str) -> str | None:
    p = repo.profile(session=session, team_id=team_id, user_id=user_id)
    return p.department if p else None


# --- Starting, moving on, closing ------------------------------------------------------------------------


def validate_title(title: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise Refusal("Give the workshop a title, e.g. `/journey new Checkout redesign`.")
    if len(title) > MAX_TITLE:
        raise Refusal(f"That title is {len(title)} characters; keep it under {MAX_TITLE}.")
    return title


def validate_template(template: str | None) -> str:
    key = (template or DEFAULT_TEMPLATE).strip().lower()
    templates = load_templates()
    if key not in templates:
        known = ", ".join(f"`{k}`" for k in templates)
        raise Refusal(f"There's no template called `{t.show(key, 40)}`. Templates: {known}.")
    return key


def start_workshop(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    user_id: str,
    title: str,
    template: str | None = None,
    objective: str | None = None,
    map_type: str | None = None,
    future_of: int | None = None,
    visible: Collection[str] = (),
    now: datetime,
) -> PromptView:
    """`visible`: the channels whose workshops this person may see (Slack's answer, asked before this
    transaction); a future map's source must be one of them."""
    title = validate_title(title)
    key = validate_template(template)
    map_type = MapType(map_type or (MapType.FUTURE if future_of else MapType.CURRENT))
    source = None
    if future_of is not None:
        source = repo.workshop(session=session, team_id=team_id, workshop_id=future_of)
        if source is None or source.channel_id not in visible:  # one answer: a private map's existence stays private
            raise Refusal(f"There's no workshop #{future_of} in this workspace to start a future-state map from.")
        if template is None:
            key = source.template
    existing = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if existing is not None:
        raise Refusal(_already_open(existing))

    ws = Workshop(team_id=team_id, channel_id=channel_id, title=title, template=key, map_type=map_type,
                  future_of=source.id if source else None, created_by=user_id, created_at=now)
    try:
        with session.begin_nested():  # a savepoint: the caller's transaction may hold other requests' work
            session.add(ws)
            session.flush()
    except IntegrityError:  # another `new` won the race for this channel
        existing = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
        raise Refusal(_already_open(existing)) from None
    session.add(Facilitator(team_id=team_id, workshop_id=ws.id, user_id=user_id))
    if source is not None:
        _seed_from(session, ws, source, now)
    else:
        session.add_all(
            Stage(team_id=team_id, workshop_id=ws.id, name=s.name, hint=s.hint, position=i)
            for i, s in enumerate(load_templates()[key].stages)
        )
    step = Step(
        team_id=team_id, workshop_id=ws.id, channel_id=channel_id, kind=StepKind.OBJECTIVES, position=0, opened_at=now
    )
    session.add(step)
    session.flush()
    objective = (objective or "").strip()
    if objective:
        dept = _department(session, team_id, user_id)
        for no, line in t.split_lines(objective):
            session.add(
                Item(
                    team_id=team_id, workshop_id=ws.id, channel_id=channel_id, step_id=step.id, line_no=no,
                    kind=ItemKind.OBJECTIVE, text=line, author=user_id, department=dept, created_at=now, updated_at=now,
                )
            )
    return _prompt_view(session, ws, step)


def channel_of(*, session: Session, team_id: str, workshop_id: int) -> str | None:
    """The channel of a workshop, to ask Slack whether someone may see it before a rule uses it."""
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    return ws.channel_id if ws else None


def _seed_from(session: Session, ws: Workshop, source: Workshop, now: datetime) -> None:
    """A future-state map starts from the current map's stages and pain points (linked back to them)."""
    new_stage = {}
    for old in repo.stages(session=session, team_id=source.team_id, workshop_id=source.id):
        stage = Stage(team_id=ws.team_id, workshop_id=ws.id, name=old.name, hint=old.hint, position=old.position)
        session.add(stage)
        session.flush()
        new_stage[old.id] = stage.id
    for old in repo.items(session=session, team_id=source.team_id, workshop_id=source.id):
        if old.kind == ItemKind.PAIN_POINT and old.stage_id in new_stage:
            session.add(
                Item(
                    team_id=ws.team_id, workshop_id=ws.id, channel_id=ws.channel_id, stage_id=new_stage[old.stage_id],
                    kind=ItemKind.PAIN_POINT, text=old.text, author=old.author, department=old.department,
                    source_item_id=old.id, ts=old.ts, created_at=now, updated_at=now,
                )
            )


def _already_open(ws: Workshop | None) -> str:
    if ws is None:
        return "A workshop was just started in this channel. Try `/journey status`."
    return (
        f"This channel already has an open workshop: *{t.show(ws.title, 120)}*, started by <@{ws.created_by}>. "
        "Close it with `/journey close` before starting another."
    )


def record_prompt_posted(*, session: Session, team_id: str, step_id: int, ts: str | None) -> None:
    """Where Slack put a step's prompt; None: Slack refused it (the next `/journey next` posts it again)."""
    step = repo.step(session=session, team_id=team_id, step_id=step_id)
    if step is not None:
        step.prompt_ts, step.prompt_failed = ts, ts is None
        session.add(step)


def open_next_step(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> NextOutcome:
    ws = _require_open(session, team_id, channel_id)
    _require_facilitator(session, ws, user_id, "move the workshop on")
    current = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    if current is not None and current.prompt_failed:  # (one still on its way is not failed: move on)
        current.prompt_failed = False
        session.add(current)
        return NextOutcome(_prompt_view(session, ws, current), reposted=True)

    next_kind, next_stage = _following(current, stages)
    if next_kind is None:
        raise Refusal(
            "That was the last stage; people can keep adding to it. When you're done, "
            "`/journey export json` posts the map and `/journey close` ends the workshop."
        )
    if next_kind == StepKind.STAGE and not stages:
        raise Refusal("There are no stages yet. Set them with `/journey stages Awareness, Consideration, Decision`.")
    if current is not None:
        current.closed_at = now
        session.add(current)
    step = Step(
        team_id=team_id,
        workshop_id=ws.id,
        channel_id=channel_id,
        kind=next_kind,
        stage_id=next_stage.id if next_stage else None,
        position=(current.position + 1) if current else 0,
        opened_at=now,
    )
    session.add(step)
    session.flush()
    return NextOutcome(_prompt_view(session, ws, step), reposted=False)


def _following(current: Step | None, stages: list[Stage]) -> tuple[str | None, Stage | None]:
    order = [StepKind.OBJECTIVES, StepKind.PERSONAS, StepKind.STAGES]
    if current is None:
        return StepKind.OBJECTIVES, None
    if current.kind != StepKind.STAGE:
        i = order.index(StepKind(current.kind))
        if i + 1 < len(order):
            return order[i + 1], None
        return StepKind.STAGE, (stages[0] if stages else None)
    pos = next((s.position for s in stages if s.id == current.stage_id), len(stages))
    later = [s for s in stages if s.position > pos]
    return (StepKind.STAGE, later[0]) if later else (None, None)


def parse_stage_names(raw: str) -> list[str]:
    names = [" ".join(n.split()) for n in raw.replace("\n", ",").split(",")]
    names = [n for n in names if n]
    if not names:
        raise Refusal("List the stages separated by commas, e.g. `/journey stages Discover, Try, Buy, Use, Renew`.")
    if len(names) > MAX_STAGES:
        raise Refusal(f"That's {len(names)} stages; a map stays readable with at most {MAX_STAGES}.")
    long = [n for n in names if len(n) > MAX_STAGE_NAME]
    if long:
        raise Refusal(f"Stage names must be under {MAX_STAGE_NAME} characters: `{t.show(long[0], 80)}`.")
    if any("<" in n or ">" in n for n in names):
        raise Refusal("Stage names are plain words; mentions and links can't be stage names.")
    seen: set[str] = set()
    for n in names:
        if n.lower() in seen:
            raise Refusal(f"`{t.show(n, 60)}` is listed twice.")
        seen.add(n.lower())
    return names


def set_stages(*, session: Session, team_id: str, channel_id: str, user_id: str, raw: str) -> list[str]:
    ws = _require_open(session, team_id, channel_id)
    _require_facilitator(session, ws, user_id, "change the stages")
    names = parse_stage_names(raw)
    steps = repo.steps(session=session, team_id=team_id, workshop_id=ws.id)
    if any(s.kind == StepKind.STAGE for s in steps):
        raise Refusal("The stage walk has already started, so the stages can't change now. Nothing was changed.")
    hints = {s.name.lower(): s.hint for s in repo.stages(session=session, team_id=team_id, workshop_id=ws.id)}
    for stage in repo.replace_stages(session=session, team_id=team_id, workshop_id=ws.id, names=names):
        stage.hint = hints.get(stage.name.lower())  # a kept stage keeps its template hint
        session.add(stage)
    return names


def close_workshop(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime,
                   zone_of=None) -> Closed:
    ws = _require_open(session, team_id, channel_id)
    _require_facilitator(session, ws, user_id, "close the workshop")
    current = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    if current is not None:
        current.closed_at = now
        session.add(current)
    ws.status = "closed"
    ws.closed_at = now
    session.add(ws)
    reminders.cancel_pending(session=session, team_id=team_id, kinds=["nudge"],
                                subject_id=current.id if current else -1)
    plan_map_reviews(session=session, ws=ws, zone_of=zone_of or (lambda _u: reminders.zone("UTC")), now=now)
    answers, people, depts = _answer_tally(session, ws)
    return Closed(title=ws.title, answers=sum(answers.values()), people=len(people), departments=len([d for d in depts if d]))


def _answer_tally(session: Session, ws: Workshop) -> tuple[Counter, dict[str, str | None], Counter]:
    """Answers per person, each person's department (their latest), and answers per department."""
    per_user: Counter = Counter()
    dept_of: dict[str, str | None] = {}
    per_dept: Counter = Counter()
    rows = [(i.author, i.department) for i in repo.items(session=session, team_id=ws.team_id, workshop_id=ws.id)]
    rows += [(e.user_id, e.department) for e in repo.emotions(session=session, team_id=ws.team_id, workshop_id=ws.id)]
    for user, dept in rows:
        per_user[user] += 1
        dept_of[user] = dept or dept_of.get(user)
        per_dept[dept] += 1
    return per_user, dept_of, per_dept


# --- Departments -----------------------------------------------------------------------------------------


def set_department(*, session: Session, team_id: str, user_id: str, department: str, now: datetime) -> str:
    name = " ".join(department.split())
    if not name:
        raise Refusal("Say which department you're in, e.g. `/journey dept Customer Support`.")
    if len(name) > MAX_DEPARTMENT:
        raise Refusal(f"Keep the department name under {MAX_DEPARTMENT} characters.")
    if "<" in name or ">" in name:
        raise Refusal("A department is a plain name, e.g. `/journey dept Sales`; mentions and links can't be one.")
    if name.islower():
        name = name.title()  # "customer support" reads better as "Customer Support"; "R&D" or "iOS" stay as typed
    # Reuse the spelling the workspace already has, so "Sales" and "SALES" count as one department.
    for known in repo.departments(session=session, team_id=team_id):
        if known.lower() == name.lower():
            name = known
            break
    repo.save_profile(session=session, team_id=team_id, user_id=user_id, now=now, department=name)
    return name


def department_of(*, session: Session, team_id: str, user_id: str) -> str | None:
    return _department(session, team_id, user_id)


# --- Answers in threads ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    line_no: int
    kind: str
    text: str
    detail: str | None = None
    score: int | None = None


def _parse_reply(step: Step, text: str, *, blueprint: bool) -> tuple[list[_Line], list[tuple[str, str]]]:
    lines: list[_Line] = []
    problems: list[tuple[str, str]] = []
    if step.kind == StepKind.PERSONAS:
        name, description = t.parse_persona(text)
        if name:
            lines.append(_Line(0, ItemKind.PERSONA, name, description or None))
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


def _open_step_for_thread(
    session: Session, team_id: str, channel_id: str, thread_ts: str
) -> tuple[Step | None, Workshop | None]:
    step = repo.step_by_prompt(session=session, team_id=team_id, channel_id=channel_id, prompt_ts=thread_ts)
    if step is None:
        return None, None
    return step, repo.workshop(session=session, team_id=team_id, workshop_id=step.workshop_id)


def _closed_outcome(session: Session, ws: Workshop, step: Step) -> ReplyOutcome:
    stages = repo.stages(session=session, team_id=ws.team_id, workshop_id=ws.id)
    by_id = {s.id: s for s in stages}
    out = ReplyOutcome(status="closed", step_label=step_label(step, by_id.get(step.stage_id), len(stages)))
    if ws.status == "open":
        cur = repo.current_step(session=session, team_id=ws.team_id, workshop_id=ws.id)
        if cur is not None:
            out.open_label = step_label(cur, by_id.get(cur.stage_id), len(stages))
    return out


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


def record_reply(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    user_id: str,
    ts: str,
    thread_ts: str,
    text: str,
    event_id: str | None,
    now: datetime,
    edited_ts: str | None = None,
) -> ReplyOutcome:
    (out,) = record_replies(session=session, team_id=team_id, now=now, replies=[
        NewReply(channel_id, user_id, ts, thread_ts, text, event_id, edited_ts)])
    return out


def record_replies(*, session: Session, team_id: str, replies: list[NewReply], now: datetime) -> list[ReplyOutcome]:
    """Store new thread replies (and their items) in order, one outcome each. A few queries and inserts for the
    whole list, whatever its length: this is how a burst of answers is stored at thousands a second."""
    steps = repo.steps_by_prompt_ts(session=session, team_id=team_id,
                                    prompts={(r.channel_id, r.thread_ts) for r in replies})
    workshops = repo.workshops_by_id(session=session, team_id=team_id, ids={s.workshop_id for s in steps.values()})
    messages = {(r.channel_id, r.ts) for r in replies}
    stored = repo.stored_replies(session=session, team_id=team_id, messages=messages)
    deleted = repo.deleted_messages(session=session, team_id=team_id, messages=messages)
    outcomes: list[ReplyOutcome | None] = [None] * len(replies)
    taken: list[tuple[int, NewReply, Step, Workshop]] = []
    for n, r in enumerate(replies):
        step = steps.get((r.channel_id, r.thread_ts))
        ws = workshops.get(step.workshop_id) if step else None
        if step is None or ws is None:
            outcomes[n] = ReplyOutcome(status="ignored")
        elif (r.channel_id, r.ts) in stored:
            outcomes[n] = ReplyOutcome(status="duplicate")
        elif (r.channel_id, r.ts) in deleted:
            outcomes[n] = ReplyOutcome(status="ignored")  # a late copy of a message its author deleted
        elif step.closed_at is not None or ws.status != "open":
            outcomes[n] = _closed_outcome(session, ws, step)
        else:
            stored.add((r.channel_id, r.ts))
            taken.append((n, r, step, ws))
    if not taken:
        return outcomes  # type: ignore[return-value]

    users = {r.user_id for _, r, _, _ in taken}
    depts = {u: p.department for u, p in repo.profiles(session=session, team_id=team_id, user_ids=list(users)).items()}
    answered = repo.repliers(session=session, team_id=team_id, workshop_ids={ws.id for *_, ws in taken}, users=users)
    ids = repo.insert_replies(session=session, rows=[dict(
        team_id=team_id, channel_id=r.channel_id, ts=r.ts, thread_ts=r.thread_ts, user_id=r.user_id,
        workshop_id=ws.id, step_id=step.id, text=r.text, event_id=r.event_id, edited_ts=r.edited_ts, created_at=now,
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
    for index, item_id in enumerate(repo.insert_items(session=session, rows=items)):
        if items[index]["kind"] == ItemKind.UNSORTED:
            unsorted_of[index].unsorted.append((item_id, items[index]["text"]))
    return outcomes  # type: ignore[return-value]


def _item_values(ws: Workshop, step: Step, channel_id: str, ts: str | None, reply_id: int | None, author: str,
                 line: _Line, dept: str | None, now: datetime) -> dict:
    return dict(team_id=ws.team_id, workshop_id=ws.id, channel_id=channel_id, step_id=step.id, stage_id=step.stage_id,
                reply_id=reply_id, ts=ts, line_no=line.line_no, kind=line.kind, text=line.text, detail=line.detail,
                author=author, department=dept, created_at=now, updated_at=now)


def _ts_order(ts: str) -> tuple[int, int]:
    """Slack timestamps ("1700000000.000123") in time order."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds or 0), int(fraction or 0)


def edit_reply(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    user_id: str,
    ts: str,
    thread_ts: str,
    text: str,
    event_id: str | None,
    now: datetime,
    edited_ts: str | None = None,
) -> ReplyOutcome:
    """Apply an edit. Edits apply in the order of Slack's `edited.ts`, whatever order they arrive in, so an
    older edit redelivered late never overwrites a newer one."""
    if repo.is_deleted(session=session, team_id=team_id, channel_id=channel_id, ts=ts):
        return ReplyOutcome(status="ignored")
    reply = repo.reply_by_ts(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    if reply is None:  # never stored (say, sent while the bot was away): treat the edit as the answer
        return record_reply(
            session=session, team_id=team_id, channel_id=channel_id, user_id=user_id, ts=ts, thread_ts=thread_ts,
            text=text, event_id=event_id, now=now, edited_ts=edited_ts,
        )
    if edited_ts and reply.edited_ts and _ts_order(edited_ts) <= _ts_order(reply.edited_ts):
        return ReplyOutcome(status="unchanged")  # a newer version is already stored
    step = repo.step(session=session, team_id=team_id, step_id=reply.step_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=reply.workshop_id)
    if text == reply.text:
        return ReplyOutcome(status="unchanged")
    if step.closed_at is not None or ws.status != "open":
        return _closed_outcome(session, ws, step)
    reply.text = text
    reply.edited_at = now
    reply.edited_ts = edited_ts or reply.edited_ts
    session.add(reply)
    return _sync_items(session, ws, step, reply, text, _department(session, team_id, reply.user_id), now)


def delete_reply(*, session: Session, team_id: str, channel_id: str, ts: str, thread_ts: str | None = None,
                 now: datetime) -> ReplyOutcome:
    """A deleted reply takes its items and rating with it, whatever the step's state: people may withdraw words.
    It leaves a tombstone, so no late copy of the message or of an edit brings it back; a delete that arrives
    before its message (Slack doesn't promise order) means the message is never stored."""
    reply = repo.reply_by_ts(session=session, team_id=team_id, channel_id=channel_id, ts=ts)
    ours = reply is not None or (thread_ts is not None and repo.step_by_prompt(
        session=session, team_id=team_id, channel_id=channel_id, prompt_ts=thread_ts) is not None)
    if not ours:
        return ReplyOutcome(status="ignored")
    repo.add_tombstone(session=session, team_id=team_id, channel_id=channel_id, ts=ts, now=now)
    if reply is None:
        return ReplyOutcome(status="removed")
    for item in repo.items_of_reply(session=session, team_id=team_id, reply_id=reply.id):
        session.delete(item)
    _drop_emotion_of_reply(session, reply)
    session.flush()
    session.delete(reply)
    return ReplyOutcome(status="removed")


def _drop_emotion_of_reply(session: Session, reply: Reply) -> None:
    repo.delete_emotions_of_reply(session=session, team_id=reply.team_id, reply_id=reply.id)


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
        _drop_emotion_of_reply(session, reply)
    session.flush()
    out.unsorted = [(i.id, i.text) for i in fresh if i.kind == ItemKind.UNSORTED]
    if out.stored == 0 and not problems:
        out.status = "ignored"
    return out


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


@dataclass(frozen=True)
class Rated:
    stage_name: str
    score: int
    replaced: int | None  # the previous score, if there was one


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
    _upsert_emotion(session, ws, stage_id, user_id, score, note, _department(session, team_id, user_id), None, now)
    return Rated(stage_name=stage.name, score=score, replaced=before)


CLASSIFIABLE = (ItemKind.TOUCHPOINT, ItemKind.PAIN_POINT, ItemKind.OPPORTUNITY)


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
    return kind


@dataclass(frozen=True)
class Classified:
    kind: str
    text: str
    still_unsorted: list[tuple[int, str]]  # the reply's other lines still waiting for a kind


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
    session.flush()
    rest = repo.items_of_reply(session=session, team_id=team_id, reply_id=item.reply_id) if item.reply_id else []
    return Classified(kind, item.text, [(i.id, i.text) for i in rest if i.kind == ItemKind.UNSORTED])


# --- Status ----------------------------------------------------------------------------------------------


def status(*, session: Session, team_id: str, channel_id: str, members: list[str] | None) -> StatusView:
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    by_id = {s.id: s for s in stages}
    steps = repo.steps(session=session, team_id=team_id, workshop_id=ws.id)
    items = repo.items(session=session, team_id=team_id, workshop_id=ws.id)
    emotions = repo.emotions(session=session, team_id=team_id, workshop_id=ws.id)
    current = next((s for s in steps if s.closed_at is None), None) if ws.status == "open" else None

    per_step = Counter(i.step_id for i in items)
    ratings_per_stage = Counter(e.stage_id for e in emotions)
    for e in emotions:
        step_of_stage = next((s.id for s in steps if s.stage_id == e.stage_id), None)
        per_step[step_of_stage] += 1
    step_rows = [
        (step_label(s, by_id.get(s.stage_id), len(stages)), per_step.get(s.id, 0), s is current) for s in steps
    ]
    stage_rows = []
    for s in stages:
        kinds = Counter(i.kind for i in items if i.stage_id == s.id)
        scores = [e.score for e in emotions if e.stage_id == s.id]
        stage_rows.append(
            StageCount(
                name=s.name,
                touchpoints=kinds.get(ItemKind.TOUCHPOINT, 0),
                pain_points=kinds.get(ItemKind.PAIN_POINT, 0),
                opportunities=kinds.get(ItemKind.OPPORTUNITY, 0),
                unsorted=kinds.get(ItemKind.UNSORTED, 0),
                ratings=ratings_per_stage.get(s.id, 0),
                emotion_average=emotion_average(scores),
                emotion_spread=emotion_spread(scores),
            )
        )

    per_user, dept_of, per_dept = _answer_tally(session, ws)
    current_depts = repo.profiles(session=session, team_id=team_id, user_ids=list(per_user))
    contributors = [
        (u, (current_depts[u].department if u in current_depts else None) or dept_of.get(u), n)
        for u, n in per_user.most_common()
    ]
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    not_contributed = [m for m in (members or []) if m not in per_user and m not in facilitators]
    total = sum(per_dept.values())
    departments = sorted(per_dept.items(), key=lambda kv: (-kv[1], kv[0] or "~"))
    dominant = None
    named = [(d, n) for d, n in departments if d]
    if named and total >= DOMINANT_MIN_ANSWERS and named[0][1] / total > DOMINANT_SHARE:
        dominant = (named[0][0], named[0][1] / total)

    return StatusView(
        workshop_id=ws.id,
        map_type=ws.map_type,
        title=ws.title,
        status=ws.status,
        template_name=_template_name(ws.template),
        facilitators=facilitators,
        current_label=step_label(current, by_id.get(current.stage_id), len(stages)) if current else None,
        prompt_posted=bool(current and current.prompt_ts),
        steps=step_rows,
        stages=stage_rows,
        contributors=contributors,
        not_contributed=not_contributed,
        departments=departments,
        dominant=dominant,
        total_answers=total,
        validation=repo.validation_counts(session=session, team_id=team_id, workshop_id=ws.id),
    )


# --- Nudges and map reviews ------------------------------------------------------------------------------


def open_workshop_of(*, session: Session, team_id: str, channel_id: str) -> Workshop | None:
    return repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)


def set_nudge_delay(*, session: Session, team_id: str, channel_id: str, user_id: str, minutes: int | None) -> Workshop:
    ws = _require_open(session, team_id, channel_id)
    _require_facilitator(session, ws, user_id, "set nudges")
    ws.nudge_after_minutes = minutes
    session.add(ws)
    return ws


def answered_step(*, session: Session, team_id: str, step_id: int, user_id: str) -> bool:
    step = repo.step(session=session, team_id=team_id, step_id=step_id)
    if step is None:
        return True
    if any(r.user_id == user_id for r in repo.replies_of_step(session=session, team_id=team_id, step_id=step_id)):
        return True
    return step.stage_id is not None and repo.emotion(session=session, team_id=team_id, stage_id=step.stage_id,
                                                      user_id=user_id) is not None


def plan_step_nudges(*, session: Session, team_id: str, channel_id: str, members: list[str], now: datetime,
                     zone_of=None) -> int:
    """When a step opens in a workshop with a nudge delay: one nudge per channel member, due after the delay.
    Whoever has answered by then is skipped when the nudge falls due."""
    ws = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None or not ws.nudge_after_minutes:
        return 0
    step = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    if step is None:
        return 0
    due = max(now, step.opened_at + timedelta(minutes=ws.nudge_after_minutes))
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    n = 0
    for user in members:
        if user not in facilitators:  # never at night in the person's own time zone
            at = reminders.not_at_night(due, zone_of(user)) if zone_of else due
            reminders.add(session=session, team_id=team_id, workshop_id=ws.id, kind="nudge", subject_id=step.id,
                  recipient=user, due_at=at, now=now)
            n += 1
    return n


def nudge_now(*, session: Session, team_id: str, channel_id: str, user_id: str, members: list[str],
              now: datetime, zone_of=None) -> int:
    """`/journey nudge`: a nudge now for each member who hasn't answered the open step and wasn't nudged for it."""
    ws = _require_open(session, team_id, channel_id)
    _require_facilitator(session, ws, user_id, "nudge people")
    step = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    if step is None or step.prompt_ts is None:
        raise Refusal("There's no open prompt to nudge people about yet.")
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    already = repo.nudged(session=session, team_id=team_id, step_id=step.id)
    # The delayed nudges of this step are replaced by these (each person is nudged once per step).
    reminders.cancel_pending(session=session, team_id=team_id, kinds=["nudge"], subject_id=step.id)
    n = 0
    for user in members:
        if user in facilitators or user in already or answered_step(session=session, team_id=team_id,
                                                                     step_id=step.id, user_id=user):
            continue
        at = reminders.not_at_night(now, zone_of(user)) if zone_of else now  # at night: in their morning
        reminders.add(session=session, team_id=team_id, workshop_id=ws.id, kind="nudge", subject_id=step.id,
                         recipient=user, due_at=at, now=now)
        n += 1
    return n


def plan_map_reviews(*, session: Session, ws: Workshop, zone_of, now: datetime) -> None:
    """After closing: remind the facilitators to check the map against reality (default: each quarter)."""
    for user in repo.facilitators(session=session, team_id=ws.team_id, workshop_id=ws.id):
        tz = zone_of(user)
        day = (now + timedelta(days=ws.review_after_days)).astimezone(tz).date()
        if not is_working_day(day):
            day = next_working_day(day)
        reminders.add(session=session, team_id=ws.team_id, workshop_id=ws.id, kind="map_review", subject_id=ws.id,
              recipient=user, due_at=reminders.morning_of(day, tz), now=now)
