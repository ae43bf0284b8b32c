"""Where a workshop stands: steps, stages (as the map model counts them), the top pain points, who has contributed
from which department."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from bot.journeymap import build_map, ranked_pain_points, validation_text
from bot.storage import repo
from bot.storage.models import Stage, Step, StepKind
from bot.templates import template_name
from bot.workshop.access import NO_WORKSHOP, Refusal
from bot.workshop.tally import tally

DOMINANT_SHARE = 0.5  # warn when one department gave more than half the answers...
DOMINANT_MIN_ANSWERS = 5  # ...once there are enough answers for the share to mean something
TOP_PAINS = 5


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
    top_pains: list[tuple[int | None, str, int, str]] = field(default_factory=list)  # (#, text, votes, validation)


def step_label(step: Step, stage: Stage | None, n_stages: int) -> str:
    if step.kind == StepKind.STAGE and stage is not None:
        return f"Stage {stage.position + 1} of {n_stages}: {stage.name}"
    return {StepKind.OBJECTIVES: "Objectives", StepKind.PERSONAS: "Personas", StepKind.STAGES: "Stages"}.get(
        StepKind(step.kind), step.kind
    )


def status(*, session: Session, team_id: str, channel_id: str, members: list[str] | None) -> StatusView:
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    stages = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    by_id = {s.id: s for s in stages}
    steps = repo.steps(session=session, team_id=team_id, workshop_id=ws.id)
    current = next((s for s in reversed(steps) if s.closed_at is None), None) if ws.status == "open" else None

    per_step = repo.answers_per_step(session=session, team_id=team_id, workshop_id=ws.id)
    step_rows = [
        (step_label(s, by_id.get(s.stage_id), len(stages)), per_step.get(s.id, 0), s is current) for s in steps
    ]
    data = build_map(session=session, team_id=team_id, workshop_id=ws.id)
    stage_rows = [
        StageCount(name=st["name"], touchpoints=len(st["touchpoints"]), pain_points=len(st["pain_points"]),
                   opportunities=len(st["opportunities"]), unsorted=len(st["unsorted"]), ratings=len(st["emotions"]),
                   emotion_average=st["emotion_average"], emotion_spread=st["emotion_spread"])
        for st in data["stages"]
    ]
    top = [(p["number"], p["text"], p["votes"], validation_text(p.get("validation")))
           for p, _ in ranked_pain_points(data)[:TOP_PAINS]]

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
        top_pains=top,
    )
