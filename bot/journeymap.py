"""The one map model: what a workshop's map holds, built by one function (`build_map`) that every surface uses —
the ballot, the picture and its summary, status, the JSON/CSV/Markdown exports, the synthesis's input, digests —
so two surfaces can never disagree. Its result is the `journey-map/1` export contract
(schemas/journey-map-1.schema.json); fields are only ever added.

A pain point is shown once however many people said it: pain points merged (by hand, by a synthesis, or before a
vote) are one entry with one statement, its variants (each with its author and department), the votes of all of
them (each person once) and the validation and action items of any of them. Its number is its first variant's.

An opportunity carries its own number (O1, O2, …), its value and effort (1–5, or None until rated), its owner and
its score, value over effort; `rank` orders the rated ones across stages (`ranked_opportunities`), unrated last.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import metrics
from bot.reviews import compare
from bot.storage import action_items, opportunities, pain_points, repo, syntheses, validation_tasks
from bot.storage import evidence as filed_messages
from bot.storage.models import Item, ItemKind, PainMerge, Synthesis
from bot.synthesis.schemas import SynthesisResult
from bot.workshop.access import Refusal, require_latest
from bot.workshop.tally import emotion_average, emotion_spread, tally

SCHEMA = "journey-map/1"
QUOTED = ("evidence", "quote")  # filed messages shown as evidence (bot/evidence.py); the other kinds made items


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


@dataclass(frozen=True)
class PainGroup:
    """One pain point as the map shows it: a pain point alone, or the members of a merge."""

    lead: Item  # the member with the lowest number: its number, stage and id stand for the group
    members: tuple[Item, ...]
    merge: PainMerge | None

    @property
    def text(self) -> str:
        return self.merge.statement if self.merge is not None and self.merge.statement else self.lead.text

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(i.id for i in self.members)


def pain_groups(items: list[Item], merges: dict[int, PainMerge]) -> list[PainGroup]:
    """The workshop's pain points as the map shows them, in number order."""
    by_merge: dict[int, list[Item]] = defaultdict(list)
    alone: list[Item] = []
    for i in items:
        if i.kind != ItemKind.PAIN_POINT:
            continue
        (by_merge[i.merge_id] if i.merge_id in merges else alone).append(i)
    groups = [PainGroup(i, (i,), None) for i in alone]
    for merge_id, members in by_merge.items():
        members.sort(key=_order)
        groups.append(PainGroup(members[0], tuple(members), merges[merge_id] if len(members) > 1 else None))
    return sorted(groups, key=lambda g: _order(g.lead))


def _order(i: Item) -> tuple[int, int]:
    return (i.number if i.number is not None else 1 << 30, i.id or 0)


def group_of(*, session: Session, team_id: str, item_id: int) -> PainGroup | None:
    """The pain point (merged or not) an item belongs to."""
    item = repo.item(session=session, team_id=team_id, item_id=item_id)
    if item is None or item.kind != ItemKind.PAIN_POINT:
        return None
    if item.merge_id is None:
        return PainGroup(item, (item,), None)
    members = tuple(pain_points.members(session=session, team_id=team_id, merge_id=item.merge_id))
    merge = session.get(PainMerge, item.merge_id)
    return PainGroup(members[0], members, merge if len(members) > 1 else None)


def by_number(*, session: Session, team_id: str, workshop_id: int, number: int) -> PainGroup | None:
    """The pain point a number names (a merged variant's number names its merged pain point)."""
    item = next((i for i in repo.items(session=session, team_id=team_id, workshop_id=workshop_id)
                 if i.kind == ItemKind.PAIN_POINT and i.number == number), None)
    return group_of(session=session, team_id=team_id, item_id=item.id) if item else None


def label(group: PainGroup | None) -> tuple[int, str] | None:
    """(number, statement) of a pain point, for messages."""
    return (group.lead.number or 0, group.text) if group else None


