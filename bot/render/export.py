"""The map as data: the `journey-map/1` export contract (schema in schemas/journey-map-1.schema.json)."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime

from sqlmodel import Session

from bot.storage import repo
from bot.storage.models import Item, ItemKind
from bot.workshop import NO_WORKSHOP, Refusal

SCHEMA = "journey-map/1"


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _item(i: Item) -> dict:
    return {"id": i.id, "text": i.text, "author": i.author, "department": i.department, "created_at": _iso(i.created_at)}


def build_export(*, session: Session, team_id: str, workshop_id: int) -> dict:
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    if ws is None:
        raise Refusal(f"There's no workshop {workshop_id} in this workspace.")
    items = repo.items(session=session, team_id=team_id, workshop_id=ws.id)
    emotions = repo.emotions(session=session, team_id=team_id, workshop_id=ws.id)

    def of(kind: str, stage_id: int | None = None) -> list[dict]:
        return [_item(i) for i in items if i.kind == kind and (stage_id is None or i.stage_id == stage_id)]

    stages = []
    for s in repo.stages(session=session, team_id=team_id, workshop_id=ws.id):
        rated = [e for e in emotions if e.stage_id == s.id]
        stages.append(
            {
                "name": s.name,
                "position": s.position,
                "touchpoints": of(ItemKind.TOUCHPOINT, s.id),
                "pain_points": of(ItemKind.PAIN_POINT, s.id),
                "opportunities": of(ItemKind.OPPORTUNITY, s.id),
                "unsorted": of(ItemKind.UNSORTED, s.id),
                "emotions": [
                    {"user": e.user_id, "department": e.department, "score": e.score, "note": e.note} for e in rated
                ],
                "emotion_average": round(sum(e.score for e in rated) / len(rated), 2) if rated else None,
            }
        )

    contributions: Counter = Counter()
    last_dept: dict[str, str | None] = {}
    for author, dept in [(i.author, i.department) for i in items] + [(e.user_id, e.department) for e in emotions]:
        contributions[author] += 1
        last_dept[author] = dept or last_dept.get(author)
    profiles = repo.profiles(session=session, team_id=team_id, user_ids=list(contributions))
    participants = [
        {
            "user": u,
            "department": (profiles[u].department if u in profiles else None) or last_dept.get(u),
            "contributions": n,
        }
        for u, n in sorted(contributions.items(), key=lambda kv: (-kv[1], kv[0]))
    ]

    return {
        "schema": SCHEMA,
        "workshop": {
            "id": ws.id,
            "title": ws.title,
            "team_id": ws.team_id,
            "channel_id": ws.channel_id,
            "template": ws.template,
            "status": ws.status,
            "facilitators": repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id),
            "created_at": _iso(ws.created_at),
            "closed_at": _iso(ws.closed_at),
        },
        "objectives": of(ItemKind.OBJECTIVE),
        "personas": [
            {"id": i.id, "name": i.text, "description": i.detail or "", "author": i.author, "department": i.department}
            for i in items
            if i.kind == ItemKind.PERSONA
        ],
        "stage_suggestions": of(ItemKind.STAGE_SUGGESTION),
        "stages": stages,
        "action_items": [],
        "participants": participants,
    }


def build_channel_export(*, session: Session, team_id: str, channel_id: str) -> dict:
    """The export of a channel's open workshop, else of its latest one."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    return build_export(session=session, team_id=team_id, workshop_id=ws.id)


def export_json(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def export_filename(data: dict, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", data["workshop"]["title"].lower()).strip("-")[:40] or "workshop"
    return f"journey-map-{data['workshop']['id']}-{slug}.{ext}"
