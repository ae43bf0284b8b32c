"""The map as data: the `journey-map/1` export contract (schema in schemas/journey-map-1.schema.json)."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

from sqlmodel import Session

from bot.followups import action_items_export, validations_by_pain_point
from bot.storage import repo
from bot.storage.models import Item, ItemKind
from bot.synthesis.store import latest_for_export
from bot.templates import load_templates
from bot.voting import rank_pain_points, vote_counts
from bot.workshop.access import Refusal, require_latest
from bot.workshop.status import emotion_average, emotion_spread, tally

SCHEMA = "journey-map/1"


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _item(i: Item, teams: dict[str, str]) -> dict:
    return {"id": i.id, "text": i.text, "author": i.author, "author_team": teams.get(i.author),
            "department": i.department, "created_at": _iso(i.created_at)}


def build_export(*, session: Session, team_id: str, workshop_id: int) -> dict:
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    if ws is None:
        raise Refusal(f"There's no workshop {workshop_id} in this workspace.")
    items = repo.items(session=session, team_id=team_id, workshop_id=ws.id)
    emotions = repo.emotions(session=session, team_id=team_id, workshop_id=ws.id)
    votes = vote_counts(session=session, team_id=team_id, workshop_id=ws.id)
    validations = validations_by_pain_point(session=session, team_id=team_id, workshop_id=ws.id)
    # Each person's own workspace: in a Slack Connect channel some answer from a partner organisation.
    counted = tally(session=session, ws=ws)
    teams = repo.author_teams(session=session, team_id=team_id, workshop_id=ws.id, users=list(counted.per_user))

    def of(kind: str, stage_id: int | None = None) -> list[dict]:
        return [_item(i, teams) for i in items if i.kind == kind and (stage_id is None or i.stage_id == stage_id)]

    stages = []
    for s in repo.stages(session=session, team_id=team_id, workshop_id=ws.id):
        rated = [e for e in emotions if e.stage_id == s.id]
        scores = [e.score for e in rated]
        pains = rank_pain_points([i for i in items if i.stage_id == s.id], votes)
        stages.append(
            {
                "name": s.name,
                "position": s.position,
                "touchpoints": of(ItemKind.TOUCHPOINT, s.id),
                "pain_points": [{**_item(i, teams), "votes": votes.get(i.id, 0), "source_item_id": i.source_item_id,
                                 **({"validation": validations[i.id]} if i.id in validations else {})}
                                for i in pains],
                "opportunities": of(ItemKind.OPPORTUNITY, s.id),
                "frontstage": of(ItemKind.FRONTSTAGE, s.id),
                "backstage": of(ItemKind.BACKSTAGE, s.id),
                "unsorted": of(ItemKind.UNSORTED, s.id),
                "emotions": [
                    {"user": e.user_id, "department": e.department, "score": e.score, "note": e.note} for e in rated
                ],
                "emotion_average": emotion_average(scores),
                "emotion_spread": emotion_spread(scores),
            }
        )

    # From outside: another workspace than the installation's. (An org-wide install's data is kept under the
    # organisation, whose own workspaces can't be told from a partner's here: none is marked.)
    participants = [{"user": u, "name": None, "team": teams.get(u),
                     "external": not ws.team_id.startswith("E") and teams.get(u, ws.team_id) != ws.team_id,
                     "department": dept, "contributions": n}
                    for u, dept, n in sorted(counted.contributors, key=lambda c: (-c[2], c[0]))]

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
        "map_type": ws.map_type,
        "template": ws.template,
        "future_of": ws.future_of,
        "objectives": of(ItemKind.OBJECTIVE),
        "personas": [
            {"id": i.id, "name": i.text, "description": i.detail or "", "author": i.author, "department": i.department}
            for i in items
            if i.kind == ItemKind.PERSONA
        ],
        "stage_suggestions": of(ItemKind.STAGE_SUGGESTION),
        "stages": stages,
        "action_items": action_items_export(session=session, team_id=team_id, workshop_id=ws.id),
        "synthesis": latest_for_export(session=session, team_id=team_id, workshop_id=ws.id),
        "participants": participants,
    }


def build_channel_export(*, session: Session, team_id: str, channel_id: str) -> dict:
    """The export of a channel's open workshop, else of its latest one."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    return build_export(session=session, team_id=team_id, workshop_id=ws.id)