def rank(groups: list[PainGroup], voters: dict[int, set[str]]) -> list[PainGroup]:
    """Most votes first; ties in number order."""
    return sorted(groups, key=lambda g: (-len(_voters(g, voters)), _order(g.lead)))


def _voters(group: PainGroup, voters: dict[int, set[str]]) -> set[str]:
    return set().union(*(voters.get(i, set()) for i in group.ids))


def voters_by_item(*, session: Session, team_id: str, workshop_id: int) -> dict[int, set[str]]:
    out: dict[int, set[str]] = defaultdict(set)
    for v in repo.votes(session=session, team_id=team_id, workshop_id=workshop_id):
        out[v.item_id].add(v.user_id)
    return out


def ranked_pain_points(data: dict) -> list[tuple[dict, str]]:
    """A built map's pain points across all stages, most votes first (ties by number), with their stage."""
    pains = [(p, st["name"]) for st in data["stages"] for p in st["pain_points"]]
    return sorted(pains, key=lambda ps: (-ps[0]["votes"], ps[0].get("number") or 1 << 30))


def score(value: int | None, effort: int | None) -> float | None:
    """An opportunity's value over effort (2 decimals); None until both are rated."""
    return round(value / effort, 2) if value and effort else None


def _opportunity_order(o: dict) -> tuple:
    """Rated first, by value over effort, then by value; ties and the unrated in number order."""
    rated = o.get("score") is not None
    return (not rated, -(o.get("score") or 0), -(o.get("value") or 0) if rated else 0, o.get("number") or 1 << 30,
            o.get("id") or 0)


def ranked_opportunities(data: dict) -> list[tuple[dict, str]]:
    """A built map's opportunities across all stages, with their stage: rated ones by value over effort (then
    value, then number), then those not rated yet (no value or no effort), in number order."""
    opps = [(o, st["name"]) for st in data["stages"] for o in st.get("opportunities", [])]
    return sorted(opps, key=lambda os_: _opportunity_order(os_[0]))


