"""Pure builders for action items and reminders."""

from __future__ import annotations

from datetime import date

from bot import ids
from bot import text as t
from bot.blocks import limits
from bot.blocks.messages import _context, _header, _message, _section, note, plural
from bot.digests import MAX_OVERDUE_SHOWN, Digest
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


def _line(a: ActionView, today: date) -> str:
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
    blocks = [_section(f"{headline}\n{_line(a, today)}" if headline else _line(a, today)), action_buttons(a)]
    if a.history:
        at, by, change, detail = a.history[-1]
        blocks.append(_context(f"Last change: {change}{' ' + t.show(detail, 60) if detail else ''} by <@{by}>, "
                               f"{at.strftime('%-d %b %H:%M UTC')}"))
    return _message(f"Action item: {t.show(a.text, 200)}", blocks)


def build_actions_list(items: list[ActionView], today: date, scope: str) -> dict:
    if not items:
        return note("You have no action items." if scope == "mine" else "This channel has no action items yet. "
                    "Add one with `/journey action @owner <what> due <date>`.")
    overdue = sum(1 for a in items if a.overdue)
    title = "Your action items" if scope == "mine" else "Action items in this channel"
    blocks = [_header(title), _context(f"{plural(len(items), 'item')} · {overdue} overdue")]
    for a in items[:MAX_LISTED]:
        blocks += [_section(_line(a, today)), action_buttons(a)]
    if len(items) > MAX_LISTED:
        blocks.append(_context(f"+{len(items) - MAX_LISTED} more: `/journey export json` has them all."))
    return _message(title, blocks[: limits.MESSAGE_BLOCKS])


REMINDER_HEADLINES = {
    "action_due_soon": "⏰ Due soon",
    "action_overdue": "⚠️ Overdue",
    "validation_due": "🔎 Customer validation",
    "nudge": "👋 Your view is missing",
    "map_review": "🗓️ Time to review a journey map",
}
VALIDATION_ICONS = {"pending": "🔎", "confirmed": "✅", "partly": "🌗", "not_confirmed": "❌"}


def _validation_line(v: ValidationView, today: date) -> str:
    state = (f"talk to {plural(v.customers, 'customer')} about it, {due_text(v.due, today)}" if v.status == "pending"
             else f"*{OUTCOMES[v.status].lower()}*" + (f" by {plural(v.evidence_customers, 'customer')}"
                                                       if v.evidence_customers is not None else ""))
    note = f"\n> {t.show(v.note, 300)}" if v.note else ""
    guide = ("\n_Interview guide:_\n" + "\n".join(f"{n}. {t.show(q, 200)}" for n, q in enumerate(v.guide, 1))
             if v.guide else "")
    return (f"{VALIDATION_ICONS.get(v.status, '•')} Pain point #{v.pain_point_id}: *{t.show(v.pain, 200)}* "
            f"_({t.show(v.stage, 40)})_\n<@{v.owner}> · {state} · task #{v.id}{note}{guide}")


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
    blocks = [_header("🔎 Customer validation"),
              _section("Before we act on these pain points, let's check them with real customers. Each owner talks "
                       "to customers and records what they heard with the buttons (or from their reminder). "
                       "A facilitator can hand a task on with `/journey validate assign <task #> @someone`.")]
    for v in tasks:
        blocks += [_section(_validation_line(v, today)), validation_buttons(v)]
    return _message("Customer validation tasks", blocks[: limits.MESSAGE_BLOCKS])


def build_validation_summary(tasks: list[ValidationView], title: str) -> dict:
    held = [v for v in tasks if v.status == "confirmed"]
    partly = [v for v in tasks if v.status == "partly"]
    did_not = [v for v in tasks if v.status == "not_confirmed"]

    def listing(vs: list[ValidationView]) -> str:
        return "\n".join(f"• #{v.pain_point_id} {t.show(v.pain, 150)}" +
                         (f" ({plural(v.evidence_customers, 'customer')})" if v.evidence_customers is not None else "")
                         for v in vs) or "_none_"

    blocks = [_header(f"Validation done: {t.show_plain(title, 100)}"),
              _section(f"*Held up* ✅\n{listing(held)}"), _section(f"*Partly* 🌗\n{listing(partly)}"),
              _section(f"*Did not hold* ❌\n{listing(did_not)}"),
              _context("Every validation task of this workshop has an answer; the export and the map show them.")]
    return _message(f"Customer validation of {t.show(title, 100)} is complete", blocks)


