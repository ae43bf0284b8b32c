"""Pure builders for what follows a reply in a thread: questions about lines with no known prefix, the model's
sorting of them, lines that couldn't be stored, a closed step, the department hint, a rating."""

from __future__ import annotations

from bot import ids
from bot import text as t
from bot.blocks.kit import EMOTION_FACES, context, message, note, section
from bot.storage.models import ItemKind
from bot.workshop.replies import Rated, ReplyOutcome

_KIND_LABELS = {
    ItemKind.TOUCHPOINT: "Touchpoint",
    ItemKind.PAIN_POINT: "Pain point",
    ItemKind.OPPORTUNITY: "Opportunity",
}
MAX_CLASSIFY_LINES = 15


def build_classify(unsorted: list[tuple[int, str]]) -> dict:
    blocks = [
        section(
            "I couldn't tell what kind of answer "
            + ("this line is" if len(unsorted) == 1 else "these lines are")
            + " (next time start a line with `touchpoint:`, `pain:` or `idea:`). Which is it?"
        )
    ]
    for item_id, line in unsorted[:MAX_CLASSIFY_LINES]:
        blocks.append(section(f"> {t.show(line, 280)}"))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"classify:{item_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{ids.CLASSIFY}_{kind}",
                        "text": {"type": "plain_text", "text": label},
                        "value": str(item_id),
                    }
                    for kind, label in _KIND_LABELS.items()
                ],
            }
        )
    rest = len(unsorted) - MAX_CLASSIFY_LINES
    if rest > 0:
        blocks.append(context(f"{rest} more lines are kept as unsorted; edit your reply to add prefixes to them."))
    return message("Which kind of answer is this?", blocks)


def build_filed_by_model(item_id: int, line: str, kind: str, score: int | None) -> dict:
    """The model sorted an unprefixed line; its author can correct that with one click."""
    what = f"an emotion of {score}/5" if kind == "emotion" else f"a *{_KIND_LABELS.get(kind, kind).lower()}*"
    blocks = [section(f"I filed “{t.show(line, 200)}” as {what}. If that's wrong, pick what it is:")]
    if kind != "emotion":
        blocks.append({
            "type": "actions", "block_id": f"classify:{item_id}",
            "elements": [{"type": "button", "action_id": f"{ids.CLASSIFY}_{k}", "text": {"type": "plain_text", "text": label},
                          "value": str(item_id)} for k, label in _KIND_LABELS.items() if k != kind],
        })
    return message(f"Filed as {kind}", blocks)


def build_classified(kind: str, line: str, still_unsorted: list[tuple[int, str]] = ()) -> dict:
    """What a line was filed as, and the buttons for the reply's lines still waiting for a kind."""
    filed = note(f"Filed as *{_KIND_LABELS.get(kind, kind).lower()}*: {t.show(line, 200)}")
    if still_unsorted:
        filed = {"text": filed["text"], "blocks": filed["blocks"] + build_classify(still_unsorted)["blocks"]}
    return filed


def build_problems(problems: list[tuple[str, str]]) -> dict:
    # The reasons are the bot's own mrkdwn; the lines are the person's text.
    listing = "\n".join(f"• “{t.show(line, 80)}”: {t.shorten(why, 200)}" for line, why in problems[:20])
    return note(f"Some lines of your reply weren't stored:\n{listing}\nEdit your reply to fix them.")


def build_closed_step(o: ReplyOutcome) -> dict:
    """A reply to a closed step: not recorded; how to add it where it belongs."""
    where = " The workshop is closed."
    if o.stage_number is not None:
        where = (f" If it belongs here, ask the facilitator to open this stage again (`/journey reopen {o.stage_number}`) "
                 "and post it once more.")
    elif o.open_label:
        where = ""
    if o.open_label:
        where += f" We're now on *{t.show(o.open_label, 100)}*: answers about that go in its prompt's thread."
    return note(f"Thanks! *{t.show(o.step_label or 'This step', 100)}* is closed, so this reply wasn't recorded.{where}")


def build_thread_hint(label: str) -> dict:
    """A message at the channel's top level during a workshop (once per person per step)."""
    return note(f"👋 Answers to the workshop go *in the thread* of its prompt, so they're counted: open the replies "
                f"of *{t.show(label, 100)}* above and answer there. Your message here wasn't recorded as an answer.")


def build_department_hint() -> dict:
    text = ("Thanks for joining in! Which department are you in? Tell me with the button, or with "
            "`/journey dept <department>` (e.g. `/journey dept Support`), so the map shows which teams see what.")
    return message(text, [section(text), {"type": "actions", "elements": [
        {"type": "button", "action_id": ids.DEPT_OPEN, "text": {"type": "plain_text", "text": "Set my department"},
         "value": "open"}]}])


def build_rated(r: Rated) -> dict:
    change = f" (was {r.replaced})" if r.replaced is not None and r.replaced != r.score else ""
    return note(f"You rated *{t.show(r.stage_name, 60)}* {r.score} {EMOTION_FACES[r.score]}{change}.")




def build_unreadable() -> dict:
    return note("I couldn't find any text in this reply, so nothing was recorded. Please write your answer as text "
                "in the thread (a file or image on its own can't go on the map); editing this message works too.")