def build_map(*, session: Session, team_id: str, workshop_id: int) -> dict:
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    if ws is None:
        raise Refusal(f"There's no workshop {workshop_id} in this workspace.")
    items = repo.item_rows(session=session, team_id=team_id, workshop_id=ws.id)  # rows: read, never changed
    emotions = repo.emotion_rows(session=session, team_id=team_id, workshop_id=ws.id)
    voters = voters_by_item(session=session, team_id=team_id, workshop_id=ws.id)
    merges = pain_points.merges(session=session, team_id=team_id, workshop_id=ws.id)
    groups = pain_groups(items, merges)
    actions = action_items.of_workshop(session=session, team_id=team_id, workshop_id=ws.id)
    tasks = validation_tasks.of_workshop(session=session, team_id=team_id, workshop_id=ws.id)
    ratings = opportunities.ratings(session=session, team_id=team_id, workshop_id=ws.id)
    filings = filed_messages.of_workshop(session=session, team_id=team_id, workshop_id=ws.id)
    answers = [(i.author, i.department) for i in items] + [(e.user_id, e.department) for e in emotions]
    contributors = sorted(tally(session=session, ws=ws, answers=answers).contributors, key=lambda c: (-c[2], c[0]))
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id)
    people = _people(contributors, facilitators, actions, tasks, filings,
                     {r.owner for r in ratings.values() if r.owner})
    names = {u: p.name for u, p in repo.profiles(session=session, team_id=team_id, user_ids=people).items()
             if p.name}
    # Each person's own workspace: in a Slack Connect channel some answer from a partner organisation.
    teams = repo.author_teams(session=session, team_id=team_id, workshop_id=ws.id, users=people)

    def external(user: str) -> bool:
        """From another workspace than the installation's. (An org-wide install's data is kept under the
        organisation, whose own workspaces can't be told from a partner's here: none is marked.)"""
        return not ws.team_id.startswith("E") and teams.get(user, ws.team_id) != ws.team_id

    def person(user: str) -> str:
        return names.get(user) or user

    # Messages filed with "Add to journey map": items they made keep their source; evidence and quotes show with
    # their pain point (all of a merged one's variants), or with their stage.
    made_from = {f.item_id: f for f in filings if f.kind not in QUOTED and f.item_id is not None}

    def item(i: Item) -> dict:
        out = {"id": i.id, "text": i.text, "author": i.author, "department": i.department,
               "created_at": _iso(i.created_at), "author_name": person(i.author), "author_team": teams.get(i.author)}
        if i.id in made_from:
            f = made_from[i.id]
            out["source"] = {"url": f.source_url, "channel": f.source_channel, "ts": f.source_ts,
                             "filed_by": f.filed_by, "filed_by_name": person(f.filed_by)}
        return out

    def evidence(f) -> dict:
        return {"id": f.id, "kind": f.kind, "text": f.text, "author": f.author,
                "author_name": person(f.author) if f.author else None, "filed_by": f.filed_by,
                "filed_by_name": person(f.filed_by), "source_url": f.source_url, "source_channel": f.source_channel,
                "source_ts": f.source_ts, "created_at": _iso(f.created_at)}

    # One pass over the items: each lane of each stage (and each kind across stages), in id order.
    lanes: dict[tuple[str, int | None], list[Item]] = defaultdict(list)
    for i in items:
        lanes[(i.kind, i.stage_id)].append(i)
        if i.stage_id is not None:  # (kind, None): that kind whatever the stage
            lanes[(i.kind, None)].append(i)

    def of(kind: str, stage_id: int | None = None) -> list[dict]:
        return [item(i) for i in lanes.get((kind, stage_id), ())]

    group_of_item = {i: g for g in groups for i in g.ids}
    validation = {}
    for task in tasks:  # a merged pain point shows the latest task on any of its variants
        if task.pain_point_id in group_of_item:
            validation[group_of_item[task.pain_point_id].lead.id] = _validation(task, person)
    actions_of: dict[int, list[int]] = defaultdict(list)
    for a in actions:
        if a.pain_point_id in group_of_item:
            actions_of[group_of_item[a.pain_point_id].lead.id].append(a.id)
    evidence_of: dict[int, list[dict]] = defaultdict(list)  # pain point (its lead's id) → its evidence
    stage_evidence: dict[int | None, list[dict]] = defaultdict(list)
    for f in filings:
        if f.kind not in QUOTED:
            continue
        if f.item_id in group_of_item:
            evidence_of[group_of_item[f.item_id].lead.id].append(evidence(f))
        else:  # a quote about the stage (or evidence whose pain point is gone)
            stage_evidence[f.stage_id].append(evidence(f))

    def pain(g: PainGroup) -> dict:
        lead = g.lead
        departments = sorted({i.department for i in g.members if i.department}, key=str.casefold)
        out = {**item(lead), "text": g.text, "number": lead.number, "votes": len(_voters(g, voters)),
               "source_item_id": lead.source_item_id, "departments": departments, "actions": actions_of[lead.id],
               "evidence": evidence_of[lead.id]}
        if lead.id in validation:
            out["validation"] = validation[lead.id]
        if g.merge is not None:
            out["merged"] = {"id": g.merge.id, "source": g.merge.source, "by": g.merge.created_by}
            out["variants"] = [{"id": i.id, "number": i.number, "text": i.text, "author": i.author,
                                "author_name": person(i.author), "department": i.department} for i in g.members]
        return out

    def opportunity(i: Item) -> dict:
        r = ratings.get(i.id)
        value, effort, owner = (r.value, r.effort, r.owner) if r is not None else (None, None, None)
        return {**item(i), "number": i.opportunity_number, "value": value, "effort": effort,
                "score": score(value, effort), "owner": owner, "owner_name": person(owner) if owner else None,
                "rank": None}

    rated_in: dict[int, list] = defaultdict(list)
    for e in emotions:
        rated_in[e.stage_id].append(e)
    groups_in: dict[int | None, list[PainGroup]] = defaultdict(list)
    for g in groups:
        groups_in[g.lead.stage_id].append(g)
    stages = []
    stage_rows = repo.stages(session=session, team_id=team_id, workshop_id=ws.id)
    for s in stage_rows:
        rated = rated_in[s.id]
        scores = [e.score for e in rated]
        pains = [pain(g) for g in rank(groups_in[s.id], voters)]
        stages.append({
            "name": s.name,
            "position": s.position,
            "touchpoints": of(ItemKind.TOUCHPOINT, s.id),
            "pain_points": pains,
            "opportunities": [opportunity(i) for i in lanes.get((ItemKind.OPPORTUNITY, s.id), ())],
            "frontstage": of(ItemKind.FRONTSTAGE, s.id),
            "backstage": of(ItemKind.BACKSTAGE, s.id),
            "unsorted": of(ItemKind.UNSORTED, s.id),
            "emotions": [{"user": e.user_id, "user_name": person(e.user_id), "department": e.department,
                          "score": e.score, "note": e.note} for e in rated],
            "emotion_average": emotion_average(scores),
            "emotion_spread": emotion_spread(scores),
            "evidence": stage_evidence[s.id],
            "evidence_count": len(stage_evidence[s.id]) + sum(len(p["evidence"]) for p in pains),
        })

    ranking = sorted((o for st in stages for o in st["opportunities"]), key=_opportunity_order)
    for n, o in enumerate((o for o in ranking if o["score"] is not None), 1):
        o["rank"] = n
    number_of = {i.id: g.lead.number for g in groups for i in g.members}
    histories = action_items.histories(session=session, team_id=team_id, action_ids=[a.id for a in actions])
    data = {
        "schema": SCHEMA,
        "workshop": {
            "id": ws.id, "title": ws.title, "team_id": ws.team_id, "channel_id": ws.channel_id,
            "template": ws.template, "status": ws.status, "facilitators": facilitators,
            "facilitator_names": [person(u) for u in facilitators],
            "created_at": _iso(ws.created_at), "closed_at": _iso(ws.closed_at),
        },
        "map_type": ws.map_type,
        "template": ws.template,
        "future_of": ws.future_of,
        "objectives": of(ItemKind.OBJECTIVE),
        "personas": [{"id": i.id, "name": i.text, "description": i.detail or "", "author": i.author,
                      "author_name": person(i.author), "department": i.department}
                     for i in items if i.kind == ItemKind.PERSONA],
        "stage_suggestions": of(ItemKind.STAGE_SUGGESTION),
        "stages": stages,
        "action_items": [{
            "id": a.id, "text": a.text, "owner": a.owner, "owner_name": person(a.owner),
            "due": a.due.isoformat() if a.due else None, "status": a.status,
            "pain_point": group_of_item[a.pain_point_id].lead.id if a.pain_point_id in group_of_item else None,
            "pain_point_number": number_of.get(a.pain_point_id), "created_by": a.created_by,
            "history": [{"at": _iso(e.at), "by": e.by, "change": e.change, "detail": e.detail}
                        for e in histories.get(a.id, [])],
        } for a in actions],
        "synthesis": _synthesis(syntheses.latest(session=session, team_id=team_id, workshop_id=ws.id),
                               number_of=number_of),
        "participants": [{"user": u, "name": person(u), "team": teams.get(u), "external": external(u),
                          "department": dept, "contributions": n} for u, dept, n in contributors],
        "evidence_total": sum(st["evidence_count"] for st in stages),
    }
    # Reviews since the workshop (and the map compared with the latest one's snapshot), and metrics per stage.
    stage_ids = [s.id for s in stage_rows]
    compare.add_reviews(session=session, team_id=team_id, workshop_id=ws.id, data=data, stage_ids=stage_ids,
                        person=person)
    metrics.add_metrics(session=session, team_id=team_id, workshop_id=ws.id, data=data, stage_ids=stage_ids,
                        person=person)
    return data


