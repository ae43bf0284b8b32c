"""Pure builders for the workshop's messages: the step prompts, confirmations, status, templates, nudges."""

from __future__ import annotations

from bot import ids
from bot import text as t
from bot.blocks.kit import EMOTION_FACES, context, header, message, note, plural, section
from bot.storage.models import StepKind
from bot.templates import Template
from bot.workshop.flow import Closed, PromptView
from bot.workshop.status import StatusView

# --- Prompts ---------------------------------------------------------------------------------------------


_STAGE_HOWTO = (
    "Reply in this thread, *one item per line*, starting each with its kind:\n"
    "• `touchpoint:` where customers meet us here (ad, demo, invoice, support chat…)\n"
    "• `pain:` what frustrates or blocks them\n"
    "• `idea:` an opportunity to make it better\n"
    "• `emotion: 1-5 [note]` how customers feel here (1 = very negative, 5 = very positive), or use the buttons"
)
_BLUEPRINT_HOWTO = (
    "\n• `frontstage:` what our people and systems do in front of the customer here\n"
    "• `backstage:` (or `support:`) what happens behind the scenes to make it work"
)
# The first two steps' prompts: (icon, what to answer).
_OPENING = {
    StepKind.OBJECTIVES: ("🧭", (
        "Welcome to our customer journey mapping workshop! Everyone from every department is invited to answer.\n\n"
        "*What should this journey map help us understand or change?* Reply in this thread, *one objective per line*.\n"
        "Tip: tell me your department first with `/journey dept <department>`, so the map shows which teams see what."
    )),
    StepKind.PERSONAS: ("👥", (
        "*Who is the customer on this journey?* Reply in this thread with *one persona per reply*:\n"
        "first line `Name — short description` (or `Name: description`); more lines add detail.\n"
        "_e.g._ `Olivia — operations lead at a 50-person logistics firm, buys on a monthly budget`"
    )),
}
MAP_TYPE_LABELS = {"current": "current state", "future": "future state", "blueprint": "service blueprint"}


def build_prompt(p: PromptView) -> dict:
    title = t.show_plain(p.title, 80)
    step = f"Step {p.number} of {p.total}"
    kind = "" if p.map_type == "current" else f" · {MAP_TYPE_LABELS.get(p.map_type, p.map_type)}"
    footer = (f"*{t.show(p.title, 100)}* · {step} · {t.show(p.template_name, 60)}{kind} · "
              "the facilitator moves on with `/journey next`")
    if p.kind in _OPENING:
        icon, body = _OPENING[p.kind]
        head = f"{icon} {title}: {p.kind}"
        blocks = [header(head), section(body)]
    elif p.kind == StepKind.STAGES:
        head = f"🗺️ {title}: stages"
        if p.stage_names:
            listing = "\n".join(f"{i}. {t.show(n, 60)}" for i, n in enumerate(p.stage_names, 1))
            body = (
                f"We'll walk through the customer's journey in these stages ({t.show(p.template_name, 60)}):\n"
                f"{listing}\n\nMissing one, or one that doesn't fit our customers? *Suggest stages in this thread*, "
                "one per line. The facilitator confirms the list with `/journey stages A, B, C`."
            )
        else:
            body = (
                "*Which stages does our customer go through?* Suggest them in this thread, one per line, in order. "
                "The facilitator then sets the list with `/journey stages A, B, C`."
            )
        blocks = [header(head), section(body)]
    else:
        head = f"📍 Stage {p.number - 3} of {p.total - 3}: {t.show_plain(p.stage_name or '', 60)}"
        blocks = [header(head)]
        if p.stage_hint:
            blocks.append(section(f"_{t.show(p.stage_hint, 300)}_"))
        blocks.append(section(_STAGE_HOWTO + (_BLUEPRINT_HOWTO if p.map_type == "blueprint" else "")))
        blocks.append(
            {
                "type": "actions",
                "block_id": f"emotion:{p.stage_id}",
                "elements": [
                    {
                        "type": "button",
                        "action_id": f"{ids.EMOTION_RATE}_{score}",
                        "text": {"type": "plain_text", "text": f"{score} {face}", "emoji": True},
                        "value": f"{p.stage_id}:{score}",
                    }
                    for score, face in EMOTION_FACES.items()
                ],
            }
        )
    blocks.append(context(footer))
    return message(f"{t.escape_mrkdwn(head)}: reply in the thread", blocks)


def build_started(p: PromptView) -> dict:
    return note(
        f"You're facilitating *{t.show(p.title, 100)}*. I posted the first prompt; when people have answered, "
        "`/journey next` moves on. `/journey status` shows who has joined in, and `/journey stages A, B, C` changes "
        "the stage list before the stage walk."
    )


def build_stages_set(names: list[str]) -> dict:
    listing = " → ".join(t.show(n, 60) for n in names)
    return note(f"🗺️ Stages confirmed: {listing}")


def build_reposted(p: PromptView) -> dict:
    return note(f"The prompt for step {p.number} hadn't reached the channel, so I posted it now instead of moving on.")


def build_closed(c: Closed) -> dict:
    text = (
        f"✅ *{t.show(c.title, 100)}* is closed: {plural(c.answers, 'answer')} from {plural(c.people, 'person', 'people')} "
        f"across {plural(c.departments, 'department')}. Thank you all!\n"
        "`/journey export json` posts the map as a file."
    )
    return note(text)


def build_dept_set(name: str) -> dict:
    return note(f"Got it: you're in *{t.show(name, 40)}*. Your answers will be counted for that department.")


def build_dept_current(name: str | None) -> dict:
    if name:
        return note(f"You're in *{t.show(name, 40)}*. Change it with `/journey dept <department>`.")
    return note("You haven't set a department yet. Say which with `/journey dept <department>`, e.g. `/journey dept Sales`.")


