"""Pure builders for the manager digest: what changed in the workshops a person follows."""

from __future__ import annotations

from datetime import date, datetime

from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import context, header, message, note, plural, section
from bot.digests import MAX_OPEN_SHOWN, Digest, DigestItem

CHANGE_WORDS = {"created": "new", "done": "done", "dropped": "dropped", "snoozed": "snoozed", "reopened": "reopened",
                "validated": "validation answers", "synthesis": "new synthesis"}


def _item_line(i: DigestItem, today: date) -> str:
    """• what (owner by name, due when[, for #n])."""
    owner = t.show(i.owner_name, 60) if i.owner_name else f"<@{i.owner}>"
    when = "no due date"
    if i.due is not None:
        when = (f"overdue since {i.due:%a %-d %b}" if i.due < today else "due today" if i.due == today
                else f"due {i.due:%a %-d %b}")
    return f"• {t.show(i.text, 120)} ({owner}, {when}" + (f", for #{i.number}" if i.number else "") + ")"


def digest_blocks(d: Digest, today: date) -> list[dict]:
    blocks = [header("📬 Your journey map digest")]
    if not d.workshops:
        return blocks + [section("No workshop you follow has action items or validation tasks yet.")]
    for w in d.workshops:
        counts = " · ".join(f"{n} {k}" for k, n in sorted(w.status_counts.items())) or "no action items"
        lines = [f"*{t.show(w.title, 100)}* (#{w.id}, <#{w.channel_id}>)", f"Action items: {counts}"]
        for title, listed in (("🆕 *New since the last digest*", w.new_items()),
                              ("⚠️ *Overdue*", w.overdue_items()),
                              ("📅 *Due this week*", w.due_this_week())):
            if listed:
                shown = "\n".join(_item_line(i, today) for i in listed[:MAX_OPEN_SHOWN])
                more = len(listed) - MAX_OPEN_SHOWN
                lines.append(f"{title}\n{shown}" + (f"\n…and {more} more" if more > 0 else ""))
        if w.items and w.later():
            lines.append(f"+{plural(w.later(), 'more open item')}, due later or with no date.")
        if w.top_pains:
            lines.append("*Top pain points:*\n" + "\n".join(
                f"• #{n} {t.show(text, 120)} ({plural(votes, 'vote')}" + (f", {t.show(v, 80)}" if v else "") + ")"
                for n, text, votes, v in w.top_pains))
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
        blocks.append(section("\n".join(lines)))
    if d.more:
        blocks.append(context(f"+{d.more} more workshops; `/journey digest follow #channel` narrows this down."))
    blocks.append(context("Every item is in `/journey export json` in each workshop's channel. "
                           "`/journey digest unsubscribe` stops these."))
    return blocks


def build_digest(d: Digest, today: date) -> dict:
    return message("Your journey map digest", digest_blocks(d, today)[: limits.MESSAGE_BLOCKS])


def build_subscribed(you: str, frequency: str, first: datetime) -> dict:
    """`you`: "you", or the person subscribed (a mention)."""
    return note(f"Subscribed {you} to a {frequency} digest by DM; the first comes "
                f"<!date^{int(first.timestamp())}^{{date_short_pretty}} at {{time}}|{first:%Y-%m-%d %H:%M} UTC>.")


def build_unsubscribed(you: str, found: bool) -> dict:
    return note(f"Unsubscribed {you}." if found else f"{you.capitalize()} had no digest subscription.")


def build_following(channels: list[str]) -> dict:
    return note("Your digest covers " + (", ".join(f"<#{ch}>" for ch in channels) if channels
                                         else "every workshop in this workspace") + ".")
