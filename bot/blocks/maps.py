"""Pure builders for the map: the dot-voting ballot, the summary beside the picture, the export's comment."""

from __future__ import annotations

import json

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import EMOTION_FACES, context, header, message, note, plural, section
from bot.blocks.opportunities import ranking_text
from bot.merges import Merged, Split, Suggestion
from bot.voting import BallotPage, VoteOutcome

EXPORT_KINDS = {"json": "data (JSON)", "csv": "a spreadsheet (CSV)", "md": "a report (Markdown, with a Mermaid diagram)"}


def build_export_comment(title: str, fmt: str) -> str:
    return f"🗂️ The journey map of *{t.show(title, 100)}* as {EXPORT_KINDS.get(fmt, fmt)}."




def build_export_choice() -> dict:
    """`/journey export` with no format: which one, privately (the file then goes to the channel)."""
    return message("Export the map as which kind of file?", [
        section("Export the journey map as which kind of file? It is posted in this channel."),
        {"type": "actions", "block_id": "export_format", "elements": [
            {"type": "button", "action_id": f"{ids.EXPORT_FORMAT}_{fmt}", "value": fmt,
             "text": {"type": "plain_text", "text": label}}
            for fmt, label in (("md", "Report (Markdown)"), ("csv", "Spreadsheet (CSV)"), ("json", "Data (JSON)"))]},
    ])


def build_exporting(fmt: str) -> dict:
    return note(f"Posting the map as {EXPORT_KINDS.get(fmt, fmt)} in this channel.")


def file_title(data: dict) -> str:
    """An uploaded picture's or export's title."""
    return f"Journey map: {t.show_plain(data['workshop']['title'], 200)}"


def canvas_title(data: dict) -> str:
    """A standalone canvas's title."""
    return file_title(data)


def build_canvas_made(kind: str, reason: str | None, *, pin_error: str | None = None,
                      first_map: bool = False) -> dict:
    """Whoever asked hears what holds the map now (and why, when it isn't the channel's canvas)."""
    follows = "It follows answers, votes, merges, action items and validation as they change."
    skip = " (`/journey map nocanvas` draws the map without making one.)" if first_map else ""
    if kind == "channel":
        return note(f"🗺️ The map is in this channel's canvas now (its *Canvas* tab). {follows}{skip}")
    if kind == "standalone":
        return note(f"🗺️ {reason or 'Slack would not make a channel canvas'}, so the map is in a canvas of its own, "
                    f"shared with this channel (find it under the channel's files and canvases). {follows}{skip}")
    pinned = ("pinned to this channel (its pinned messages)" if pin_error is None
              else f"posted in this channel (Slack wouldn't pin it: `{t.show(pin_error, 60)}`)")
    return note(f"🗺️ {reason or 'No canvas can be made here'}, so instead of a canvas the map is in a message "
                f"{pinned}, which the bot keeps up to date. {follows}{skip}")


def build_canvas_updated() -> dict:
    return note("🗺️ This channel's canvas shows this workshop's map; it is being brought up to date.")


def build_canvas_making() -> dict:
    return note("🗺️ This channel's canvas is being made right now; it will show this workshop's map.")


def build_canvas_gone(channel_id: str, kind: str, why: str, code: str) -> dict:
    """To the facilitators, once: what showed the map in a channel is gone, and edits stopped."""
    what = "message with the map" if kind == "message" else "canvas with the map"
    return message(f"The journey map's {what} in a channel stopped updating", [section(
        f"🗺️ The journey {what} in <#{channel_id}> is no longer kept up to date: {why} (Slack: `{t.show(code, 60)}`). "
        "`/journey canvas` there makes a new one.")])


def build_map_board(data: dict, *, picture: str | None = None, step: str | None = None) -> dict:
    """Where no canvas can be made: the map summary in a message pinned to the channel, kept up to date."""
    summary = build_map_summary(data)
    where = [f"now: {t.show(step, 100)}"] if step and data["workshop"]["status"] == "open" else []
    if picture and picture.startswith(("https://", "http://")) and "|" not in picture and ">" not in picture:
        where.append(f"<{picture}|the latest picture>")
    line = "📌 Kept up to date by the Journey Workshop bot (this workspace can't make a canvas for it)"
    blocks = [*summary["blocks"][:-1], context(" · ".join([line, *where]))]
    return message(summary["text"], blocks)


