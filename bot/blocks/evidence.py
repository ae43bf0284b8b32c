"""Pure builders for "Add to journey map" (the message shortcut): the form it opens, what it says while it looks
things up or when nothing can be filed, and the confirmation."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import note
from bot.evidence import KINDS, MAX_TEXT, Choice, Filed, Source, link

TITLE = "Add to journey map"  # a modal's title: 24 characters at most
MAX_STAGE_OPTIONS = 100  # across the workshops offered: one menu's worth
MAX_PAIN_OPTIONS = 100

WHY_NOT = {  # bot/evidence.py copy_refused's reasons, as the person reads them
    "unseen_source": "I can't see the conversation this message is in (I'm not a member of it), so I can't tell "
                     "who may read it, and nothing of it may go on a map that others see. Invite me "
                     "(`/invite @Journey Workshop`) and try again, or add what matters to a workshop yourself.",
    "private_source": "This message is in a private conversation, and the maps you could add it to are seen by "
                      "people who aren't in it.",
    "outsiders": "The maps you could add it to are seen by people who can't see this message's conversation.",
    "unseen_target": "Slack wouldn't say who is in those workshops' conversations, so I can't tell who would see "
                     "it there.",
    "too_many": "Too many people see those maps for me to check that each of them may see this message.",
}
WHY_NOT_HERE = {  # the same, under the form's workshop menu (150 characters at most)
    "unseen_source": "I can't see this message's conversation, so it can't go on a map others see. Nothing was filed.",
    "private_source": "It's from a private conversation, and that map is seen by people who aren't in it.",
    "outsiders": "That map is seen by people who can't see this message's conversation. Nothing was filed.",
    "unseen_target": "Slack won't say who sees that map just now; please try again. Nothing was filed.",
    "too_many": "Too many people see that map for me to check each of them may see this message.",
}
NO_WORKSHOP = ("There's no map to add it to: this channel has no workshop and you take part in none. Start one "
               "with `/journey new <title>`.")


def _modal(callback_id: str, blocks: list[dict], *, submit: str | None = None, close: str = "Cancel",
           meta: dict | None = None) -> dict:
    view = {"type": "modal", "callback_id": callback_id, "title": {"type": "plain_text", "text": TITLE},
            "close": {"type": "plain_text", "text": close}, "blocks": blocks}
    if submit:
        view["submit"] = {"type": "plain_text", "text": submit}
    if meta is not None:
        view["private_metadata"] = json.dumps(meta, separators=(",", ":"))
    return view


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": t.fit(text, limits.SECTION_TEXT)}}


def build_loading() -> dict:
    """Opened at once with the shortcut's trigger_id (it expires in 3 seconds); replaced by the form."""
    return _modal(ids.ADD_TO_MAP_LOADING_VIEW, [_section("⏳ Looking up the message and your workshops…")])


def build_nothing_to_file(reason: str, *, waiting: list[tuple[int, str]] = ()) -> dict:
    """Why nothing can be filed from this message: a reason of WHY_NOT, "none" or "waiting"."""
    if reason == "waiting":
        names = ", ".join(f"#{n} {t.show(title, 60)}" for n, title in waiting[:5])
        text = (f"The workshops you could add it to ({names}) haven't reached their stages yet: add to them once "
                "the stage walk has started.")
    else:
        text = WHY_NOT.get(reason, NO_WORKSHOP)
    return _modal(ids.ADD_TO_MAP_LOADING_VIEW, [_section(f"Nothing can be added from this message. {text}")],
                  close="Close")


def _source_line(source: Source) -> str:
    who = (f"<@{source.author}>" if (source.author or "").startswith(("U", "W")) else
           "an app" if source.author else "someone")
    where = f"<#{source.channel_id}>" if source.channel_id.startswith(("C", "G")) else "a direct message"
    line = f"From {who} in {where}"
    url = link(source.permalink)
    if url:
        return f"{line} · <{url}|open the message>. It is filed with this link."
    return (f"{line}. Slack gave no link to this message (`{t.show(source.link_error or 'no permalink', 60)}`), "
            "so it is filed without one.")


def _label(c: Choice) -> str:
    return t.show_plain(f"#{c.id} {c.title}" + (" (closed)" if c.status == "closed" else ""), limits.OPTION_TEXT)


def _option(text: str, value: str) -> dict:
    return {"text": {"type": "plain_text", "text": t.shorten(text, limits.OPTION_TEXT)}, "value": value}


def _menu(action_id: str, groups: list[tuple[Choice, list[dict]]]) -> dict:
    """A static_select with one workshop's options, or option groups when several workshops are offered."""
    groups = [(c, opts) for c, opts in groups if opts]
    element: dict = {"type": "static_select", "action_id": action_id}
    if len(groups) == 1:
        element["options"] = groups[0][1]
    else:
        element["option_groups"] = [{"label": {"type": "plain_text", "text": _label(c)}, "options": opts}
                                    for c, opts in groups]
    return element


def _capped(choices: list[Choice], options, cap: int) -> list[tuple[Choice, list[dict]]]:
    out, left = [], cap
    for c in choices:
        opts = options(c)[:left]
        left -= len(opts)
        out.append((c, opts))
    return out


