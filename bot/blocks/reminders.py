"""Pure builders for reminders: everything due for one person at once is one DM, one entry per reminder. Each
kind's entry has its builder here (bot/reminders/kinds.py names which): a headline, then what it is about, with
its buttons where there is something to do."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.digests import digest_blocks
from bot.blocks.followups import action_buttons, action_line, validation_buttons, validation_line
from bot.blocks.kit import context, header, message, plural, section
from bot.digests import Digest
from bot.followups import ActionView, ValidationView
from bot.workshop.nudges import NudgeView, ReviewView

Entry = Callable[[object, date, bool], list[dict]]  # (what it is about, the recipient's today, sent late) → blocks
LATE = " _(sent late: the bot was offline when this fell due)_"


def _headline(text: str, late: bool) -> str:
    return text + (LATE if late else "")


def action_due_soon(view: ActionView, today: date, late: bool) -> list[dict]:
    return [section(f"{_headline('⏰ Due soon', late)}\n{action_line(view, today)}"), action_buttons(view)]


def action_overdue(view: ActionView, today: date, late: bool) -> list[dict]:
    return [section(f"{_headline('⚠️ Overdue', late)}\n{action_line(view, today)}"), action_buttons(view)]


def validation_due(view: ValidationView, today: date, late: bool) -> list[dict]:
    return [section(f"{_headline('🔎 Customer validation', late)}\n{validation_line(view, today)}"),
            validation_buttons(view)]


def nudge(view: NudgeView, today: date, late: bool) -> list[dict]:
    return [section(f"{_headline('👋 Your view is missing', late)}\n"
                    f"The *{t.show(view.title, 100)}* workshop in <#{view.channel_id}> is on *{t.show(view.step, 80)}*, "
                    "and your view isn't in yet. It takes a minute: reply in the thread of the latest prompt there.")]


def map_review(view: ReviewView, today: date, late: bool) -> list[dict]:
    since = "its last review" if view.reviewed else f"*{t.show(view.title, 100)}* (workshop #{view.workshop_id}) closed"
    about = f" of *{t.show(view.title, 100)}*" if view.reviewed else ""
    blocks = [section(f"{_headline('🗓️ Time to review a journey map', late)}\n"
                      f"It's been {view.days} days since {since}{about}. Does the map still match what customers go "
                      f"through? *Start the review* in <#{view.channel_id}>: everyone re-rates each stage and says "
                      "which pain points are resolved, still there or worse, and the map then shows what changed. "
                      f"(Or type `/journey review` there; `/journey new <title> --future-of {view.workshop_id}` maps "
                      "how the journey should be.)")]
    if view.reminder_id is not None:
        blocks.append({"type": "actions", "block_id": f"review_start:{view.reminder_id}", "elements": [
            {"type": "button", "action_id": ids.REVIEW_START, "style": "primary",
             "text": {"type": "plain_text", "text": "Start the review"},
             "value": f"{view.workshop_id}:{view.reminder_id}"}]})
    return blocks


def digest(view: Digest, today: date, late: bool) -> list[dict]:
    return digest_blocks(view, today)


def build_reminders(entries: list[tuple[Entry, object, bool]], today: date) -> dict:
    """One DM for everything due for a person at once: (builder, what it is about, late) entries."""
    blocks = []
    if len(entries) > 1:
        blocks.append(header(f"{plural(len(entries), 'reminder')} for you"))
    shown = entries[: (limits.MESSAGE_BLOCKS - 2) // 2]
    for build, view, late in shown:
        blocks += build(view, today, late)
    if len(entries) > len(shown):
        blocks.append(context(f"+{len(entries) - len(shown)} more: `/journey actions` lists them all."))
    blocks = blocks[: limits.MESSAGE_BLOCKS]
    first = entries[0][1]
    what = getattr(first, "text", None) or getattr(first, "pain", None) or "your digest"
    fallback = f"Reminder: {t.show(what, 150)}" + (f" and {len(entries) - 1} more" if len(entries) > 1 else "")
    return message(fallback, blocks)


@dataclass(frozen=True)
class RelayView:
    owner: str  # who Slack wouldn't let the bot DM
    error: str
    blocks: list[dict]  # what the reminder says


def relayed(view: RelayView, today: date, late: bool) -> list[dict]:
    return [context(f"⚠️ I couldn't deliver this reminder to <@{view.owner}>: Slack answered `{t.show(view.error, 40)}` "
                    "(it may not let the bot message someone from a partner organisation, or the account is gone). "
                    "Could you pass it on, or reassign the item?"), *view.blocks]
