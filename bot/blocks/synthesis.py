"""Pure builders for the synthesis message."""

from __future__ import annotations

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import context, header, message, note, plural, section
from bot.synthesis.store import SynthesisView

MAX_CLUSTERS, MAX_SUGGESTIONS, MAX_GUIDES = 10, 4, 3


def build_working(title: str) -> dict:
    return note(f"🧠 Working on the synthesis of *{t.show(title, 100)}*: merging duplicate pain points, summarising "
                "each stage, drafting ideas and interview guides. This message will show the result.")


def _button(action_id: str, label: str, value: str, style: str | None = None) -> dict:
    b = {"type": "button", "action_id": action_id, "text": {"type": "plain_text", "text": label}, "value": value}
    if style:
        b["style"] = style
    return b


def build_synthesis(v: SynthesisView) -> dict:
    r = v.result
    made_by = f"the model `{t.show(r.model or '', 40)}`" if r.source == "model" else "the basic synthesis (no model)"
    blocks = [header(f"🧠 Synthesis: {t.show_plain(v.title, 100)}"),
              context(f"Made by {made_by} · prompts {', '.join(t.show(p, 40) for p in r.prompts) or '—'}")]
    if r.note:
        blocks.append(context(f"ℹ️ {t.show(r.note, 400)}"))

    if r.clusters:
        blocks.append(section(f"*Duplicate pain points merged ({len(r.clusters)})*: the map, the ballot and the "
                               "exports show each once. Nothing was deleted; *Undo* gives each its own place again"))
        for i, c in enumerate(r.clusters[:MAX_CLUSTERS]):
            members = [v.pains.get(item) for item in c.item_ids]
            depts = sorted({m[1] for m in members if m and m[1]})
            lines = "\n".join(f"  › #{m[3]} {t.show(m[0], 120)}" for m in members[:4] if m)
            undone = i in v.undone
            head = f"~{t.show(c.statement, 200)}~ _(undone)_" if undone else f"*{t.show(c.statement, 200)}*"
            blocks.append({
                "type": "section",
                "text": {"type": "mrkdwn", "text": t.fit(f"{head} ×{len(c.item_ids)}"
                                                         f"{' · ' + ', '.join(t.show(d, 30) for d in depts) if depts else ''}\n{lines}")},
                "accessory": _button(ids.SYNTH_UNDO, "Merge again" if undone else "Undo", f"{v.id}:{i}"),
            })
        if len(r.clusters) > MAX_CLUSTERS:
            blocks.append(context(f"+{len(r.clusters) - MAX_CLUSTERS} more merges in `/journey export json`"))
    else:
        blocks.append(section("*No duplicate pain points* found."))

    stage_lines = [f"*{t.show(s.stage, 60)}*: {t.show(s.summary, 500)}"
                   + (f"\n      ⚖️ _{t.show(s.disagreement, 200)}_" if s.disagreement else "") for s in r.stages]
    if stage_lines:
        blocks.append(section("*Stage by stage*\n" + "\n".join(stage_lines)))
    suggestions = [("opportunity", i, "💡 *How might we*", o.how_might_we) for i, o in enumerate(r.opportunities)]
    suggestions += [("action", i, "📝 *Draft action item*", a.text) for i, a in enumerate(r.action_items)]
    for kind, i, label, text in [s_ for s_ in suggestions if s_[0] == "opportunity"][:MAX_SUGGESTIONS] + \
            [s_ for s_ in suggestions if s_[0] == "action"][:MAX_SUGGESTIONS]:
        decided = v.decisions.get(f"{kind}:{i}")
        if decided:
            blocks.append(context(f"{'✅ Accepted' if decided == 'accepted' else '✖️ Dismissed'}: {t.show(text, 200)}"))
            continue
        blocks.append(section(f"{label}: {t.show(text, 250)}"))
        blocks.append({"type": "actions", "block_id": f"synth_{kind}:{v.id}:{i}", "elements": [
            _button(ids.SYNTH_ACCEPT, "Accept…", f"{v.id}:{kind}:{i}", "primary"),
            _button(ids.SYNTH_DISMISS, "Dismiss", f"{v.id}:{kind}:{i}")]})
    for g in r.guides[:MAX_GUIDES]:
        pain, _, _, number = v.pains.get(g.pain_point_id, ("", None, "", None))
        questions = "\n".join(f"{n}. {t.show(q, 200)}" for n, q in enumerate(g.questions, 1))
        blocks.append(section(f"🔎 *Interview guide* for #{number or '?'} {t.show(pain, 120)}\n{questions}"))
    blocks.append(context(f"{plural(len(r.clusters), 'merge')} · {plural(len(r.opportunities), 'idea')} · "
                           "`/journey export json` has the whole synthesis; `/journey validate` turns the top pain "
                           "points into interviews."))
    return message(f"Synthesis of {t.show(v.title, 100)}", blocks[: limits.MESSAGE_BLOCKS])


def build_ai_switched(enabled: bool) -> dict:
    """`/journey ai on|off`."""
    if enabled:
        return note("AI is on for this workshop: `/journey synthesize` uses the model (when one is configured) and "
                    "unprefixed lines are sorted by it.")
    return note("AI is off for this workshop: nothing of it is sent to a model; `/journey synthesize` gives the "
                "basic synthesis.")
