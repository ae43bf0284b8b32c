"""Pure builders for every message the bot sends: each returns {"text": fallback, "blocks": [...]}.

People's text always passes through `text.show` (mrkdwn: sections, context, a message's fallback `text`) or
`text.show_plain` (plain_text: headers, buttons), so it can never ping anyone or become a link.
"""

from __future__ import annotations

from bot import ids
from bot import text as t
from bot.blocks.kit import context, header, message, note, plain_error, plural, section  # noqa: F401  (handlers use note, plain_error)
from bot.storage.models import ItemKind, StepKind
from bot.templates import Template
from bot.voting import BallotPage, VoteOutcome
from bot.workshop.flow import Closed, PromptView
from bot.workshop.replies import Rated, ReplyOutcome
from bot.workshop.status import StatusView

USAGE = (
    "Usage: `/journey new <title>` · `status` · `next` · `dept <department>` · `stages A, B, C` · `vote` · `map` · "
    "`export json|csv|md` · `action @owner <what> due <date>` · `actions` · `validate` · `nudge` · `digest` · "
    "`synthesize` · `ai off|on` · `templates` · `close` · `help`"
)

HELP_LINES = [
    ("`/journey new <title> [--template buyer] [--type current|future|blueprint] [--future-of <#>]`",
     "Start a workshop in this channel; you become its facilitator. No title opens a form."),
    ("`/journey templates`", "The journey templates and their stages."),
    ("`/journey status`", "Where the workshop is, answers per step and stage, who has joined in, which departments."),
    ("`/journey next`", "Facilitator: close the current step and post the next prompt."),
    ("`/journey dept <department>`", "Set your department (Marketing, Sales, Support, Product…), kept for this workspace."),
    ("`/journey stages A, B, C`", "Facilitator: replace the stage list, before the stage walk starts."),
    ("`/journey vote [--votes 3]`", "Facilitator: dot voting on the pain points; the tally updates live."),
    ("`/journey map [svg]`", "Post the journey map as a picture (or an editable SVG) with a summary."),
    ("`/journey export json|csv|md`", "Post the whole map as a file: data, a spreadsheet, or a report with a Mermaid diagram."),
    ("`/journey action @owner <what> [due <date>] [for pain <#>]`",
     "An action item with an owner (no text opens a form). Dates: `2026-12-15`, `in 2 weeks`, `next friday`, `end of month`."),
    ("`/journey actions [mine|all]`", "Your action items, or this channel's, overdue first, with Done / Snooze / Drop."),
    ("`/journey validate [top 3] [by <date>] [customers 5]`",
     "Facilitator: check the top pain points with real customers; owners record what they heard."),
    ("`/journey nudge [after 2h | off]`", "Facilitator: privately nudge who hasn't answered, now or each step."),
    ("`/journey digest subscribe [daily|weekly] [@someone]`", "Action-item digests by DM; also `unsubscribe`, `now`, `follow #channel`."),
    ("`/journey synthesize`", "Facilitator: merge duplicate pain points, summarise stages, draft ideas and interview guides."),
    ("`/journey ai off|on`", "Facilitator: keep this workshop's answers away from any model (basic synthesis only)."),
    ("`/journey close`", "Facilitator: end the workshop (a review reminder follows in 90 days)."),
    ("`/journey help`", "This help."),
]

