"""Which step a thread is the prompt of: by the prompt's stored ts, and the prompts still on their way to Slack.
Keyword-only, take the session, and always filter by team_id."""

from __future__ import annotations

from sqlalchemy import tuple_
from sqlmodel import Session, select

from bot.storage.models import Step, Workshop


def step_by_prompt(*, session: Session, team_id: str, channel_id: str, prompt_ts: str) -> Step | None:
    return session.exec(
        select(Step).where(Step.team_id == team_id, Step.channel_id == channel_id, Step.prompt_ts == prompt_ts)
    ).first()

def steps_by_prompt_ts(*, session: Session, team_id: str, prompts: set[tuple[str, str]]) -> dict[tuple[str, str], Step]:
    """(channel, prompt ts) → the step whose prompt it is, for every pair that is one."""
    if not prompts:
        return {}
    rows = session.exec(select(Step).where(Step.team_id == team_id,
                                           tuple_(Step.channel_id, Step.prompt_ts).in_(list(prompts))))
    return {(s.channel_id, s.prompt_ts): s for s in rows}

def prompts_on_their_way(*, session: Session, team_id: str, channel_ids: set[str]) -> dict[str, list[Step]]:
    """channel → the steps of its open workshop whose prompt was sent to Slack but whose ts isn't stored yet (a
    reply can come back before that ts is written, or the process died in between)."""
    if not channel_ids:
        return {}
    rows = session.exec(select(Step).join(Workshop, Workshop.id == Step.workshop_id).where(
        Step.team_id == team_id, Step.channel_id.in_(list(channel_ids)), Step.prompt_ts.is_(None),
        Step.prompt_failed.is_(False), Step.closed_at.is_(None), Workshop.status == "open"))
    out: dict[str, list[Step]] = {}
    for st in rows:
        out.setdefault(st.channel_id, []).append(st)
    return out
