"""Where a workshop stands: steps, stages, who has contributed from which department. The tallies here (answers
per person and department, emotion average and spread) are shared by the status, the export and the digest."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from sqlmodel import Session

from bot.storage import repo
from bot.storage.models import ItemKind, Stage, Step, StepKind, Workshop
from bot.templates import template_name
from bot.workshop.access import NO_WORKSHOP, Refusal

DOMINANT_SHARE = 0.5  # warn when one department gave more than half the answers...
DOMINANT_MIN_ANSWERS = 5  # ...once there are enough answers for the share to mean something


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


def emotion_average(scores: list[int]) -> float | None:
    return round(statistics.fmean(scores), 2) if scores else None


def emotion_spread(scores: list[int]) -> float | None:
    """How far people's ratings of a stage are apart: the population standard deviation (0 when they agree)."""
    return round(statistics.pstdev(scores), 2) if scores else None


def step_label(step: Step, stage: Stage | None, n_stages: int) -> str:
    if step.kind == StepKind.STAGE and stage is not None:
        return f"Stage {stage.position + 1} of {n_stages}: {stage.name}"
    return {StepKind.OBJECTIVES: "Objectives", StepKind.PERSONAS: "Personas", StepKind.STAGES: "Stages"}.get(
        StepKind(step.kind), step.kind
    )


@dataclass(frozen=True)
class Tally:
    """Every answer of a workshop (items and ratings), counted."""

    per_user: Counter  # answers per person, in the order they first answered
    per_department: Counter  # answers per department at the time (None: no department)
    contributors: list[tuple[str, str | None, int]]  # (user, department now, answers), most answers first


def tally(*, session: Session, ws: Workshop) -> Tally:
    """A person's department is their current one, else the latest they answered with."""
    per_user: Counter = Counter()
    dept_of: dict[str, str | None] = {}
    per_dept: Counter = Counter()
    rows = [(i.author, i.department) for i in repo.items(session=session, team_id=ws.team_id, workshop_id=ws.id)]
    rows += [(e.user_id, e.department) for e in repo.emotions(session=session, team_id=ws.team_id, workshop_id=ws.id)]
    for user, dept in rows:
        per_user[user] += 1
        dept_of[user] = dept or dept_of.get(user)
        per_dept[dept] += 1
    now = repo.profiles(session=session, team_id=ws.team_id, user_ids=list(per_user))
    contributors = [(u, (now[u].department if u in now else None) or dept_of.get(u), n)
                    for u, n in per_user.most_common()]
    return Tally(per_user, per_dept, contributors)


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

    counted = tally(session=session, ws=ws)
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    not_contributed = [m for m in (members or []) if m not in counted.per_user and m not in facilitators]
    total = sum(counted.per_department.values())
    departments = sorted(counted.per_department.items(), key=lambda kv: (-kv[1], kv[0] or "~"))
    dominant = None
    named = [(d, n) for d, n in departments if d]
    if named and total >= DOMINANT_MIN_ANSWERS and named[0][1] / total > DOMINANT_SHARE:
        dominant = (named[0][0], named[0][1] / total)

    return StatusView(
        workshop_id=ws.id,
        map_type=ws.map_type,
        title=ws.title,
        status=ws.status,
        template_name=template_name(ws.template),
        facilitators=facilitators,
        current_label=step_label(current, by_id.get(current.stage_id), len(stages)) if current else None,
        prompt_posted=bool(current and current.prompt_ts),
        steps=step_rows,
        stages=stage_rows,
        contributors=counted.contributors,
        not_contributed=not_contributed,
        departments=departments,
        dominant=dominant,
        total_answers=total,
        validation=repo.validation_counts(session=session, team_id=team_id, workshop_id=ws.id),
    )