# --- Dot voting ------------------------------------------------------------------------------------------


def build_ballot(b: BallotPage) -> dict:
    blocks = []
    if b.page == 0:
        blocks.append(header(f"🗳️ Dot voting: {t.show_plain(b.title, 100)}"))
        blocks.append(
            section(
                f"Which pain points matter most? You have *{plural(b.votes_per_person, 'dot')}*: click *Vote* on a "
                "pain point to give it one, click again to take it back and move it elsewhere."
            )
        )
    for line in b.lines:
        stage = f" _({t.show(line.stage, 40)})_" if line.stage else ""
        dots = "●" * min(line.votes, 10) + (f" +{line.votes - 10}" if line.votes > 10 else "")
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": t.fit(f"*{line.votes}* {dots}  *#{line.number}* {t.show(line.text, 300)}{stage}")},
                "accessory": {
                    "type": "button",
                    "action_id": ids.VOTE,
                    "text": {"type": "plain_text", "text": "Vote"},
                    "value": str(line.item_id),
                },
            }
        )
    pages = f" · page {b.page + 1} of {b.pages}" if b.pages > 1 else ""
    blocks.append(context(f"{plural(b.voters, 'person', 'people')} voted so far{pages}"))
    return message(f"Dot voting on the pain points of {t.show(b.title, 100)}", blocks)


def build_voted(v: VoteOutcome) -> dict:
    left = v.allowed - v.used
    if v.action == "none_left":
        mine = "\n".join(f"• {t.show(x, 100)}" for x in v.mine)
        return note(f"You've used all {plural(v.allowed, 'dot')}. To move one, click *Vote* again on a pain point "
                    f"you voted for:\n{mine}")
    done = "Your dot is on" if v.action == "added" else "Took your dot back from"
    return note(f"{done} #{v.number} “{t.show(v.text, 150)}”. {plural(left, 'dot')} left of {v.allowed}.")


# --- Merges --------------------------------------------------------------------------------------------------

MAX_OFFERED = 8  # near-duplicate groups a vote offers to merge (the rest wait for the synthesis or a hand merge)


MAX_IN_GROUP = 20


def _offer_value(votes: int, shown: list[Suggestion]) -> str:
    return json.dumps({"votes": votes, "merge": [list(s_.numbers) for s_ in shown]}, separators=(",", ":"))


def build_merge_offer(alike: list[Suggestion], votes: int) -> dict:
    """Before the ballot: these read alike; merge them so votes for one problem don't split?"""
    shown = [Suggestion(s_.numbers[:MAX_IN_GROUP], s_.texts[:MAX_IN_GROUP]) for s_ in alike[:MAX_OFFERED]]
    while len(_offer_value(votes, shown)) > limits.BUTTON_VALUE:  # what the buttons carry must fit in one
        shown.pop()
    lines = "\n".join("• " + " = ".join(f"*#{n}* {t.show(text, 90)}" for n, text in zip(s_.numbers, s_.texts))
                      for s_ in shown)
    value = _offer_value(votes, shown)
    return message("Some pain points read alike: merge them before the vote?", [
        section(f"Before the vote: these pain points read alike, so their votes would split.\n{lines}"),
        {"type": "actions", "elements": [
            {"type": "button", "action_id": ids.VOTE_MERGE_FIRST, "style": "primary", "value": value,
             "text": {"type": "plain_text", "text": "Merge them, then vote"}},
            {"type": "button", "action_id": ids.VOTE_AS_IS, "value": value,
             "text": {"type": "plain_text", "text": "Vote as they are"}}]},
        context("Merging keeps every wording with its author; `/journey unmerge 7` splits one again, and "
                "`/journey merge 3 7` merges by hand."),
    ])


def build_merged_before_vote(merged: list[Merged]) -> dict:
    if not merged:
        return note("The ballot is on its way.")
    return note("Merged " + "; ".join(f"#{m.number} “{t.show(m.statement, 80)}” ("
                                      + ", ".join(f"#{n}" for n in m.numbers) + ")" for m in merged)
                + ". The ballot is on its way.")