def export_json(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def export_filename(data: dict, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", data["workshop"]["title"].lower()).strip("-")[:40] or "workshop"
    return f"journey-map-{data['workshop']['id']}-{slug}.{ext}"


# --- CSV: one row per item, for spreadsheets ----------------------------------------------------------------

CSV_COLUMNS = ["id", "stage", "lane", "text", "author", "department", "votes", "score", "created_at", "author_team"]
_LANES = [("touchpoints", "touchpoint"), ("pain_points", "pain point"), ("opportunities", "opportunity"),
          ("frontstage", "frontstage"), ("backstage", "backstage"), ("unsorted", "unsorted")]


def _cell(value: object) -> object:
    """Spreadsheets run a cell that starts with = + - @ as a formula: quote such text (OWASP's CSV advice)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_csv(data: dict) -> bytes:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)

    def row(item: dict | None, stage: str, lane: str, **extra) -> None:
        base = {"stage": stage, "lane": lane, **(item or {}), **extra}
        w.writerow([_cell(base.get(c, "")) if base.get(c) is not None else "" for c in CSV_COLUMNS])

    for o in data["objectives"]:
        row(o, "", "objective")
    for p in data["personas"]:
        text = p["name"] + (f": {p['description']}" if p["description"] else "")
        row({**p, "text": text, "created_at": ""}, "", "persona")
    for st in data["stages"]:
        for key, lane in _LANES:
            for i in st.get(key, []):
                row(i, st["name"], lane)
        for e in st["emotions"]:
            row({"text": e["note"] or "", "author": e["user"], "department": e["department"]}, st["name"], "emotion",
                score=e["score"])
    # utf-8-sig: Excel then opens accented and non-Latin text correctly.
    return out.getvalue().encode("utf-8-sig")


# --- Markdown: a readable report with a Mermaid journey diagram -------------------------------------------------

_MERMAID_KEYWORDS = ("journey", "title", "section", "acctitle", "accdescr")


def _mermaid_text(text: str, limit: int = 60) -> str:
    """Text safe inside Mermaid's journey syntax: no # : ; % or line breaks (its structure), no < > & (Mermaid
    draws labels as HTML), no backticks (they'd close the report's code fence), and not starting with a keyword."""
    from bot.text import plain, shorten

    clean = re.sub(r"[#:;%\n\r<>&`]+", " ", plain(text))
    clean = shorten(clean, limit) or "(untitled)"
    if clean.lower().startswith(_MERMAID_KEYWORDS):
        clean = "– " + clean
    return clean


def mermaid_journey(data: dict) -> str:
    """Sections are stages, tasks are touchpoints, scores come from the stage's emotion ratings (3 when unrated)."""
    lines = ["journey", f"    title {_mermaid_text(data['workshop']['title'], 100)}"]
    for st in data["stages"]:
        score = round(st["emotion_average"]) if st["emotion_average"] is not None else 3
        lines.append(f"    section {_mermaid_text(st['name'])}")
        tasks = st["touchpoints"] or [{"text": "no touchpoints yet", "department": None}]
        for tp in tasks:
            actor = _mermaid_text(tp.get("department") or "Customer", 30).replace(",", " ")
            lines.append(f"        {_mermaid_text(tp['text'])}: {score}: {actor}")
    return "\n".join(lines)


# Markdown's inline syntax: links and images need [ ] (and !), emphasis * _ ~, code `, tables |, escapes \\.
_MD_INLINE = re.compile(r"([\\`*_\[\]!~|])")


def _md(text: str | None, limit: int = 500) -> str:
    """People's (or a model's) text in the report, read as typed and never as Markdown or HTML: no links or
    images, no raw HTML, no emphasis or code, no pipes or line breaks that would break a table, and nothing that
    starts a heading or a list."""
    from bot.text import plain, shorten

    t = shorten(plain(text or ""), limit)
    t = t.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    t = _MD_INLINE.sub(r"\\\1", t)
    return "\\" + t if t[:1] in ("#", "+", "-", "=") else t


def export_markdown(data: dict) -> bytes:
    ws = data["workshop"]
    kind = {"current": "Current-state journey map", "future": "Future-state journey map",
            "blueprint": "Service blueprint"}.get(data["map_type"], "Journey map")
    future = f" · improves on workshop #{data['future_of']}" if data.get("future_of") else ""
    template = load_templates().get(ws["template"])
    template_name = template.name if template else ws["template"]
    out = [f"# {_md(ws['title'], 150)}", "",
           f"*{kind} · {_md(template_name, 60)} · workshop #{ws['id']} · {ws['status']}{future}*", ""]
    if data["objectives"]:
        out += ["## Objectives", ""] + [f"- {_md(o['text'])}" for o in data["objectives"]] + [""]
    if data["personas"]:
        out += ["## Personas", ""]
        out += [f"- **{_md(p['name'], 100)}**" + (f": {_md(p['description'])}" if p["description"] else "")
                for p in data["personas"]] + [""]
    out += ["## The journey at a glance", "", "```mermaid", mermaid_journey(data), "```", ""]
    out += ["## Stages", ""]
    for n, st in enumerate(data["stages"], 1):
        emo = (f"emotion {st['emotion_average']:.1f}/5, spread ±{st['emotion_spread']:.1f} "
               f"({len(st['emotions'])} ratings)" if st["emotion_average"] is not None else "no emotion ratings")
        out += [f"### {n}. {_md(st['name'], 100)}", "", f"*{emo}*", ""]
        rows = [(lane, i) for key, lane in _LANES for i in st.get(key, [])]
        if not rows:
            out += ["*Nothing was said about this stage.*", ""]
            continue
        out += ["| Lane | Item | Votes | Department |", "| --- | --- | ---: | --- |"]
        for lane, i in rows:
            votes = str(i["votes"]) if "votes" in i else ""
            out.append(f"| {lane} | {_md(i['text'])} | {votes} | {_md(i['department'] or '—', 60)} |")
        out.append("")
    syn = data.get("synthesis")
    if syn:
        made = f"the model {_md(syn['model'], 60)}" if syn["source"] == "model" else "the basic synthesis (no model)"
        out += ["## Synthesis", "", f"*Made by {made}; prompts {_md(', '.join(syn['prompts']), 300)}.*", ""]
        merged = [c for c in syn["clusters"] if not c["undone"]]
        if merged:
            out += ["### Duplicate pain points merged", ""]
            out += [f"- **{_md(c['statement'], 200)}** ({len(c['item_ids'])} lines: "
                    + ", ".join(f"#{i}" for i in c["item_ids"]) + ")" for c in merged] + [""]
        if syn["stages"]:
            out += ["### Stage by stage", ""]
            for s_ in syn["stages"]:
                out.append(f"- **{_md(s_['stage'], 60)}**: {_md(s_['summary'], 600)}"
                           + (f" *Departments disagree: {_md(s_['disagreement'], 200)}*" if s_["disagreement"] else ""))
            out.append("")
        ideas = [o for o in syn["opportunities"] if o.get("decision") != "dismissed"]
        if ideas:
            out += ["### How might we…", ""] + [f"- {_md(o['how_might_we'], 300)}" for o in ideas] + [""]
        for g in syn["validation_guides"]:
            out += [f"### Interview guide for pain point #{g['pain_point_id']}", ""]
            out += [f"{n}. {_md(q, 300)}" for n, q in enumerate(g["questions"], 1)] + [""]
    if data["participants"]:
        out += ["## Participants", "", "| Person | Workspace | Department | Contributions |", "| --- | --- | --- | ---: |"]
        out += [f"| {_md(p.get('name') or p['user'], 80)}{' (' + p['user'] + ')' if p.get('name') else ''} | "
                f"{_md(p.get('team') or '—', 40)}{' (partner)' if p.get('external') else ''} | "
                f"{_md(p['department'] or '—', 60)} | {p['contributions']} |" for p in data["participants"]]
        out.append("")
    return "\n".join(out).encode("utf-8")


EXPORTERS = {"json": export_json, "csv": export_csv, "md": export_markdown}
