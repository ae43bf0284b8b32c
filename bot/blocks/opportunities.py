"""Pure builders for opportunities: the ranked list with its Rate buttons, the rating form, what people are told
after a change, the ranking in the map's summary and the 2×2's summary. Everything reads the one map model's
opportunities (`journeymap.ranked_opportunities`); owners are `<@…>` only where nobody is pinged by it (the
private list and answers), by name in what is posted to the channel."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import context, header, message, note, plural, section
from bot.journeymap import ranked_opportunities
from bot.opportunities import EFFORT_WORDS, QUADRANTS, VALUE_WORDS, OpportunityView, Rated, handle

MAX_LISTED = 44  # one block each, beside the header, the intro, the "not rated yet" line and "+N more"
NOT_RATED = "not rated yet"
HOW = "`/journey opportunity 3 value 4 effort 2 owner @ana`"


def _score(s: float) -> str:
    return f"{s:g}"


def rating_text(o: dict, *, mention: bool) -> str:
    """"value 4 · effort 2 · score 2 · owner <@U…>", or "not rated yet" (with the owner if it has one)."""
    parts = ([f"value {o['value']} · effort {o['effort']} · score {_score(o['score'])}"] if o.get("score") is not None
             else [f"_{NOT_RATED}_" + (f" (value {o['value']})" if o.get("value") else "")
                   + (f" (effort {o['effort']})" if o.get("effort") else "")])
    if o.get("owner"):
        parts.append("owner " + (f"<@{o['owner']}>" if mention else t.show(o.get("owner_name") or o["owner"], 60)))
    return " · ".join(parts)


def _line(o: dict, stage: str, *, mention: bool, limit: int = 200) -> str:
    return (f"*{handle(o.get('number'))}* {t.show(o['text'], limit)} _({t.show(stage, 40)})_\n"
            f"{rating_text(o, mention=mention)}")


def build_opportunities_list(data: dict, *, viewer: str, only: int | None = None) -> dict:
    """The channel's workshop's opportunities, ranked by value over effort (not rated ones last, said so), each
    with a Rate button where the viewer may rate it (a facilitator: every one; anyone: those they own).
    `only`: just that opportunity (its item id)."""
    ranked = [(o, st) for o, st in ranked_opportunities(data) if only is None or o["id"] == only]
    title = data["workshop"]["title"]
    if not ranked:
        return note(f"*{t.show(title, 100)}* has no opportunities yet. People add them in a stage's thread as "
                    "`idea: …` (or `opportunity: …`) lines.")
    facilitator = viewer in (data["workshop"].get("facilitators") or [])
    rated = sum(1 for o, _ in ranked if o.get("score") is not None)
    blocks = [header(f"💡 Opportunities: {t.show_plain(title, 100)}")]
    if only is None:
        blocks.append(context(f"Ranked by value over effort (each 1–5); not rated ones come last. {rated} of "
                              f"{plural(len(ranked), 'opportunity', 'opportunities')} rated. Facilitators and each "
                              f"opportunity's owner can rate it: *Rate*, or {HOW}. `/journey map opportunities` "
                              "draws the 2×2."))
    told_unrated = False
    shown = ranked[:MAX_LISTED]
    for o, stage in shown:
        if o.get("score") is None and not told_unrated and only is None:
            blocks.append(context(f"*Not rated yet* ({len(ranked) - rated}): without a value and an effort they "
                                  "can't be ranked, so they come last."))
            told_unrated = True
        block = section(_line(o, stage, mention=True))
        if facilitator or o.get("owner") == viewer:
            block["accessory"] = {"type": "button", "action_id": ids.OPPORTUNITY_RATE, "value": str(o["id"]),
                                  "text": {"type": "plain_text", "text": "Rate"}}
        blocks.append(block)
    if len(ranked) > len(shown):
        blocks.append(context(f"+{len(ranked) - len(shown)} more: `/journey export md` has them all; "
                              f"{HOW} rates any of them."))
    return message(f"Opportunities of {t.show(title, 100)}", blocks[: limits.MESSAGE_BLOCKS])


def _options(words: dict[int, str]) -> list[dict]:
    return [{"text": {"type": "plain_text", "text": f"{n} · {w}"}, "value": str(n)} for n, w in words.items()] + [
        {"text": {"type": "plain_text", "text": "– not rated"}, "value": "none"}]


def _select(block: str, action: str, label: str, words: dict[int, str], current: int | None) -> dict:
    options = _options(words)
    element = {"type": "static_select", "action_id": action, "options": options,
               "placeholder": {"type": "plain_text", "text": "1 to 5"}}
    if current is not None:
        element["initial_option"] = next(o for o in options if o["value"] == str(current))
    return {"type": "input", "block_id": block, "optional": True, "label": {"type": "plain_text", "text": label},
            "element": element}


def build_rating_modal(view: OpportunityView, *, response_url: str | None = None) -> dict:
    """Value, effort and owner of one opportunity, filled in with what it has. `response_url`: the list the
    Rate button was on, shown again ranked anew once this is saved."""
    owner = {"type": "users_select", "action_id": ids.OPPORTUNITY_OWNER_INPUT,
             "placeholder": {"type": "plain_text", "text": "Who sees it done?"}}
    if view.owner:
        owner["initial_user"] = view.owner
    meta = {"item_id": view.item_id, **({"response_url": response_url} if response_url else {})}
    return {
        "type": "modal", "callback_id": ids.OPPORTUNITY_VIEW, "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": t.shorten(f"Rate {handle(view.number)}", 24)},
        "submit": {"type": "plain_text", "text": "Save"}, "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            section(f"*{handle(view.number)}* {t.show(view.text, 500)}"),
            context("Opportunities are ranked by value over effort. `/journey map opportunities` shows them on a "
                    "2×2: quick wins, big bets, fill-ins, money pits."),
            _select(ids.OPPORTUNITY_VALUE_BLOCK, ids.OPPORTUNITY_VALUE_INPUT, "Value for customers and us",
                    VALUE_WORDS, view.value),
            _select(ids.OPPORTUNITY_EFFORT_BLOCK, ids.OPPORTUNITY_EFFORT_INPUT, "Effort to do it", EFFORT_WORDS,
                    view.effort),
            {"type": "input", "block_id": ids.OPPORTUNITY_OWNER_BLOCK, "optional": True,
             "label": {"type": "plain_text", "text": "Owner"}, "element": owner,
             "hint": {"type": "plain_text", "text": "They (and facilitators) can change this rating later."}},
        ],
    }


def _now(v: OpportunityView) -> str:
    o = {"value": v.value, "effort": v.effort, "score": v.score, "owner": v.owner}
    return rating_text(o, mention=True)


def build_rated(r: Rated, rank: int | None, rated: int) -> dict:
    """What the person who changed an opportunity is told: how it reads now, and where it ranks."""
    v = r.view
    what = f"*{handle(v.number)}* “{t.show(v.text, 150)}”"
    if not r.changed:
        return note(f"{what} already reads so: {_now(v)}. Nothing was changed.")
    where = (f" It ranks {rank} of {rated} rated by value over effort." if rank else
             " Give it both a value and an effort to rank it.")
    return note(f"✅ {what}: {_now(v)}.{where}")


def build_owner_told(r: Rated, by: str) -> dict:
    """A DM to someone made an opportunity's owner (by someone else)."""
    v = r.view
    return note(f"🎯 <@{by}> made you the owner of opportunity *{handle(v.number)}* “{t.show(v.text, 200)}” in "
                f"*{t.show(v.workshop_title, 80)}* (<#{v.channel_id}>): {_now(v)}. `/journey opportunities` there "
                "ranks them; you can change its value and effort, or hand it on.")