def build_form(*, choices: list[Choice], source: Source, text: str, channel_workshop: int | None,
               not_offered: int, response_url: str | None) -> dict:
    """The form: the message's text (editable), which workshop, what it is, the stage, the pain point."""
    shortened = len(text) > MAX_TEXT
    text = t.shorten(text, MAX_TEXT) if shortened else text
    workshops = [_option(_label(c), str(c.id)) for c in choices]
    workshop_element: dict = {"type": "static_select", "action_id": ids.ADD_TO_MAP_WORKSHOP_INPUT,
                              "options": workshops}
    initial = next((o for o in workshops if channel_workshop is not None and o["value"] == str(channel_workshop)),
                   workshops[0] if len(workshops) == 1 else None)
    if initial:
        workshop_element["initial_option"] = initial
    text_element: dict = {"type": "plain_text_input", "action_id": ids.ADD_TO_MAP_TEXT_INPUT, "multiline": True,
                          "max_length": MAX_TEXT}
    if text.strip():
        text_element["initial_value"] = text
    context = [_source_line(source)]
    if shortened:
        context.append(f"The message is longer than {MAX_TEXT} characters: its start is below.")
    if not_offered:
        context.append(f"Not offered: {not_offered} workshop{'s' if not_offered != 1 else ''} whose map is seen by "
                       "people who can't see this message.")
    blocks = [
        {"type": "context", "block_id": ids.ADD_TO_MAP_SOURCE_BLOCK,
         "elements": [{"type": "mrkdwn", "text": t.fit(x, limits.SECTION_TEXT)} for x in context]},
        {"type": "input", "block_id": ids.ADD_TO_MAP_TEXT_BLOCK, "element": text_element,
         "label": {"type": "plain_text", "text": "What goes on the map"},
         "hint": {"type": "plain_text", "text": "The message's text; shorten it if you like. The map keeps who wrote "
                                                "it, who filed it and, where Slack gives one, a link to it."}},
        {"type": "input", "block_id": ids.ADD_TO_MAP_WORKSHOP_BLOCK, "element": workshop_element,
         "label": {"type": "plain_text", "text": "Workshop"}},
        {"type": "input", "block_id": ids.ADD_TO_MAP_KIND_BLOCK,
         "label": {"type": "plain_text", "text": "What it is"},
         "element": {"type": "radio_buttons", "action_id": ids.ADD_TO_MAP_KIND_INPUT,
                     "options": [_option(label, kind) for kind, label in KINDS.items()]}},
    ]
    stages = _capped(choices, lambda c: [_option(t.show_plain(name, limits.OPTION_TEXT), f"{c.id}:{sid}")
                                         for sid, name in c.stages], MAX_STAGE_OPTIONS)
    if any(opts for _, opts in stages):
        blocks.append({"type": "input", "block_id": ids.ADD_TO_MAP_STAGE_BLOCK, "optional": True,
                       "label": {"type": "plain_text", "text": "Stage"},
                       "hint": {"type": "plain_text", "text": "Where it belongs. Evidence goes with its pain "
                                                             "point's stage."},
                       "element": _menu(ids.ADD_TO_MAP_STAGE_INPUT, stages)})
    pains = _capped(choices, lambda c: [_option(f"#{n} {t.plain(text_)}", f"{c.id}:{n}") for n, text_ in c.pains],
                    MAX_PAIN_OPTIONS)
    if any(opts for _, opts in pains):
        blocks.append({"type": "input", "block_id": ids.ADD_TO_MAP_PAIN_BLOCK, "optional": True,
                       "label": {"type": "plain_text", "text": "Pain point"},
                       "hint": {"type": "plain_text", "text": "What the evidence is for (a quote can be about one "
                                                             "too)."},
                       "element": _menu(ids.ADD_TO_MAP_PAIN_INPUT, pains)})
    meta = {"src": source.meta(), "ws": [c.id for c in choices]}
    if response_url:
        meta["ru"] = response_url
    return _modal(ids.ADD_TO_MAP_VIEW, blocks, submit="Add", meta=meta)


def build_filed(f: Filed) -> dict:
    """The confirmation, to the person who filed it (only they see it)."""
    what = {
        "evidence": f"evidence for pain point *#{f.number}*",
        "pain_point": f"a new pain point, *#{f.number}*",
        "touchpoint": "a touchpoint",
        "opportunity": "an opportunity",
        "quote": f"a customer quote about pain point *#{f.number}*" if f.number else "a customer quote",
    }.get(f.kind, f.kind)
    stage = f" in the stage *{t.show(f.stage, 60)}*" if f.stage else ""
    kept = ("It keeps a link to the message, its author and you as who filed it." if f.linked else
            "Slack gave no link to the message, so it keeps its author and you as who filed it, without a link.")
    return note(f"📌 Added to the map of *{t.show(f.title, 100)}* (workshop #{f.workshop_id}) as {what}{stage}: "
                f"“{t.show(f.text, 200)}”. {kept}")


def build_form_failed(error: str) -> dict:
    """The form couldn't be opened (Slack refused views.open: the shortcut's trigger expires in 3 seconds)."""
    return note(f"⚠️ I couldn't open the form (`{t.show(error, 60)}`); nothing was filed. Please use "
                "*Add to journey map* on the message again.")
