"""The App Home tab: a person's own work, with the same buttons as the channel messages (pure builder)."""

from __future__ import annotations

from datetime import date

from bot import text as t
from bot.blocks.followups import action_buttons, action_line, validation_buttons, validation_line
from bot.blocks.kit import context, header, plural, section
from bot.home import HomeView

HOME_BLOCKS = 100  # Slack's limit for a Home tab
MAX_ACTIONS = 20  # two blocks each
MAX_VALIDATIONS = 10  # two blocks each
MAX_WORKSHOPS = 10


def build_home(v: HomeView, today: date) -> dict:
    blocks: list[dict] = [header("Your journey work")]
    blocks.append(header(f"Action items ({len(v.actions)} open)"))
    if not v.actions:
        blocks.append(context("Nothing open. `/journey action @owner <what> due <date>` adds one."))
    for a in v.actions[:MAX_ACTIONS]:
        blocks += [section(action_line(a, today)), action_buttons(a)]
    if len(v.actions) > MAX_ACTIONS:
        blocks.append(context(f"+{len(v.actions) - MAX_ACTIONS} more: `/journey actions mine` lists them all."))

    blocks.append(header(f"Customer validation ({len(v.validations)} to do)"))
    if not v.validations:
        blocks.append(context("No validation tasks waiting for you."))
    for task in v.validations[:MAX_VALIDATIONS]:
        blocks += [section(validation_line(task, today)), validation_buttons(task)]
    if len(v.validations) > MAX_VALIDATIONS:
        blocks.append(context(f"+{len(v.validations) - MAX_VALIDATIONS} more."))

    blocks.append(header("Your workshops"))
    lines = [f"• *{t.show(w.title, 100)}* in <#{w.channel_id}> · "
             + (f"now: {t.show(w.step, 100)}" if w.step else "stage walk done")
             + (" · you facilitate" if w.facilitator else "") for w in v.workshops[:MAX_WORKSHOPS]]
    if len(v.workshops) > MAX_WORKSHOPS:
        lines.append(f"+{len(v.workshops) - MAX_WORKSHOPS} more")
    blocks.append(section("\n".join(lines)) if lines else context("You aren't in an open workshop."))

    blocks.append(header("Digest"))
    if v.digest is None:
        blocks.append(context("No digest. `/journey digest subscribe weekly` sends one on Mondays at 9:00."))
    else:
        frequency, followed = v.digest
        where = (", ".join(f"<#{c}>" for c in followed[:10]) if followed else "every workshop you may see")
        blocks.append(section(f"You get a *{frequency}* digest about {where}.\n"
                              "`/journey digest unsubscribe` stops it."))
    blocks.append(context(f"{plural(len(v.actions), 'open action item')} · "
                          f"{plural(len(v.validations), 'validation task')} · updated {today.strftime('%-d %b %Y')}"))
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}
