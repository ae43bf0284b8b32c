"""Pure builders for the manager digest: what changed in the workshops a person follows."""

from __future__ import annotations

from datetime import date, datetime

from bot import text as t
from bot.blocks import limits
from bot.blocks.kit import context, header, message, note, plural, section
from bot.digests import MAX_OPEN_SHOWN, MAX_OVERDUE_SHOWN, Digest

CHANGE_WORDS = {"created": "new", "done": "done", "dropped": "dropped", "snoozed": "snoozed", "reopened": "reopened",
                "validated": "validation answers", "synthesis": "new synthesis"}


def digest_blocks(d: Digest, today: date) -> list[dict]:
    blocks = [header("📬 Your journey map digest")]
    if not d.workshops:
        return blocks + [section("No workshop you follow has action items or validation tasks yet.")]
    for w in d.workshops:
        counts = " · ".join(f"{n} {k}" for k, n in sorted(w.status_counts.items())) or "no action items"
        lines = [f"*{t.show(w.title, 100)}* (#{w.id}, <#{w.channel_id}>)", f"Action items: {counts}"]
        if w.overdue:
            shown = "\n".join(f"• {t.show(text, 120)} (<@{owner}>, since {due.strftime('%-d %b')})"
                              for text, owner, due in w.overdue[:MAX_OVERDUE_SHOWN])
            more = len(w.overdue) - MAX_OVERDUE_SHOWN
            lines.append(f"⚠️ *{plural(len(w.overdue), 'overdue item')}*\n{shown}" + (f"\n…and {more} more" if more > 0 else ""))
        upcoming = [x for x in w.open_items if x[2] is None or x[2] >= today]
        if upcoming:
            shown = "\n".join(
                f"• {t.show(text, 120)} (<@{owner}>" + (f", due {due.strftime('%-d %b')}" if due else "")
                + (f", for #{number}" if number else "") + ")" for text, owner, due, number in upcoming[:MAX_OPEN_SHOWN])
            more = len(upcoming) - MAX_OPEN_SHOWN
            lines.append(f"*Open:*\n{shown}" + (f"\n…and {more} more" if more > 0 else ""))
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
