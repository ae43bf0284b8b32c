"""Pure builders for action items and customer validation: announcements, lists, plans, summaries."""

from __future__ import annotations

from datetime import date

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import context, header, message, note, plural, section
from bot.followups import OUTCOMES, ActionView, ValidationView

STATUS_ICONS = {"open": "🟡", "done": "✅", "dropped": "⚪"}
MAX_LISTED = 20  # each listed item takes two blocks


def due_text(due: date | None, today: date) -> str:
    if due is None:
        return "no due date"
    days = (due - today).days
    when = due.strftime("%a %-d %b %Y")
    if days < 0:
        return f"*overdue* since {when}"
    if days == 0:
        return f"due *today* ({when})"
    if days == 1:
        return f"due *tomorrow* ({when})"
    return f"due {when}"


def action_line(a: ActionView, today: date) -> str:
    pain = f"\n_for pain point #{a.pain_point[0]}: {t.show(a.pain_point[1], 100)}_" if a.pain_point else ""
    snooze = f" · snoozed until {a.snoozed_until.strftime('%-d %b')}" if a.snoozed_until and a.status == "open" else ""
    state = due_text(a.due, today) if a.status == "open" else a.status
    return (f"{STATUS_ICONS.get(a.status, '•')} *{t.show(a.text, 300)}*\n<@{a.owner}> · {state}{snooze} · "
            f"{t.show(a.workshop_title, 60)}{pain}")


def action_buttons(a: ActionView) -> dict:
    if a.status == "open":
        choices = [("done", "Done", "primary"), ("snooze_day", "Snooze 1 day", None),
                   ("snooze_week", "Snooze 1 week", None), ("drop", "Drop", "danger")]
    else:
        choices = [("reopen", "Reopen", None)]
    elements = []
    for change, label, style in choices:
        button = {"type": "button", "action_id": f"{ids.ACTION_CHANGE}_{change}",
                  "text": {"type": "plain_text", "text": label}, "value": str(a.id)}
        if style:
            button["style"] = style
        elements.append(button)
    return {"type": "actions", "block_id": f"action:{a.id}", "elements": elements}


def build_action(a: ActionView, today: date, *, headline: str | None = None) -> dict:
    blocks = [section(f"{headline}\n{action_line(a, today)}" if headline else action_line(a, today)), action_buttons(a)]
    if a.history:
        at, by, change, detail = a.history[-1]
        blocks.append(context(f"Last change: {change}{' ' + t.show(detail, 60) if detail else ''} by <@{by}>, "
                               f"{at.strftime('%-d %b %H:%M UTC')}"))
    return message(f"Action item: {t.show(a.text, 200)}", blocks)


def build_actions_list(items: list[ActionView], today: date, scope: str) -> dict:
    if not items:
        return note("You have no action items." if scope == "mine" else "This channel has no action items yet. "
                    "Add one with `/journey action @owner <what> due <date>`.")
    overdue = sum(1 for a in items if a.overdue)
    title = "Your action items" if scope == "mine" else "Action items in this channel"
    blocks = [header(title), context(f"{plural(len(items), 'item')} · {overdue} overdue")]
    for a in items[:MAX_LISTED]:
        blocks += [section(action_line(a, today)), action_buttons(a)]
    if len(items) > MAX_LISTED:
        blocks.append(context(f"+{len(items) - MAX_LISTED} more: `/journey export json` has them all."))
    return message(title, blocks[: limits.MESSAGE_BLOCKS])


VALIDATION_ICONS = {"pending": "🔎", "confirmed": "✅", "partly": "🌗", "not_confirmed": "❌"}


def validation_line(v: ValidationView, today: date) -> str:
    state = (f"talk to {plural(v.customers, 'customer')} about it, {due_text(v.due, today)}" if v.status == "pending"
             else f"*{OUTCOMES[v.status].lower()}*" + (f" by {plural(v.evidence_customers, 'customer')}"
                                                       if v.evidence_customers is not None else ""))
    evidence = f"\n> {t.show(v.note, 300)}" if v.note else ""
    guide = ("\n_Interview guide:_\n" + "\n".join(f"{n}. {t.show(q, 200)}" for n, q in enumerate(v.guide, 1))
             if v.guide else "")
    return (f"{VALIDATION_ICONS.get(v.status, '•')} Pain point #{v.number}: *{t.show(v.pain, 200)}* "
            f"_({t.show(v.stage, 40)})_\n<@{v.owner}> · {state} · task #{v.id}{evidence}{guide}")


def validation_buttons(v: ValidationView) -> dict:
    styles = {"confirmed": "primary", "not_confirmed": "danger"}
    elements = []
    for outcome, label in OUTCOMES.items():
        button = {"type": "button", "action_id": f"{ids.VALIDATION_OUTCOME}_{outcome}",
                  "text": {"type": "plain_text", "text": label}, "value": str(v.id)}
        if outcome in styles:
            button["style"] = styles[outcome]
        elements.append(button)
    return {"type": "actions", "block_id": f"validation:{v.id}", "elements": elements}


def build_validation_plan(tasks: list[ValidationView], today: date) -> dict:
    blocks = [header("🔎 Customer validation"),
              section("Before we act on these pain points, let's check them with real customers. Each owner talks "
                       "to customers and records what they heard with the buttons (or from their reminder). "
                       "A facilitator can hand a task on with `/journey validate assign <task #> @someone`.")]
    for v in tasks:
        blocks += [section(validation_line(v, today)), validation_buttons(v)]
    return message("Customer validation tasks", blocks[: limits.MESSAGE_BLOCKS])


def build_validation_summary(tasks: list[ValidationView], title: str) -> dict:
    held = [v for v in tasks if v.status == "confirmed"]
    partly = [v for v in tasks if v.status == "partly"]
    did_not = [v for v in tasks if v.status == "not_confirmed"]

    def listing(vs: list[ValidationView]) -> str:
        return "\n".join(f"• #{v.number} {t.show(v.pain, 150)}" +
                         (f" ({plural(v.evidence_customers, 'customer')})" if v.evidence_customers is not None else "")
                         for v in vs) or "_none_"

    blocks = [header(f"Validation done: {t.show_plain(title, 100)}"),
              section(f"*Held up* ✅\n{listing(held)}"), section(f"*Partly* 🌗\n{listing(partly)}"),
              section(f"*Did not hold* ❌\n{listing(did_not)}"),
              context("Every validation task of this workshop has an answer; the export and the map show them.")]
    return message(f"Customer validation of {t.show(title, 100)} is complete", blocks)


def build_action_changed(a: ActionView, today: date) -> dict:
    verb = {"done": "Marked done", "dropped": "Dropped", "open": "Updated"}.get(a.status, "Updated")
    if a.status == "open" and a.snoozed_until:
        verb = f"Snoozed until {a.snoozed_until.strftime('%a %-d %b')}"
    return note(f"{verb}: *{t.show(a.text, 200)}*")


def build_validation_reassigned(task_id: int, owner: str) -> dict:
    return note(f"Validation task #{task_id} is now <@{owner}>'s; their reminder follows.")
