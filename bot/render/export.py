"""The map's files: JSON (the `journey-map/1` contract, schemas/journey-map-1.schema.json), CSV for spreadsheets,
and a Markdown report with a Mermaid diagram. Each is made from the one map model (bot/journeymap.py)."""

from __future__ import annotations

import csv
import io
import json
import re

from bot.journeymap import ranked_opportunities, ranked_pain_points, validation_text
from bot.templates import load_templates


def export_json(data: dict) -> bytes:
    return json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")


def export_filename(data: dict, ext: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", data["workshop"]["title"].lower()).strip("-")[:40] or "workshop"
    return f"journey-map-{data['workshop']['id']}-{slug}.{ext}"


# --- CSV: one row per item, for spreadsheets ----------------------------------------------------------------

CSV_COLUMNS = ["id", "stage", "lane", "text", "author", "department", "votes", "score", "created_at", "number",
               "author_name", "merged_into", "author_team",
               "value", "effort", "value_over_effort", "owner", "owner_name"]  # columns are only ever added, at the end
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
                if key == "opportunities":  # `score` is an emotion row's; an opportunity's is value over effort
                    row({**i, "score": None}, st["name"], lane, value_over_effort=i.get("score"))
                    continue
                row(i, st["name"], lane)
                for v in i.get("variants", []):  # what each person said, beside the merged statement
                    row({**v, "created_at": ""}, st["name"], "pain point variant", merged_into=i["number"])
        for e in st["emotions"]:
            row({"text": e["note"] or "", "author": e["user"], "author_name": e.get("user_name"),
                 "department": e["department"]}, st["name"], "emotion", score=e["score"])
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


def _who(name: str | None, department: str | None) -> str:
    return _md(name or "someone", 80) + (f" ({_md(department, 40)})" if department else "")


TOP_IN_REPORT = 10


def export_markdown(data: dict) -> bytes:
    """A report for stakeholders: names, not ids; the top pain points across stages with their votes,
    departments, validation and actions; action items; emotion notes as quotes; personas as cards."""
    ws = data["workshop"]
    kind = {"current": "Current-state journey map", "future": "Future-state journey map",
            "blueprint": "Service blueprint"}.get(data["map_type"], "Journey map")
    future = f" · improves on workshop #{data['future_of']}" if data.get("future_of") else ""
    template = load_templates().get(ws["template"])
    template_name = template.name if template else ws["template"]
    out = [f"# {_md(ws['title'], 150)}", "",
           f"*{kind} · {_md(template_name, 60)} · workshop #{ws['id']} · {ws['status']}{future}*", ""]
    people = data["participants"]
    departments = sorted({p["department"] for p in people if p["department"]}, key=str.casefold)
    facilitated = ", ".join(_md(n, 80) for n in ws.get("facilitator_names") or ws["facilitators"])
    out += [f"Facilitated by {facilitated or '—'}; {len(people)} participant{'s' if len(people) != 1 else ''}"
            + (f" from {', '.join(_md(d, 40) for d in departments)}" if departments else "") + ".", ""]
    if data["objectives"]:
        out += ["## Objectives", ""] + [f"- {_md(o['text'])}" for o in data["objectives"]] + [""]
    if data["personas"]:
        out += ["## Personas", ""]
        for p in data["personas"]:
            out += [f"### {_md(p['name'], 100)}", ""]
            if p["description"]:
                out += [f"> {_md(p['description'], 600)}", ""]
            out += [f"*Described by {_who(p.get('author_name'), p['department'])}*", ""]
    out += ["## The journey at a glance", "", "```mermaid", mermaid_journey(data), "```", ""]
    out += since_review(data)
    out += _top_pain_points(data)
    out += _opportunities(data)
    out += ["## Stages", ""]
    for n, st in enumerate(data["stages"], 1):
        emo = (f"emotion {st['emotion_average']:.1f}/5, spread ±{st['emotion_spread']:.1f} "
               f"({len(st['emotions'])} rating{'s' if len(st['emotions']) != 1 else ''})" if st["emotion_average"] is not None
               else "no emotion ratings")
        out += [f"### {n}. {_md(st['name'], 100)}", "", f"*{emo}*", ""] + metrics_lines(st)
        rows = [(lane, i) for key, lane in _LANES for i in st.get(key, [])]
        if rows:
            out += ["| Lane | # | Item | Votes | Who |", "| --- | ---: | --- | ---: | --- |"]
            for lane, i in rows:
                votes = str(i["votes"]) if "votes" in i else ""
                number = (f"O{i['number']}" if lane == "opportunity" else f"#{i['number']}") if i.get("number") else ""
                who = ", ".join(_md(d, 40) for d in i["departments"]) if i.get("variants") else _who(
                    i.get("author_name"), i["department"])
                source = f" ([the message]({i['source']['url']}))" if (i.get("source") or {}).get("url") else ""
                out.append(f"| {lane} | {number} | {_md(i['text'])}{source}{review_mark(i)} | {votes} | {who or '—'} |")
            out.append("")
        else:
            out += ["*Nothing was said about this stage.*", ""]
        notes = [e for e in st["emotions"] if e.get("note")]
        if notes:
            out += [f"> “{_md(e['note'], 300)}” — {_who(e.get('user_name'), e['department'])}, {e['score']}/5"
                    for e in notes]
            out.append("")
    out += _evidence(data)
    out += _action_items(data)
    out += _metrics_history(data) + _reviews_history(data)
    syn = data.get("synthesis")
    if syn:
        made = f"the model {_md(syn['model'], 60)}" if syn["source"] == "model" else "the basic synthesis (no model)"
        out += ["## Synthesis", "", f"*Made by {made}; prompts {_md(', '.join(syn['prompts']), 300)}.*", ""]
        merged = [c for c in syn["clusters"] if not c["undone"]]
        if merged:
            out += ["### Duplicate pain points merged", ""]
            out += [f"- **{_md(c['statement'], 200)}** (" + ", ".join(f"#{n}" for n in c.get("numbers") or [] if n)
                    + ")" for c in merged] + [""]
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
            out += [f"### Interview guide for pain point #{g.get('number') or '?'}", ""]
            out += [f"{n}. {_md(q, 300)}" for n, q in enumerate(g["questions"], 1)] + [""]
    if people:
        partners = any(p.get("external") for p in people)  # a Slack Connect workshop says who came from where
        out += ["## Participants", ""] + (
            ["| Person | Workspace | Department | Contributions |", "| --- | --- | --- | ---: |"] if partners else
            ["| Person | Department | Contributions |", "| --- | --- | ---: |"])
        out += [f"| {_md(p.get('name') or p['user'], 80)} | "
                + (f"{_md(p.get('team') or '—', 40)}{' (partner)' if p.get('external') else ''} | " if partners else "")
                + f"{_md(p['department'] or '—', 60)} | {p['contributions']} |" for p in people]
        out.append("")
    return "\n".join(out).encode("utf-8")


def _top_pain_points(data: dict) -> list[str]:
    ranked = ranked_pain_points(data)[:TOP_IN_REPORT]
    if not ranked:
        return []
    out = ["## Top pain points", "", "| # | Pain point | Stage | Votes | Raised by | Customers | Actions |",
           "| ---: | --- | --- | ---: | --- | --- | --- |"]
    owners = {a["id"]: a for a in data["action_items"]}
    for p, stage in ranked:
        raised = ", ".join(_md(d, 40) for d in p["departments"]) or _md(p.get("author_name"), 80)
        said = f" (said {len(p['variants'])} ways)" if p.get("variants") else ""
        acts = "; ".join(f"{_md(owners[a]['owner_name'], 60)}: {_md(owners[a]['text'], 100)} ({owners[a]['status']})"
                         for a in p["actions"] if a in owners)
        out.append(f"| {p['number'] or ''} | {_md(p['text'], 300)}{said} | {_md(stage, 60)} | {p['votes']} | "
                   f"{raised or '—'} | {_md(validation_text(p.get('validation')), 120) or '—'} | {acts or '—'} |")
    out.append("")
    for p, _ in ranked:
        for v in p.get("variants", []):
            out.append(f"- #{p['number']} as {_who(v['author_name'], v['department'])} put it (#{v['number']}): "
                       f"“{_md(v['text'], 300)}”")
        if p.get("validation", {}).get("note"):
            out.append(f"- #{p['number']}, what customers said: “{_md(p['validation']['note'], 500)}”")
    if out[-1] != "":
        out.append("")
    return out


def _opportunities(data: dict) -> list[str]:
    """Every opportunity, ranked by value over effort; those not rated yet last, saying so."""
    ranked = ranked_opportunities(data)
    if not ranked:
        return []
    rated = sum(1 for o, _ in ranked if o.get("score") is not None)
    out = ["## Opportunities", "", f"Ranked by value over effort (each rated 1–5): {rated} of {len(ranked)} rated."
           + (" Those not rated yet (no value or no effort) can't be ranked and come last." if rated < len(ranked)
              else ""), "", "| Rank | # | Opportunity | Stage | Value | Effort | Value / effort | Owner |",
           "| ---: | ---: | --- | --- | ---: | ---: | ---: | --- |"]
    for o, stage in ranked:
        owner = _md(o.get("owner_name") or o.get("owner"), 80) if o.get("owner") else "—"
        rank, score = (o["rank"], f"{o['score']:g}") if o.get("score") is not None else ("—", "not rated yet")
        out.append(f"| {rank or '—'} | O{o.get('number') or '?'} | {_md(o['text'], 300)} | {_md(stage, 60)} | "
                   f"{o.get('value') or '—'} | {o.get('effort') or '—'} | {score} | {owner} |")
    return out + [""]


def _evidence(data: dict) -> list[str]:
    """Messages filed with "Add to journey map" as evidence or quotes: per pain point, then per stage, each quoted
    with who wrote it, who filed it and a link to it."""
    total = data.get("evidence_total") or 0
    if not total:
        return []
    out = ["## Evidence from conversations", "",
           f"*{total} piece{'s' if total != 1 else ''} of evidence filed from Slack messages.*", ""]

    def quote(e: dict) -> str:
        url = f" · [the message]({e['source_url']})" if e.get("source_url") else ""
        return (f"> “{_md(e['text'], 1000)}” — {_md(e.get('author_name') or 'someone', 80)}, filed by "
                f"{_md(e.get('filed_by_name') or e['filed_by'], 80)}{url}")

    for st in data["stages"]:
        for p in st["pain_points"]:
            if p.get("evidence"):
                out += [f"### #{p['number']} {_md(p['text'], 200)} ({_md(st['name'], 60)})", ""]
                for e in p["evidence"]:
                    out += [quote(e), ""]
        if st.get("evidence"):
            out += [f"### {_md(st['name'], 100)}: customer quotes", ""]
            for e in st["evidence"]:
                out += [quote(e), ""]
    return out


def _action_items(data: dict) -> list[str]:
    items = data["action_items"]
    if not items:
        return []
    out = ["## Action items", "", "| Owner | Action | Due | Status | Pain point |", "| --- | --- | --- | --- | ---: |"]
    order = {"open": 0, "done": 1, "dropped": 2}
    for a in sorted(items, key=lambda a: (order.get(a["status"], 3), a["due"] or "9999", a["id"])):
        pain = f"#{a['pain_point_number']}" if a.get("pain_point_number") else "—"
        out.append(f"| {_md(a.get('owner_name') or a['owner'], 80)} | {_md(a['text'], 300)} | {a['due'] or '—'} | "
                   f"{a['status']} | {pain} |")
    return out + [""]


# --- Reviews and metrics: shared by the report and the canvas ----------------------------------------------------


def metrics_lines(stage: dict) -> list[str]:
    """A stage's latest figures, each with the one before the latest snapshot: "*Metrics:* NPS 32 (was 25)"."""
    shown = [f"{_md(m['name'], 40)} {_md(m['text'], 30)}"
             + (f" (was {_md(m['previous']['text'], 30)})" if m.get("previous") else "")
             for m in stage.get("metrics") or []]
    return [f"*Metrics:* {' · '.join(shown)}", ""] if shown else []


def review_mark(pain: dict) -> str:
    """" · review #2: resolved" on a pain point the latest review answered about."""
    from bot.reviews.compare import outcome_text

    r = pain.get("review")
    return f" · review #{r['review']}: {outcome_text(r['outcome'], r['tied'], r['counts'])}" if r else ""


def since_review(data: dict) -> list[str]:
    """What the latest closed review found, against the map as it stood when it opened: each stage's emotion then
    and now, what was resolved, still there or got worse, what is new, which action items were done since."""
    prev = data.get("previous")
    if not prev:
        return []
    out = ["## Since the last review", "",
           f"*Review #{prev['review']} compared the map with how it stood on {prev['date']}.*", ""]
    then = {s["position"]: s for s in prev["stages"]}
    for st in data["stages"]:
        before = (then.get(st["position"]) or {}).get("emotion_average")
        now = st["emotion_average"]
        out.append(f"- {_md(st['name'], 100)}: emotion {f'{before:.1f}' if before is not None else 'unrated'} → "
                   f"{f'{now:.1f}' if now is not None else 'unrated'}")
    out.append("")
    for key, title in (("resolved", "Resolved"), ("worse", "Worse"), ("still", "Still there"),
                       ("new", f"New since {prev['date']}")):
        if prev.get(key):
            out += [f"**{title}** ({len(prev[key])})", ""] + [
                f"- #{p['number']} {_md(p['text'], 300)} ({_md(p['stage'], 60)})" for p in prev[key]] + [""]
    if prev.get("actions_done"):
        out += [f"**Action items done since {prev['date']}** ({len(prev['actions_done'])})", ""] + [
            f"- {_md(a['text'], 300)} ({_md(a.get('owner_name') or a['owner'], 80)})" for a in prev["actions_done"]]
        out.append("")
    return out


def _metrics_history(data: dict) -> list[str]:
    rows = data.get("metrics") or []
    if not rows:
        return []
    out = ["## Metrics", "", "| Stage | Metric | Value | Period | Recorded by | When |",
           "| --- | --- | ---: | --- | --- | --- |"]
    for m in rows:
        period = f"until review #{m['period']}" if m["period"] else "current"
        out.append(f"| {_md(m['stage'] or '—', 60)} | {_md(m['name'], 40)} | {_md(m['text'], 30)} | {period} | "
                   f"{_md(m.get('by_name') or m['by'], 80)} | {m['at'][:10]} |")
    return out + [""]


def _reviews_history(data: dict) -> list[str]:
    reviews = data.get("reviews") or []
    if not reviews:
        return []
    out = ["## Reviews", "", "| Review | Opened | Closed | People | Resolved | Still there | Worse | Tied |",
           "| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in reviews:
        said = [p["outcome"] for p in r["pain_points"]]
        out.append(f"| #{r['number']} | {r['opened_at'][:10]} by {_md(r.get('opened_by_name') or r['opened_by'], 80)} | "
                   f"{(r['closed_at'] or '')[:10] or 'open'} | {r['people']} | {said.count('resolved')} | "
                   f"{said.count('still')} | {said.count('worse')} | {said.count('tie')} |")
    return out + [""]


EXPORTERS = {"json": export_json, "csv": export_csv, "md": export_markdown}