def _people(contributors, facilitators, actions, tasks, filings=(), owners=()) -> list[str]:
    return sorted({u for u, _, _ in contributors} | set(facilitators) | {a.owner for a in actions}
                  | {t.owner for t in tasks} | {f.filed_by for f in filings}
                  | {f.author for f in filings if f.author} | set(owners))


def people(*, session: Session, team_id: str, workshop_id: int) -> list[str]:
    """Everyone a workshop's map names: who answered, facilitates, or owns an action item, validation task or
    opportunity."""
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    if ws is None:
        return []
    return _people(tally(session=session, ws=ws).contributors,
                   repo.facilitators(session=session, team_id=team_id, workshop_id=ws.id),
                   action_items.of_workshop(session=session, team_id=team_id, workshop_id=ws.id),
                   validation_tasks.of_workshop(session=session, team_id=team_id, workshop_id=ws.id),
                   filed_messages.of_workshop(session=session, team_id=team_id, workshop_id=ws.id),
                   opportunities.owners(session=session, team_id=team_id, workshop_id=ws.id))


def _validation(task, person) -> dict:
    return {
        "task": task.id, "status": task.status, "owner": task.owner, "owner_name": person(task.owner),
        "due": task.due.isoformat(),
        # how many customers: those talked to once answered, else how many the task asks for
        "customers": task.evidence_customers if task.status != "pending" else task.customers,
        "customers_planned": task.customers, "note": task.note, "by": task.answered_by, "at": _iso(task.answered_at),
    }