EMOTION_FACES = {1: "😖", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def build_sorry() -> dict:
    return note(
        "Sorry, something went wrong on my side and I couldn't finish that. Nothing you'd already given is lost; "
        "please try again in a moment."
    )


def build_busy() -> dict:
    return note("Sorry, I couldn't take that just now (my database isn't answering), so nothing happened. "
                "Please try again in a minute.")


def build_help() -> dict:
    lines = "\n".join(f"{cmd}\n      {what}" for cmd, what in HELP_LINES)
    return message(
        USAGE,
        [
            header("Journey Workshop Bot"),
            section(
                "I lead your team through a customer journey mapping workshop in this channel: objectives, personas, "
                "stages, then each stage's touchpoints, emotions, pain points and opportunities. "
                "Answer each prompt *in its thread*."
            ),
            section(lines),
        ],
    )


def build_unknown(message: str) -> dict:
    return note(f"{message}\n{USAGE}")


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
MAP_TYPE_LABELS = {"current": "current state", "future": "future state", "blueprint": "service blueprint"}


def build_prompt(p: PromptView) -> dict:
    title = t.show_plain(p.title, 80)
    step = f"Step {p.number} of {p.total}"
    kind = "" if p.map_type == "current" else f" · {MAP_TYPE_LABELS.get(p.map_type, p.map_type)}"
    footer = (f"*{t.show(p.title, 100)}* · {step} · {t.show(p.template_name, 60)}{kind} · "
              "the facilitator moves on with `/journey next`")
    if p.kind == StepKind.OBJECTIVES:
        head = f"🧭 {title}: objectives"
        body = (
            "Welcome to our customer journey mapping workshop! Everyone from every department is invited to answer.\n\n"
            "*What should this journey map help us understand or change?* Reply in this thread, *one objective per line*.\n"
            "Tip: tell me your department first with `/journey dept <department>`, so the map shows which teams see what."
        )
        blocks = [header(head), section(body)]
    elif p.kind == StepKind.PERSONAS:
        head = f"👥 {title}: personas"
        body = (
            "*Who is the customer on this journey?* Reply in this thread with *one persona per reply*:\n"
            "first line `Name — short description` (or `Name: description`); more lines add detail.\n"
            "_e.g._ `Olivia — operations lead at a 50-person logistics firm, buys on a monthly budget`"
        )
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


def build_slack_failed(what: str, error: str, *, retry: str) -> dict:
    """Slack refused a call the person is waiting for: what failed, that nothing is lost, and what to do."""
    hint = {
        "not_in_channel": f"Invite me with `/invite @Journey Workshop`, then {retry}.",
        "channel_not_found": f"I can't see this channel. Invite me with `/invite @Journey Workshop`, then {retry}.",
        "is_archived": "This channel is archived.",
        "ratelimited": f"Slack is rate-limiting me; {retry} in a minute.",
    }.get(error, retry[0].upper() + retry[1:] + ".")
    return note(f"⚠️ I couldn't {what} (`{t.show(error, 60)}`); nothing is lost. {hint}")


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


EXPORT_KINDS = {"json": "data (JSON)", "csv": "a spreadsheet (CSV)", "md": "a report (Markdown, with a Mermaid diagram)"}


def build_export_comment(title: str, fmt: str) -> str:
    return f"🗂️ The journey map of *{t.show(title, 100)}* as {EXPORT_KINDS.get(fmt, fmt)}."


# --- Replies in threads ----------------------------------------------------------------------------------


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


def build_classified(kind: str, line: str) -> dict:
    return note(f"Filed as *{_KIND_LABELS.get(kind, kind).lower()}*: {t.show(line, 200)}")


def build_problems(problems: list[tuple[str, str]]) -> dict:
    # The reasons are the bot's own mrkdwn; the lines are the person's text.
    listing = "\n".join(f"• “{t.show(line, 80)}”: {t.shorten(why, 200)}" for line, why in problems[:20])
    return note(f"Some lines of your reply weren't stored:\n{listing}\nEdit your reply to fix them.")


def build_closed_step(o: ReplyOutcome) -> dict:
    where = (
        f" We're now on *{t.show(o.open_label, 100)}*; please answer in the thread of that prompt."
        if o.open_label
        else " The workshop is closed."
    )
    return note(f"Thanks! *{t.show(o.step_label or 'This step', 100)}* is closed, so this reply wasn't recorded.{where}")


def build_department_hint() -> dict:
    return note(
        "Thanks for joining in! Which department are you in? Tell me with `/journey dept <department>` "
        "(e.g. `/journey dept Support`) so the map shows which teams see what."
    )


def build_rated(r: Rated) -> dict:
    change = f" (was {r.replaced})" if r.replaced is not None and r.replaced != r.score else ""
    return note(f"You rated *{t.show(r.stage_name, 60)}* {r.score} {EMOTION_FACES[r.score]}{change}.")


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
                "text": {"type": "mrkdwn", "text": t.fit(f"*{line.votes}* {dots}  {t.show(line.text, 300)}{stage}")},
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
    return note(f"{done} “{t.show(v.text, 150)}”. {plural(left, 'dot')} left of {v.allowed}.")


# --- The map picture's summary ---------------------------------------------------------------------------

MAX_SUMMARY_STAGES = 20
MAX_SUMMARY_PAINS = 3


def emotion_face(avg: float | None) -> str:
    return EMOTION_FACES[min(5, max(1, round(avg)))] if avg is not None else "·"


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
            (f"●{p['votes']} " if p.get("votes") else "") + t.show(p["text"], 120)
            for p in st["pain_points"][:MAX_SUMMARY_PAINS]
        ]
        more = len(st["pain_points"]) - MAX_SUMMARY_PAINS
        pain_text = "; ".join(pains) + (f" (+{more} more)" if more > 0 else "") if pains else "no pain points"
        summary = f"\n_{t.show(synthesis[st['name']], 300)}_" if st["name"] in synthesis else ""
        blocks.append(section(f"*{t.show(st['name'], 60)}* · {emo}\n{pain_text}{summary}"))
    extra = len(data["stages"]) - MAX_SUMMARY_STAGES
    if extra > 0:
        blocks.append(context(f"+{extra} more stages in the picture"))
    what = "The picture" if fmt == "png" else "The SVG (open it in a browser, Figma or Illustrator to edit)"
    blocks.append(context(f"{what} has every lane; `/journey export md` makes a report, `/journey map svg` an editable copy."))
    return message(f"Journey map of {t.show(title, 100)}", blocks)