# --- Status ----------------------------------------------------------------------------------------------

MAX_NAMES = 40


def _people(users: list[str]) -> str:
    shown = ", ".join(f"<@{u}>" for u in users[:MAX_NAMES])
    more = len(users) - MAX_NAMES
    return shown + (f" and {more} more" if more > 0 else "")


def build_status(s: StatusView) -> dict:
    state = f"Current step: *{t.show(s.current_label, 100)}*" if s.current_label else "This workshop is *closed*."
    if s.current_label and not s.prompt_posted:
        state += " (its prompt isn't in the channel yet: `/journey next` posts it)"
    blocks = [
        header(f"📋 {t.show_plain(s.title, 120)}"),
        section(
            f"{state}\nWorkshop #{s.workshop_id} · {MAP_TYPE_LABELS.get(s.map_type, s.map_type)} · "
            f"Template: {t.show(s.template_name, 60)} · Facilitator: {_people(s.facilitators)}"
        ),
        {"type": "divider"},
    ]
    step_lines = "\n".join(
        f"{'▶️' if cur else '•'} {t.show(label, 100)}: {plural(n, 'answer')}" for label, n, cur in s.steps
    )
    blocks.append(section("*Answers per step*\n" + (step_lines or "_No steps yet._")))
    stage_lines = []
    for st in s.stages:
        spread = f" ±{st.emotion_spread:.1f}" if st.emotion_spread is not None else ""
        emo = (f"emotion {st.emotion_average:.1f}/5{spread} ({plural(st.ratings, 'rating')})"
               if st.emotion_average is not None else "no emotion ratings yet")
        line = (
            f"• *{t.show(st.name, 60)}*: {plural(st.touchpoints, 'touchpoint')} · {plural(st.pain_points, 'pain point')} · "
            f"{plural(st.opportunities, 'opportunity', 'opportunities')} · {emo}"
        )
        if st.unsorted:
            line += f" · {st.unsorted} unsorted"
        stage_lines.append(line)
    if stage_lines:
        blocks.append(section("*Stages*\n" + "\n".join(stage_lines)))
    if s.top_pains:
        blocks.append(section("*Top pain points*\n" + "\n".join(
            f"• *#{n}* {t.show(text, 120)}" + (f" · {plural(votes, 'vote')}" if votes else "")
            + (f" · {t.show(v, 80)}" if v else "") for n, text, votes, v in s.top_pains)))
    blocks.append({"type": "divider"})

    if s.contributors:
        who = "\n".join(
            f"• <@{u}> ({t.show(d, 40) if d else '_no department_'}): {n}" for u, d, n in s.contributors[:MAX_NAMES]
        )
        more = len(s.contributors) - MAX_NAMES
        if more > 0:
            who += f"\n…and {more} more"
        blocks.append(section(f"*Contributed ({len(s.contributors)})*\n{who}"))
    else:
        blocks.append(section("*Contributed*\nNo answers yet."))
    if s.not_contributed:
        blocks.append(section(f"*Not yet contributed ({len(s.not_contributed)})*\n{_people(s.not_contributed)}"))

    if s.departments:
        depts = " · ".join(
            f"{t.show(d, 40) if d else '_no department_'}: {n}" for d, n in s.departments
        )
        named = [d for d, _ in s.departments if d]
        blocks.append(section(f"*Departments represented ({len(named)})*\n{depts}"))
    if s.validation:
        done = sum(n for k, n in s.validation.items() if k != "pending")
        parts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in sorted(s.validation.items()))
        blocks.append(section(f"*Customer validation*: {done} of {sum(s.validation.values())} answered ({parts})"))
    if s.dominant:
        d, share = s.dominant
        blocks.append(
            section(
                f"⚠️ *{t.show(d, 40)}* gave {share:.0%} of the answers. A journey map is about the cross-department view: "
                "ask people from the other teams (marketing, sales, support, product…) to add theirs before moving on."
            )
        )
    if any(d is None for d, _ in s.departments):
        blocks.append(context("Some answers come from people with no department; they can set one with `/journey dept <department>`."))
    return message(f"Status of {t.show(s.title, 100)}", blocks)


# --- Templates -------------------------------------------------------------------------------------------


def build_templates(templates: dict[str, Template]) -> dict:
    lines = []
    for key, tpl in templates.items():
        stages = " → ".join(t.show(s.name, 40) for s in tpl.stages) or "_you name the stages_"
        lines.append(f"*`{key}`* {t.show(tpl.name, 60)}: {t.show(tpl.description, 200)}\n      {stages}")
    return message(
        "Journey templates",
        [
            header("Journey templates"),
            section("\n".join(lines)),
            context("Use one with `/journey new <title> --template <name>`. Map types: `--type current` (default), "
                     "`future`, `blueprint` (adds frontstage and backstage lanes)."),
        ],
    )


# --- Nudges ----------------------------------------------------------------------------------------------


def humanise_minutes(minutes: int) -> str:
    if minutes % 1440 == 0:
        return plural(minutes // 1440, "day")
    if minutes % 60 == 0:
        return plural(minutes // 60, "hour")
    return plural(minutes, "minute")


def build_nudge_delay(minutes: int | None) -> dict:
    """`/journey nudge after …` or `off`."""
    if minutes is None:
        return note("Nudges are off.")
    return note(f"From the next step on, people who haven't answered get a private nudge {humanise_minutes(minutes)} "
                "after it opens (once per step).")


def build_nudging(sent: int) -> dict:
    """`/journey nudge`: how many were nudged now."""
    if not sent:
        return note("Everyone here has answered (or was nudged already): nobody to nudge.")
    return note(f"Nudging {plural(sent, 'person', 'people')} privately (at night in their time zone: in their "
                "morning).")
