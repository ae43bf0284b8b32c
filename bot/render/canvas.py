"""The map as a Slack canvas, in canvas markdown, built from the one map model (bot/journeymap.py build_map).

People's text reads as typed (the report's escaping: no links, images, emphasis, headings; `@` and `#` can't start
a canvas mention because `![](...)` needs `!` and `[`, which are escaped). Only owners are mentions, written by
the bot from their user ids as `![](@U…)`. Links are Slack permalinks the bot got: the latest picture's, filed messages'."""

from __future__ import annotations

import re
from datetime import datetime

from bot.journeymap import ranked_opportunities, validation_text
from bot.render.export import _md, metrics_lines, review_mark, since_review

MAX_PER_LANE = 30  # a canvas is a page people read: a busy lane shows its first items and a count
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _mention(user: str, name: str | None) -> str:
    return f"![](@{user})" if _USER_ID.match(user or "") else _md(name or user, 80)


def _lane(title: str, items: list[dict], line) -> list[str]:
    if not items:
        return []
    out = [f"**{title}**", ""] + [line(i) for i in items[:MAX_PER_LANE]]
    if len(items) > MAX_PER_LANE:
        out.append(f"- …and {len(items) - MAX_PER_LANE} more (`/journey export md` has them all)")
    return out + [""]


def _pain(p: dict) -> str:
    checked = validation_text(p.get("validation"))
    found = len(p.get("evidence") or [])
    return (f"- **#{p['number']}** {_md(p['text'], 300)} · {p['votes']} vote{'s' if p['votes'] != 1 else ''}"
            + (f" · {_md(checked, 120)}" if checked else "")
            + (f" · said {len(p['variants'])} ways" if p.get("variants") else "")
            + (f" · 📎 {found} piece{'s' if found != 1 else ''} of evidence" if found else "") + review_mark(p))


def _quote(e: dict) -> str:
    """A message filed as a quote (or evidence) with "Add to journey map": quoted, who said it, a link to it."""
    who = _md(e.get("author_name") or "someone", 80)
    url = f" · [the message]({e['source_url']})" if e.get("source_url") else ""
    return f"- “{_md(e['text'], 300)}” — {who}{url}"


def _rating(o: dict) -> str:
    rating = (f"value {o['value']} · effort {o['effort']} · score {o['score']:g}" if o.get("score") is not None
              else "not rated yet")
    return rating + (f" · owner {_mention(o['owner'], o.get('owner_name'))}" if o.get("owner") else "")


def _opportunity(o: dict) -> str:
    return f"- **O{o.get('number') or '?'}** {_md(o['text'], 300)} · {_rating(o)}"


def _ranking(data: dict) -> list[str]:
    """The opportunities across stages by value over effort; those not rated yet last, saying so."""
    ranked = ranked_opportunities(data)
    if not ranked:
        return []
    out = ["## Opportunities by value over effort", ""]
    rated = [(o, st) for o, st in ranked if o.get("score") is not None]
    unrated = [(o, st) for o, st in ranked if o.get("score") is None]
    out += [f"{n}. **O{o.get('number') or '?'}** {_md(o['text'], 300)} ({_md(st, 60)}) · {_rating(o)}"
            for n, (o, st) in enumerate(rated[:MAX_PER_LANE], 1)]
    if len(rated) > MAX_PER_LANE:
        out.append(f"- …and {len(rated) - MAX_PER_LANE} more (`/journey opportunities` ranks them all)")
    if unrated:
        out += ["", f"*Not rated yet ({len(unrated)}), so ranked last: `/journey opportunities` rates them.*", ""]
        out += [f"- **O{o.get('number') or '?'}** {_md(o['text'], 300)} ({_md(st, 60)})"
                for o, st in unrated[:MAX_PER_LANE]]
        if len(unrated) > MAX_PER_LANE:
            out.append(f"- …and {len(unrated) - MAX_PER_LANE} more")
    return out + [""]


_PERMALINK = re.compile(r"^https?://[^\s()\[\]<>]+$")


def _spread(emotions: list[dict]) -> str:
    """How the ratings spread over the scale: `2 gave 1 · 3 gave 4` (how many gave each score)."""
    counts = {n: sum(1 for e in emotions if e.get("score") == n) for n in range(1, 6)}
    return " · ".join(f"{c} gave {n}" for n, c in counts.items() if c)


def canvas_markdown(data: dict, *, picture: str | None = None, picture_posted: datetime | None = None,
                    step: str | None = None) -> str:
    """`picture`: the permalink of the map's latest picture in Slack; `step`: the workshop's open step."""
    ws = data["workshop"]
    kind = {"current": "Current-state journey map", "future": "Future-state journey map",
            "blueprint": "Service blueprint"}.get(data["map_type"], "Journey map")
    now = f" · now: {_md(step, 150)}" if step and ws["status"] == "open" else ""
    out = [f"# {_md(ws['title'], 150)}", "", f"*{kind} · workshop #{ws['id']} · {ws['status']}{now}* "
           "· kept up to date by the Journey Workshop bot", ""]
    if picture and _PERMALINK.match(picture):
        when = f" (posted {picture_posted:%-d %b %Y %H:%M} UTC)" if picture_posted else ""
        out += [f"🖼️ [The latest picture of the map]({picture}){when} · `/journey map` draws a new one", ""]
    if data["objectives"]:
        out += ["## Objectives", ""] + [f"- {_md(o['text'])}" for o in data["objectives"]] + [""]
    if data["personas"]:
        out += ["## Personas", ""] + [f"- **{_md(p['name'], 100)}**" + (f": {_md(p['description'], 400)}"
                                                                        if p["description"] else "")
                                      for p in data["personas"]] + [""]
    out += since_review(data)
    out += ["## Stages", ""]
    for n, st in enumerate(data["stages"], 1):
        emo = (f"emotion {st['emotion_average']:.1f}/5, spread ±{st['emotion_spread']:.1f} "
               f"({len(st['emotions'])} rating{'s' if len(st['emotions']) != 1 else ''}: {_spread(st['emotions'])})"
               if st["emotion_average"] is not None else "no emotion ratings yet")
        found = st.get("evidence_count") or 0
        counted = f" · 📎 {found} piece{'s' if found != 1 else ''} of evidence from conversations" if found else ""
        out += [f"### {n}. {_md(st['name'], 100)}", "", f"*{emo}{counted}*", ""] + metrics_lines(st)
        body = (_lane("Touchpoints", st["touchpoints"], lambda i: f"- {_md(i['text'], 300)}")
                + _lane("Pain points", st["pain_points"], _pain)
                + _lane("Opportunities", st["opportunities"], _opportunity)
                + _lane("Customer quotes", st.get("evidence") or [], _quote))
        out += body or ["*Nothing said about this stage yet.*", ""]
    out += _ranking(data)
    items = data["action_items"]
    out += ["## Action items", ""]
    if not items:
        out += ["*None yet: `/journey action @owner <what> due <date>` adds one.*", ""]
    order = {"open": 0, "done": 1, "dropped": 2}
    icon = {"open": "🟡", "done": "✅", "dropped": "⚪"}
    for a in sorted(items, key=lambda a: (order.get(a["status"], 3), a["due"] or "9999", a["id"])):
        pain = f" · for pain point #{a['pain_point_number']}" if a.get("pain_point_number") else ""
        out.append(f"- {icon.get(a['status'], '•')} {_md(a['text'], 300)} · {_mention(a['owner'], a.get('owner_name'))}"
                   f" · {('due ' + a['due']) if a['due'] else 'no due date'} · {a['status']}{pain}")
    return "\n".join(out).rstrip() + "\n"
