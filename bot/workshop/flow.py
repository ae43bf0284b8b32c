"""The workshop's flow: start one in a channel, move it on step by step (objectives, personas, stages, then each
stage), change its stages before the stage walk, close it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import text as t
from bot.storage import pain_points, repo
from bot.storage.models import Facilitator, Item, ItemKind, MapType, Stage, Step, StepKind, Workshop
from bot.templates import DEFAULT_TEMPLATE, load_templates, template_name
from bot.workshop import nudges
from bot.workshop.access import Refusal, require_facilitator, require_open
from bot.workshop.departments import department_of
from bot.workshop.tally import tally

MAX_TITLE = 120
MAX_STAGES = 12
MAX_STAGE_NAME = 60


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
class PromptEdit:
    """A posted prompt to show as it is now: closed (no buttons, says so) or open again."""

    prompt: PromptView
    ts: str
    closed: bool


@dataclass(frozen=True)
class NextOutcome:
    prompt: PromptView | None  # None: the stage walk has just ended
    reposted: bool  # Slack refused the current prompt, so it is posted again instead of moving on
    closed: tuple[PromptEdit, ...] = ()  # the prompts this closed, to edit
    title: str = ""


@dataclass(frozen=True)
class Reopened:
    edit: PromptEdit | None  # None: its prompt never reached Slack
    label: str
    number: int


@dataclass(frozen=True)
class Closed:
    title: str
    answers: int
    people: int
    departments: int
    prompts: tuple[PromptEdit, ...] = ()


def _prompt_view(session: Session, ws: Workshop, step: Step) -> PromptView:
    stages = repo.stages(session=session, team_id=ws.team_id, workshop_id=ws.id)
    stage = next((s for s in stages if s.id == step.stage_id), None)
    return PromptView(
        workshop_id=ws.id,
        title=ws.title,
        template_name=template_name(ws.template),
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


# --- Starting ----------------------------------------------------------------------------------------------


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
        dept = department_of(session=session, team_id=team_id, user_id=user_id)
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


def open_workshop_of(*, session: Session, team_id: str, channel_id: str) -> Workshop | None:
    return repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)


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
    pain_points.number_new(session=session, team_id=ws.team_id, workshop_id=ws.id)


def _already_open(ws: Workshop | None) -> str:
    if ws is None:
        return "A workshop was just started in this channel. Try `/journey status`."
    return (
        f"This channel already has an open workshop: *{t.show(ws.title, 120)}*, started by <@{ws.created_by}>. "
        "Close it with `/journey close` before starting another."
    )


def record_prompt_posted(*, session: Session, team_id: str, step_id: int, ts: str | None) -> None:
    """Slack's ts of a step's prompt: replies in its thread are answers to that step. None: Slack refused it (the
    next `/journey next` posts it again)."""
    step = repo.step(session=session, team_id=team_id, step_id=step_id)
    if step is not None:
        step.prompt_ts, step.prompt_failed = ts, ts is None
        session.add(step)


# --- Moving on ---------------------------------------------------------------------------------------------


WHAT_COMES_NEXT = (
    "1. `/journey vote`: everyone puts dots on the pain points that matter most\n"
    "2. `/journey synthesize`: duplicates merged, each stage summarised, ideas drafted\n"
    "3. `/journey map`: the journey map as a picture, with its emotion curve\n"
    "4. `/journey action @owner <what> due <date>`: who does what about the top pain points, by when\n"
    "5. `/journey validate`: check the top pain points with real customers"
)


def _closing_edits(session: Session, ws: Workshop, open_steps: list[Step], now: datetime) -> tuple[PromptEdit, ...]:
    """Close these steps; their posted prompts are to be edited to say so."""
    edits = []
    for step in open_steps:
        step.closed_at = now
        session.add(step)
        if step.prompt_ts:
            edits.append(PromptEdit(_prompt_view(session, ws, step), step.prompt_ts, closed=True))
    return tuple(edits)


def open_next_step(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime) -> NextOutcome:
    """Close every open step (the current one and any reopened stage) and open the next one; after the last stage
    the walk ends (prompt None) and the channel is told what comes next."""
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id,
                        to="move the workshop on")
    steps = repo.steps(session=session, team_id=team_id, workshop_id=ws.id)
    current = steps[-1] if steps else None  # the walk's furthest step, open or not
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    if current is not None and current.closed_at is None and current.prompt_failed:  # (one on its way isn't)
        current.prompt_failed = False
        session.add(current)
        return NextOutcome(_prompt_view(session, ws, current), reposted=True)

    next_kind, next_stage = _following(current, stages)
    open_steps = [s for s in steps if s.closed_at is None]
    if next_kind is None and not open_steps:
        raise Refusal("The stage walk is done. What comes next:\n" + WHAT_COMES_NEXT + "\n"
                      "`/journey reopen <stage>` lets people add to a stage again; `/journey close` ends the workshop.")
    if next_kind == StepKind.STAGE and not stages:
        raise Refusal("There are no stages yet. Set them with `/journey stages Awareness, Consideration, Decision`.")
    closed = _closing_edits(session, ws, open_steps, now)
    if next_kind is None:
        return NextOutcome(None, reposted=False, closed=closed, title=ws.title)
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
    return NextOutcome(_prompt_view(session, ws, step), reposted=False, closed=closed, title=ws.title)


def reopen_stage(*, session: Session, team_id: str, channel_id: str, user_id: str, stage: str) -> Reopened:
    """Open a stage the walk has passed again: answers in its prompt's thread count again, until the next
    `/journey next` or `/journey close`."""
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="reopen a stage")
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    wanted = " ".join(stage.split()).lower()
    found = next((s for s in stages if wanted.isdigit() and s.position + 1 == int(wanted)), None) or next(
        (s for s in stages if s.name.lower() == wanted), None) or next(
        (s for s in stages if wanted and s.name.lower().startswith(wanted)), None)
    if found is None:
        listing = ", ".join(f"{s.position + 1}. {t.show(s.name, 40)}" for s in stages)
        raise Refusal(f"There's no stage `{t.show(stage, 40)}`. The stages: {listing or 'none yet'}.")
    steps = [s for s in repo.steps(session=session, team_id=team_id, workshop_id=ws.id) if s.stage_id == found.id]
    label = f"Stage {found.position + 1} of {len(stages)}: {found.name}"
    if not steps:
        raise Refusal(f"*{t.show(label, 100)}* hasn't started yet; `/journey next` gets there.")
    step = steps[-1]
    if step.closed_at is None:
        raise Refusal(f"*{t.show(label, 100)}* is already open: people can add to it in its thread.")
    step.closed_at = None
    session.add(step)
    view = _prompt_view(session, ws, step)
    edit = PromptEdit(view, step.prompt_ts, closed=False) if step.prompt_ts else None
    return Reopened(edit=edit, label=label, number=found.position + 1)


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


# --- Stages ------------------------------------------------------------------------------------------------


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
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="change the stages")
    names = parse_stage_names(raw)
    steps = repo.steps(session=session, team_id=team_id, workshop_id=ws.id)
    if any(s.kind == StepKind.STAGE for s in steps):
        raise Refusal("The stage walk has already started, so the stages can't change now. Nothing was changed.")
    hints = {s.name.lower(): s.hint for s in repo.stages(session=session, team_id=team_id, workshop_id=ws.id)}
    for stage in repo.replace_stages(session=session, team_id=team_id, workshop_id=ws.id, names=names):
        stage.hint = hints.get(stage.name.lower())  # a kept stage keeps its template hint
        session.add(stage)
    return names


# --- Closing -----------------------------------------------------------------------------------------------


def close_workshop(*, session: Session, team_id: str, channel_id: str, user_id: str, now: datetime,
                   zone_of=None) -> Closed:
    """Closes the current step and the workshop; its pending nudges go, and its map reviews are planned."""
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id,
                        to="close the workshop")
    current = repo.current_step(session=session, team_id=team_id, workshop_id=ws.id)
    steps = repo.steps(session=session, team_id=team_id, workshop_id=ws.id)
    edits = _closing_edits(session, ws, [s for s in steps if s.closed_at is None], now)
    ws.status = "closed"
    ws.closed_at = now
    session.add(ws)
    nudges.cancel_step_nudges(session=session, team_id=team_id, step_id=current.id if current else -1)
    nudges.plan_map_reviews(session=session, ws=ws, zone_of=zone_of, now=now)
    counted = tally(session=session, ws=ws)
    return Closed(title=ws.title, answers=sum(counted.per_user.values()), people=len(counted.per_user),
                  departments=len([d for d in counted.per_department if d]), prompts=edits)
