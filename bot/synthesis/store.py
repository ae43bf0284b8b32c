"""Stored syntheses and what people decide about them. Keyword-only, take the session, refuse before changing."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.journeymap import group_of
from bot.storage import pain_points, repo, syntheses
from bot.storage.models import ItemKind, Synthesis
from bot.synthesis.schemas import SynthesisResult
from bot.workshop.access import Refusal, require_facilitator, require_latest


@dataclass(frozen=True)
class SynthesisView:
    id: int
    workshop_id: int
    title: str
    result: SynthesisResult
    undone: frozenset[int]
    decisions: dict[str, str]
    pains: dict[int, tuple[str, str | None, str, int | None]]  # item id → (text, department, stage, number)


def workshop_for_synthesis(*, session: Session, team_id: str, channel_id: str, user_id: str):
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id,
                        to="run the synthesis", named=False)
    return ws


def set_ai(*, session: Session, team_id: str, channel_id: str, user_id: str, enabled: bool) -> None:
    ws = workshop_for_synthesis(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
    ws.ai_enabled = enabled
    session.add(ws)


def save(*, session: Session, team_id: str, workshop_id: int, user_id: str, result: SynthesisResult,
         now: datetime) -> Synthesis:
    row = Synthesis(team_id=team_id, workshop_id=workshop_id, source=result.source, model=result.model,
                    prompts=json.dumps(result.prompts), note=result.note, result=result.model_dump_json(),
                    created_by=user_id, created_at=now)
    session.add(row)
    session.flush()
    for index in range(len(result.clusters)):
        _apply_cluster(session, row, result, index, now)
    return row


def _apply_cluster(session: Session, row: Synthesis, result: SynthesisResult, index: int, now: datetime) -> None:
    """A cluster's merge becomes part of the map: the pain points it names (with whatever was merged into them)
    become one, reading as the cluster's statement."""
    cluster = result.clusters[index]
    groups = {}
    for item_id in cluster.item_ids:
        group = group_of(session=session, team_id=row.team_id, item_id=item_id)
        if group is not None and group.lead.workshop_id == row.workshop_id:
            groups[group.lead.id] = group
    if len(groups) < 2:
        return
    pain_points.make_merge(session=session, team_id=row.team_id, workshop_id=row.workshop_id,
                           items=[i for g in groups.values() for i in g.members], statement=cluster.statement,
                           source="synthesis", by=row.created_by, now=now, synthesis_id=row.id, cluster=index)


def record_posted(*, session: Session, team_id: str, synthesis_id: int, channel_id: str, ts: str) -> None:
    row = _row(session, team_id, synthesis_id)
    row.channel_id, row.message_ts = channel_id, ts
    session.add(row)


def _row(session: Session, team_id: str, synthesis_id: int) -> Synthesis:
    row = syntheses.synthesis(session=session, team_id=team_id, synthesis_id=synthesis_id)
    if row is None:
        raise Refusal("That synthesis doesn't exist (any more).")
    return row


def message_of(*, session: Session, team_id: str, synthesis_id: int) -> tuple[str | None, str | None]:
    """Where the synthesis was posted (channel, ts)."""
    row = _row(session, team_id, synthesis_id)
    return row.channel_id, row.message_ts


def view(*, session: Session, team_id: str, synthesis_id: int) -> SynthesisView:
    row = _row(session, team_id, synthesis_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=row.workshop_id)
    stages = {s.id: s.name for s in repo.stages(session=session, team_id=team_id, workshop_id=row.workshop_id)}
    pains = {i.id: (i.text, i.department, stages.get(i.stage_id, ""), i.number)
             for i in repo.items(session=session, team_id=team_id, workshop_id=row.workshop_id)
             if i.kind == ItemKind.PAIN_POINT}
    return SynthesisView(row.id, row.workshop_id, ws.title if ws else "", SynthesisResult.model_validate_json(row.result),
                         frozenset(json.loads(row.undone)), json.loads(row.decisions), pains)


def undo_merge(*, session: Session, team_id: str, user_id: str, synthesis_id: int, index: int,
               now: datetime) -> Synthesis:
    """Undo a cluster's merge (each pain point gets its own place back on the map), or, a second time, merge
    them again."""
    row = _row(session, team_id, synthesis_id)
    _may_change(session, row, user_id)
    result = SynthesisResult.model_validate_json(row.result)
    if not 0 <= index < len(result.clusters):
        raise Refusal("That merge isn't part of this synthesis.")
    undone = set(json.loads(row.undone)) ^ {index}
    merge = pain_points.merge_of_cluster(session=session, team_id=team_id, synthesis_id=row.id, cluster=index)
    if merge is not None:
        pain_points.dissolve(session=session, team_id=team_id, merge_id=merge.id)
    if index not in undone:
        _apply_cluster(session, row, result, index, now)
    row.undone = json.dumps(sorted(undone))
    session.add(row)
    return row


def decide(*, session: Session, team_id: str, user_id: str, synthesis_id: int, key: str, decision: str) -> Synthesis:
    row = _row(session, team_id, synthesis_id)
    _may_change(session, row, user_id)
    decisions = json.loads(row.decisions)
    decisions[key] = decision
    row.decisions = json.dumps(decisions)
    session.add(row)
    return row


def _may_change(session: Session, row: Synthesis, user_id: str) -> None:
    require_facilitator(session=session, team_id=row.team_id, workshop_id=row.workshop_id, user_id=user_id,
                        to="change the synthesis", named=False)


def guide_for(*, session: Session, team_id: str, workshop_id: int, pain_point_id: int, pain: str,
              stage: str) -> list[str]:
    """The interview guide for a pain point: the latest synthesis's, else one from the question bank."""
    row = syntheses.latest(session=session, team_id=team_id, workshop_id=workshop_id)
    if row is not None:
        for g in SynthesisResult.model_validate_json(row.result).guides:
            if g.pain_point_id == pain_point_id:
                return g.questions
    from bot.synthesis.basic import guide

    return guide(pain, stage)