VALIDATION_WORDS = {"confirmed": "confirmed", "partly": "partly confirmed", "not_confirmed": "not confirmed"}


def validation_text(v: dict | None) -> str:
    """"confirmed by 4 customers", "being checked with 5 customers by Ana (due 2026-12-15)", or ""."""
    if not v:
        return ""
    if v["status"] == "pending":
        return f"being checked with {v['customers']} customers by {v.get('owner_name') or v['owner']} (due {v['due']})"
    count = v.get("customers")
    by = f" by {count} customer{'s' if count != 1 else ''}" if count else ""
    return VALIDATION_WORDS.get(v["status"], v["status"]) + by


def _synthesis(row: Synthesis | None, *, number_of: dict[int, int | None]) -> dict | None:
    """A synthesis as the map shows it: undone merges marked, decisions alongside, pain point numbers beside ids."""
    if row is None:
        return None
    result = SynthesisResult.model_validate_json(row.result)
    undone = set(json.loads(row.undone))
    decisions = json.loads(row.decisions)
    return {
        "id": row.id, "source": row.source, "model": row.model, "prompts": json.loads(row.prompts), "note": row.note,
        "created_at": row.created_at.isoformat().replace("+00:00", "Z"), "created_by": row.created_by,
        "clusters": [{**c.model_dump(), "numbers": [number_of.get(i) for i in c.item_ids], "undone": i in undone}
                     for i, c in enumerate(result.clusters)],
        "stages": [s.model_dump() for s in result.stages],
        "opportunities": [{**o.model_dump(), "decision": decisions.get(f"opportunity:{i}")}
                          for i, o in enumerate(result.opportunities)],
        "action_items": [{**a.model_dump(), "decision": decisions.get(f"action:{i}")}
                         for i, a in enumerate(result.action_items)],
        "validation_guides": [{**g.model_dump(), "number": number_of.get(g.pain_point_id)} for g in result.guides],
    }


def build_channel_map(*, session: Session, team_id: str, channel_id: str) -> dict:
    """The map of a channel's open workshop, else of its latest one."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    return build_map(session=session, team_id=team_id, workshop_id=ws.id)
