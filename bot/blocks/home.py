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
MAX_WORKSHOPS = 10  # a block each
MAX_PROMPTS = 10  # a line each, in sections of at most SECTION_TEXT characters
SECTION_TEXT = 3000
# At most 1 + (1 + 40 + 1) + (1 + 20 + 1) + (1 + 10 + 1) + (1 + 4) + 2 + 1 = 85 blocks, however much work.


def _link(url: str | None, text: str) -> str:
    """`text` (already escaped) linked to a Slack permalink; the text alone when there is none."""
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in "|<> "):
        return text
    return f"<{url}|{text}>"


def _sections(lines: list[str]) -> list[dict]:
    """Lines in as few sections as fit Slack's 3000 characters each."""
    out, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + 1 + len(line) > SECTION_TEXT:
            out.append(section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else t.fit(line, SECTION_TEXT)
    return out + ([section(chunk)] if chunk else [])


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
    if not v.workshops:
        blocks.append(context("You aren't in an open workshop."))
    for w in v.workshops[:MAX_WORKSHOPS]:
        step = (f"now: {_link(w.prompt_link, t.show(w.step, 100))}" + (" (open the prompt)" if w.prompt_link else "")
                if w.step else "stage walk done")
        blocks.append(section(f"*{t.show(w.title, 100)}* in <#{w.channel_id}> · {step}"
                              + (" · you facilitate" if w.facilitator else "")))
    if len(v.workshops) > MAX_WORKSHOPS:
        blocks.append(context(f"+{len(v.workshops) - MAX_WORKSHOPS} more open workshops."))

    blocks.append(header(f"Waiting for your answer ({len(v.prompts)})"))
    if not v.prompts:
        blocks.append(context("You've answered every open prompt of your workshops."))
    lines = [f"• {_link(p.link, t.show(p.step, 100))} · *{t.show(p.workshop_title, 100)}* in <#{p.channel_id}>"
             for p in v.prompts[:MAX_PROMPTS]]
    if len(v.prompts) > MAX_PROMPTS:
        lines.append(f"+{len(v.prompts) - MAX_PROMPTS} more")
    blocks += _sections(lines)[:4]  # eleven lines: usually one section, four however long their names

    blocks.append(header("Digest"))
    if v.digest is None:
        blocks.append(context("No digest. `/journey digest subscribe weekly` sends one on Mondays at 9:00."))
    else:
        frequency, followed = v.digest
        where = (", ".join(f"<#{c}>" for c in followed[:10]) if followed else "every workshop you may see")
        blocks.append(section(f"You get a *{frequency}* digest about {where}.\n"
                              "`/journey digest unsubscribe` stops it."))
    blocks.append(context(f"{plural(len(v.actions), 'open action item')} · "
                          f"{plural(len(v.validations), 'validation task')} · "
                          f"{plural(len(v.prompts), 'prompt')} to answer · updated {today.strftime('%-d %b %Y')}"))
    return {"type": "home", "blocks": blocks[:HOME_BLOCKS]}
