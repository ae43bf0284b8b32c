"""Pure builders for reviews of a map: the review's pages in the channel (re-rate each stage, say of each pain
point whether it is resolved, still there or worse), what each person hears when they answer, the form to add a
pain point, and what the channel is told when the review closes."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import EMOTION_FACES, context, header, message, note, plural, section
from bot.reviews.compare import OUTCOMES, outcome_text
from bot.reviews.rules import Answered, Closed, Opened, PainRow, ReviewPage, StageRow

MARKS = {"resolved": "✅ Resolved", "still": "⏳ Still there", "worse": "📉 Worse"}
LISTED = 15  # pain points or action items named per section of the closing message; the rest counted


def _was(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "unrated"


def _stage_line(r: StageRow, closed: bool) -> str:
    spread = f" ±{r.spread_before:.1f}" if r.spread_before else ""
    now = (f"now *{r.average:.1f}* ({plural(r.ratings, 'rating')})" if r.average is not None
           else "no new ratings" if closed else "not rated again yet")
    return f"*{r.position + 1}. {t.show(r.name, 80)}* · was {_was(r.before)}{spread} · {now}"


def _pain_line(r: PainRow, closed: bool) -> str:
    last = f" · last review: {outcome_text(r.status)}" if r.status != "open" else ""
    so_far = " · ".join(f"{r.counts[o]} {OUTCOMES[o]}" for o in OUTCOMES if r.counts.get(o))
    if closed:
        verdict = f"→ *{outcome_text(r.outcome, r.tied)}*" + (f" ({so_far})" if so_far else "")
    else:
        verdict = so_far or "no answers yet"
    return f"*#{r.number}* {t.show(r.text, 300)} _({t.show(r.stage, 60)})_{last}\n{verdict}"


def _rate_buttons(p: ReviewPage, r: StageRow) -> dict:
    return {"type": "actions", "block_id": f"review_rate:{r.stage_id}", "elements": [
        {"type": "button", "action_id": f"{ids.REVIEW_RATE}_{score}", "value": f"{p.review_id}:{r.stage_id}",
         "text": {"type": "plain_text", "text": f"{score} {face}", "emoji": True}}
        for score, face in EMOTION_FACES.items()]}


def _mark_buttons(p: ReviewPage, r: PainRow) -> dict:
    return {"type": "actions", "block_id": f"review_mark:{r.number}", "elements": [
        {"type": "button", "action_id": f"{ids.REVIEW_MARK}_{outcome}", "value": f"{p.review_id}:{r.number}",
         "text": {"type": "plain_text", "text": label, "emoji": True}} for outcome, label in MARKS.items()]}


def build_review_page(p: ReviewPage) -> dict:
    """One message of a review: open, with its buttons; closed, with what it came to."""
    part = f" ({p.page + 1}/{p.pages})" if p.pages > 1 else ""
    head = f"🔁 Review #{p.number} of {t.show_plain(p.title, 100)}{part}" + (" (closed)" if p.closed else "")
    blocks = [header(head)]
    if p.page == 0:
        if p.closed:
            blocks.append(section(f"🔒 *This review is closed.* The map now compares with how it stood on {p.since}: "
                                  "`/journey map`, `/journey canvas` and `/journey export md` show what changed."))
        else:
            intro = section(f"Does the map still match what customers go through? It stood like this on {p.since}. "
                            "*Rate each stage again* (1 = very negative, 5 = very positive) and *say of each pain "
                            "point* whether it is resolved, still there or worse: one answer each, click again to "
                            "change it. Something new? *Add a pain point*. A facilitator ends the review with "
                            "`/journey review close`.")
            intro["accessory"] = {"type": "button", "action_id": ids.REVIEW_ADD_PAIN, "value": str(p.review_id),
                                  "text": {"type": "plain_text", "text": "Add a pain point"}}
            blocks.append(intro)
    for r in p.stages:
        blocks.append(section(_stage_line(r, p.closed)))
        if not p.closed:
            blocks.append(_rate_buttons(p, r))
    if p.pains and (p.stages or p.page == 0):
        blocks.append(section("*Pain points*: resolved, still there or worse?" if not p.closed else "*Pain points*"))
    for r in p.pains:
        blocks.append(section(_pain_line(r, p.closed)))
        if not p.closed:
            blocks.append(_mark_buttons(p, r))
    if not p.stages and not p.pains:
        blocks.append(section("_This map has no stages or pain points to review._"))
    blocks.append(context(f"Review #{p.number} · {plural(p.people, 'person', 'people')} answered so far"
                          if not p.closed else f"Review #{p.number} · {plural(p.people, 'person', 'people')} answered"))
    return message(f"Review #{p.number} of {t.show(p.title, 100)}{part}" + (" (closed)" if p.closed else ""),
                   blocks[: limits.MESSAGE_BLOCKS])


def build_review_opened(o: Opened) -> dict:
    return note(f"🔁 Review #{o.number} of *{t.show(o.title, 100)}* is open in <#{o.channel_id}>: the map as it "
                "stands is kept to compare with. `/journey review close` ends it.")


def build_answered(a: Answered) -> dict:
    changed = f" (was {a.before})" if a.before and a.before != a.said else ""
    return note(f"Review #{a.number}: *{t.show(a.what, 200)}* → *{a.said}*{changed}. So far: {a.so_far}.")


def build_pain_added(number: int, text: str, stage: str) -> dict:
    return note(f"Added pain point *#{number}* to *{t.show(stage, 60)}*: {t.show(text, 300)}. It shows as new when "
                "the review closes.")


def build_add_pain_modal(*, review_id: int, channel_id: str, stages: list[tuple[int, str]]) -> dict:
    options = [{"text": {"type": "plain_text", "text": t.shorten(t.plain(name), limits.OPTION_TEXT) or "—"},
                "value": str(sid)} for sid, name in stages[: limits.SELECT_OPTIONS]]
    return {
        "type": "modal", "callback_id": ids.REVIEW_PAIN_VIEW,
        "private_metadata": json.dumps({"review_id": review_id, "channel_id": channel_id}),
        "title": {"type": "plain_text", "text": "Add a pain point"},
        "submit": {"type": "plain_text", "text": "Add"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": ids.REVIEW_PAIN_STAGE_BLOCK, "label": {"type": "plain_text", "text": "Stage"},
             "element": {"type": "static_select", "action_id": ids.REVIEW_PAIN_STAGE_INPUT, "options": options}},
            {"type": "input", "block_id": ids.REVIEW_PAIN_TEXT_BLOCK,
             "label": {"type": "plain_text", "text": "What gets in customers' way"},
             "element": {"type": "plain_text_input", "action_id": ids.REVIEW_PAIN_TEXT_INPUT, "multiline": True,
                         "max_length": 500}},
        ],
    }


def _listing(pains: list[dict]) -> str:
    shown = [f"#{p['number']} {t.show(p['text'], 120)}" for p in pains[:LISTED]]
    more = f" and {len(pains) - LISTED} more" if len(pains) > LISTED else ""
    return "; ".join(shown) + more


def _trend(before: float | None, now: float | None) -> str:
    if before is None or now is None:
        return ""
    return " ⬆️" if now - before >= 0.25 else " ⬇️" if before - now >= 0.25 else ""


def build_review_closed(c: Closed) -> dict:
    """In the channel: what the review found, against the map as it stood when it opened."""
    prev = c.previous
    blocks = [header(f"✅ Review #{c.number} of {t.show_plain(c.title, 100)}: what changed")]
    lines = [f"• {t.show(s['name'], 60)}: {_was(s['before'])} → "
             + (f"*{s['emotion_average']:.1f}* ({plural(s['ratings'], 'rating')}){_trend(s['before'], s['emotion_average'])}"
                if s["emotion_average"] is not None else "not rated again") for s in c.review["stages"]]
    if lines:
        blocks.append(section("*Emotion per stage* (then → now)\n" + "\n".join(lines)))
    pains = c.review["pain_points"]
    for outcome, title in (("resolved", "✅ Resolved"), ("still", "⏳ Still there"), ("worse", "📉 Worse")):
        these = [p for p in pains if p["outcome"] == outcome]
        if these:
            blocks.append(section(f"*{title}* ({len(these)}): {_listing(these)}"))
    tied = [p for p in pains if p["outcome"] == "tie"]
    if tied:
        blocks.append(section("*Tied* (people disagree): " + "; ".join(
            f"#{p['number']} {t.show(p['text'], 120)} ({' / '.join(OUTCOMES[o] for o in p['tied'])}, "
            f"{p['counts'][p['tied'][0]]} each)"
            for p in tied[:LISTED]) + (f" and {len(tied) - LISTED} more" if len(tied) > LISTED else "")))
    unanswered = [p for p in pains if p["outcome"] is None]
    if unanswered:
        blocks.append(context(f"{plural(len(unanswered), 'pain point')} got no answer: {_listing(unanswered)}"))
    if prev["new"]:
        blocks.append(section(f"*🆕 New since {prev['date']}* ({len(prev['new'])}): {_listing(prev['new'])}"))
    if prev["actions_done"]:
        done = [f"{t.show(a['text'], 100)} ({t.show(a.get('owner_name') or a['owner'], 40)})"
                for a in prev["actions_done"][:LISTED]]
        more = f" and {len(prev['actions_done']) - LISTED} more" if len(prev["actions_done"]) > LISTED else ""
        blocks.append(section(f"*Action items done since {prev['date']}* ({len(prev['actions_done'])}): "
                              + "; ".join(done) + more))
    blocks.append(context(f"{plural(c.review['people'], 'person', 'people')} answered. Compared with the map as it "
                          f"stood on {prev['date']}. Next review: around {c.next_review.isoformat()} (the "
                          "facilitators get a reminder). `/journey map` draws the change, the earlier curve dashed."))
    return message(f"Review #{c.number} of {t.show(c.title, 100)} is closed: what changed", blocks)