MAX_SUMMARY = 5


def ranking_text(data: dict, *, limit: int = MAX_SUMMARY) -> str | None:
    """The opportunities for a message posted to the channel: the best ranked, then those not rated yet named
    plainly as coming last. None when the map has none."""
    ranked = ranked_opportunities(data)
    if not ranked:
        return None
    rated = [(o, st) for o, st in ranked if o.get("score") is not None]
    unrated = [o for o, _ in ranked if o.get("score") is None]
    lines = [f"{n}. {_line(o, st, mention=False, limit=120).replace(chr(10), ' · ')}"
             for n, (o, st) in enumerate(rated[:limit], 1)]
    if len(rated) > limit:
        lines.append(f"…and {len(rated) - limit} more rated")
    if unrated:
        names = ", ".join(handle(o.get("number")) for o in unrated[:20]) + (" …" if len(unrated) > 20 else "")
        lines.append(f"_Not rated yet, so ranked last ({len(unrated)}):_ {names}")
    return "*Opportunities by value over effort:*\n" + "\n".join(lines)


def build_quadrant_summary(data: dict) -> dict:
    """Beside the 2×2: the ranking, and how to change it."""
    title = data["workshop"]["title"]
    text = ranking_text(data, limit=10) or "No opportunities on the map yet."
    return message(f"Opportunities of {t.show(title, 100)}: value over effort", [
        header(f"💡 {t.show_plain(title, 120)}: value over effort"),
        section(text),
        context(" · ".join(f"{name}: {says}" for name, says in QUADRANTS.values())
                + f". `/journey opportunities` rates them; {HOW} too."),
    ])


def file_title(data: dict) -> str:
    return f"Opportunities, value over effort: {t.show_plain(data['workshop']['title'], 180)}"