def build_merged(m: Merged, by: str) -> dict:
    others = ", ".join(f"#{n}" for n in m.numbers if n != m.number)
    return note(f"🔗 <@{by}> merged pain points {', '.join(f'#{n}' for n in m.numbers)} into *#{m.number}* "
                f"“{t.show(m.statement, 200)}”. The map, the ballot and the exports show it once, with every "
                f"wording and its author; votes, actions and validation of {others} count for #{m.number}. "
                f"`/journey unmerge {m.number}` splits them again.")


def build_unmerged(s_: Split, by: str) -> dict:
    return note(f"✂️ <@{by}> split merged pain point #{s_.numbers[0]}: "
                + ", ".join(f"#{n}" for n in s_.numbers) + " each have their own place on the map again.")


# --- The map picture's summary ---------------------------------------------------------------------------

MAX_SUMMARY_STAGES = 20
MAX_SUMMARY_PAINS = 3


def emotion_face(avg: float | None) -> str:
    return EMOTION_FACES[min(5, max(1, round(avg)))] if avg is not None else "·"


def _quotes(st: dict) -> str:
    """A stage's evidence from conversations ("Add to journey map"): how much, and its first quote."""
    found = st.get("evidence_count") or 0
    if not found:
        return ""
    line = f"\n📎 {plural(found, 'piece')} of evidence from conversations"
    quotes = st.get("evidence") or [e for p in st["pain_points"] for e in p.get("evidence") or []]
    if quotes:
        q = quotes[0]
        line += f": “{t.show(q['text'], 150)}” — {t.show(q.get('author_name') or 'someone', 60)}"
    return line


def build_map_summary(data: dict, fmt: str = "png") -> dict:
    """The objective, persona(s) and, per stage, its top pain points and emotion: beside the uploaded picture."""
    title = data["workshop"]["title"]
    objectives = "; ".join(t.show(o["text"], 150) for o in data["objectives"][:3]) or "_not set_"
    personas = "; ".join(
        f"*{t.show(p['name'], 60)}*" + (f" ({t.show(p['description'], 100)})" if p["description"] else "")
        for p in data["personas"][:3]
    ) or "_not named_"
    blocks = [
        header(f"🗺️ {t.show_plain(title, 120)}"),
        section(f"*Objective:* {objectives}\n*Persona:* {personas}"),
        {"type": "divider"},
    ]
    synthesis = {s_["stage"]: s_["summary"] for s_ in ((data.get("synthesis") or {}).get("stages") or [])}
    for st in data["stages"][:MAX_SUMMARY_STAGES]:
        avg = st["emotion_average"]
        emo = f"{emotion_face(avg)} {avg:.1f}/5" if avg is not None else "no emotion ratings"
        pains = [
            f"*#{p['number']}* " + (f"●{p['votes']} " if p.get("votes") else "")
            + (f"📎{len(p['evidence'])} " if p.get("evidence") else "") + t.show(p["text"], 120)
            for p in st["pain_points"][:MAX_SUMMARY_PAINS]
        ]
        more = len(st["pain_points"]) - MAX_SUMMARY_PAINS
        pain_text = "; ".join(pains) + (f" (+{more} more)" if more > 0 else "") if pains else "no pain points"
        summary = f"\n_{t.show(synthesis[st['name']], 300)}_" if st["name"] in synthesis else ""
        blocks.append(section(f"*{t.show(st['name'], 60)}* · {emo}\n{pain_text}{summary}{_quotes(st)}"))
    extra = len(data["stages"]) - MAX_SUMMARY_STAGES
    if extra > 0:
        blocks.append(context(f"+{extra} more stages in the picture"))
    if ranking := ranking_text(data):
        blocks += [{"type": "divider"}, section(ranking)]
    what = "The picture" if fmt == "png" else "The SVG (open it in a browser, Figma or Illustrator to edit)"
    blocks.append(context(f"{what} has every lane; `/journey export md` makes a report, `/journey map svg` an editable copy."))
    return message(f"Journey map of {t.show(title, 100)}", blocks)