def build_reminders(entries: list[tuple[str, object, bool]], today: date) -> dict:
    """One DM for everything due for a person at once: (kind, item, late) entries, each with its buttons."""
    blocks = []
    if len(entries) > 1:
        blocks.append(_header(f"{plural(len(entries), 'reminder')} for you"))
    shown = entries[: (limits.MESSAGE_BLOCKS - 2) // 2]
    for kind, view, late in shown:
        headline = REMINDER_HEADLINES.get(kind, "Reminder")
        if late:
            headline += " _(sent late: the bot was offline when this fell due)_"
        if isinstance(view, ValidationView):
            blocks += [_section(f"{headline}\n{_validation_line(view, today)}"), validation_buttons(view)]
        elif isinstance(view, ActionView):
            blocks += [_section(f"{headline}\n{_line(view, today)}"), action_buttons(view)]
        elif isinstance(view, Digest):
            blocks += digest_blocks(view, today)
        else:  # plain text reminders (nudges, map reviews): already safe mrkdwn
            blocks.append(_section(f"{headline}\n{view}"))
    if len(entries) > len(shown):
        blocks.append(_context(f"+{len(entries) - len(shown)} more: `/journey actions` lists them all."))
    blocks = blocks[: limits.MESSAGE_BLOCKS]
    first = entries[0][1]
    what = getattr(first, "text", None) or getattr(first, "pain", None) or "your digest"
    fallback = f"Reminder: {t.show(what, 150)}" + (f" and {len(entries) - 1} more" if len(entries) > 1 else "")
    return _message(fallback, blocks)


def build_action_changed(a: ActionView, today: date) -> dict:
    verb = {"done": "Marked done", "dropped": "Dropped", "open": "Updated"}.get(a.status, "Updated")
    if a.status == "open" and a.snoozed_until:
        verb = f"Snoozed until {a.snoozed_until.strftime('%a %-d %b')}"
    return note(f"{verb}: *{t.show(a.text, 200)}*")


def build_undeliverable(owner: str, what: str, error: str) -> dict:
    return note(f"⚠️ I couldn't deliver a reminder to <@{owner}> about *{t.show(what, 150)}* (`{t.show(error, 40)}`). "
                "Could you pass it on, or reassign the item?")


CHANGE_WORDS = {"created": "new", "done": "done", "dropped": "dropped", "snoozed": "snoozed", "reopened": "reopened",
                "validated": "validation answers", "synthesis": "new synthesis"}


def digest_blocks(d: Digest, today: date) -> list[dict]:
    blocks = [_header("📬 Your journey map digest")]
    if not d.workshops:
        return blocks + [_section("No workshop you follow has action items or validation tasks yet.")]
    for w in d.workshops:
        counts = " · ".join(f"{n} {k}" for k, n in sorted(w.status_counts.items())) or "no action items"
        lines = [f"*{t.show(w.title, 100)}* (#{w.id}, <#{w.channel_id}>)", f"Action items: {counts}"]
        if w.overdue:
            shown = "\n".join(f"• {t.show(text, 120)} (<@{owner}>, since {due.strftime('%-d %b')})"
                              for text, owner, due in w.overdue[:MAX_OVERDUE_SHOWN])
            more = len(w.overdue) - MAX_OVERDUE_SHOWN
            lines.append(f"⚠️ *{plural(len(w.overdue), 'overdue item')}*\n{shown}" + (f"\n…and {more} more" if more > 0 else ""))
        if w.changes:
            lines.append("Since the last digest: " + ", ".join(f"{n} {CHANGE_WORDS.get(k, k)}"
                                                             for k, n in sorted(w.changes.items())))
        if w.validation:
            done = sum(n for k, n in w.validation.items() if k != "pending")
            lines.append(f"Customer validation: {done} of {sum(w.validation.values())} answered ("
                         + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(w.validation.items())) + ")")
        if w.lowest:
            lines.append(f"Lowest emotion: *{t.show(w.lowest[0], 60)}* {w.lowest[1]:.1f}/5")
        if w.synthesis:
            lines.append(f"🧠 Synthesis: {t.show(w.synthesis, 250)}")
        blocks.append(_section("\n".join(lines)))
    if d.more:
        blocks.append(_context(f"+{d.more} more workshops; `/journey digest follow #channel` narrows this down."))
    blocks.append(_context("Every item is in `/journey export json` in each workshop's channel. "
                           "`/journey digest unsubscribe` stops these."))
    return blocks


def build_digest(d: Digest, today: date) -> dict:
    return _message("Your journey map digest", digest_blocks(d, today)[: limits.MESSAGE_BLOCKS])
