"""Every `/journey` subcommand, once: its name and aliases, how its arguments parse (bot/arguments.py), the Slack
look-ups it needs before its transaction, its handler (bot/handlers/, by feature), who may run it, its usage
line and its help. Dispatch, `/journey help`, `/journey help <command>`, "did you mean …?" and each error's
usage line all come from this table.

`who` is what the help says; the rules enforce it (bot/workshop/access.py), with the names of the facilitators.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot import arguments as a
from bot import opportunities as opportunity_rules
from bot.blocks import help as b
from bot.handlers import digests, followups, maps, metrics, opportunities, reviews, synthesis, workshop
from bot.text import from_slack

ANYONE, FACILITATOR = "anyone", "facilitator"


@dataclass(frozen=True)
class Subcommand:
    name: str
    parse: Callable[[str], a.Command]
    handle: Callable[[Any, Any], None]  # (the request, its typed command), in the inbox's transaction
    usage: str  # what follows `/journey`; [optional parts] are left out of the one-line summaries
    summary: str  # what it does, for `/journey help <name>`
    brief: str  # its line in `/journey help`: short, so the whole list fits a screen
    group: str  # the heading `/journey help` lists it under
    who: str = ANYONE
    aliases: tuple[str, ...] = ()
    prepare: Callable[[Any, Any], None] | None = None  # Slack look-ups, before the transaction opens
    detail: str = ""  # more for `/journey help <name>`: options and examples


def _help(r, cmd: a.Help) -> None:
    r.reply(help_message(cmd.topic))


def _invalid(r, cmd: a.Invalid) -> None:
    r.reply(invalid_message(cmd))


# (help is listed with the workshop's commands: a heading of its own would cost the list a line)
WORKSHOP, MAP, FOLLOW_UPS, AI = "Run a workshop", "The map", "After the workshop", "Synthesis"
# The longer help texts, for `/journey help <command>`.
NEW_DETAIL = ("`--template` picks the stages (`/journey templates` lists them); `--type blueprint` adds frontstage and "
              "backstage lanes; `--future-of 12` starts a future-state map from workshop #12's stages and pain "
              "points. One open workshop per channel.")
NEXT_DETAIL = "If the current prompt never reached the channel, it is posted instead."
NUDGE_DETAIL = ("A nudge is a DM that names nobody else, never at night in the person's time zone. `after 30m`, "
                "`after 2h` or `after 1d`: once per step, that long after it opens.")
VOTE_DETAIL = ("Everyone has that many dots (default 3, at most 20); a second click takes a dot back so it can be "
               "moved. From then on pain points are ranked by votes everywhere.")
ACTION_DETAIL = ("Dates: `2026-12-15`, `in 2 weeks`, `next friday`, `end of month`, read in your time zone. The item "
                 "is announced in the channel with Done / Snooze / Drop buttons.")
OPPORTUNITY_DETAIL = ("Opportunities are numbered O1, O2, … (the list, the map summary, the canvas and the report show "
                      "them). `/journey opportunity 3 value 4 effort 2 owner @ana` sets any of the three (`none` "
                      "clears one); value and effort go from 1 to 5. Facilitators and an opportunity's owner can "
                      "rate it or hand it on. `/journey map opportunities` draws the value/effort 2×2.")
DIGEST_DETAIL = ("Also `/journey digest unsubscribe [@someone]` (yourself, or someone you subscribed), `now`, "
                 "`follow #channel` (`follow all`: every workshop). It covers the workshops its reader may see.")
REVIEW_DETAIL = ("Everyone re-rates each stage and says of each pain point whether it is resolved, still there or "
                 "worse (one answer each, changeable), and can add new ones. `/journey review close` ends it: the map, "
                 "its canvas and report then compare with the snapshot, and the next review is planned in 90 days. "
                 "The review reminder's *Start the review* button does the same as `/journey review`.")
METRIC_DETAIL = ("The stage by number or name, then the figure's name (up to 40 characters), then its value: "
                 "`/journey metric Awareness NPS 32`, `/journey metric 3 Conversion 3.2%`. Each review keeps the "
                 "figures of its period; the map shows the latest beside the one before.")

TABLE: tuple[Subcommand, ...] = (
    Subcommand("new", a.parse_new, workshop.new, prepare=workshop.prepare_new, group=WORKSHOP,
               usage="new <title> [--template <name>] [--type current|future|blueprint] [--future-of <#>]",
               brief="Start a workshop here (no title: a form)",
               summary="Start a workshop in this channel; you become its facilitator. No title opens a form.",
               detail=NEW_DETAIL),
    Subcommand("templates", a.no_args(a.Templates(), "templates"), workshop.templates, group=WORKSHOP,
               usage="templates", brief="The journey templates and their stages",
               summary="The journey templates and their stages."),
    Subcommand("status", a.no_args(a.Status(), "status"), workshop.show_status, prepare=workshop.prepare_members,
               group=WORKSHOP, usage="status",
               brief="Where the workshop is, who has joined in",
               summary="Where the workshop is, answers per step and stage, who has joined in, which departments."),
    Subcommand("next", a.no_args(a.Next(), "next"), workshop.next_step, prepare=workshop.prepare_next,
               group=WORKSHOP, who=FACILITATOR, usage="next", detail=NEXT_DETAIL,
               brief="Close this step, post the next prompt",
               summary="Close the current step and post the next prompt."),
    Subcommand("dept", a.parse_dept, workshop.dept, aliases=("department",), group=WORKSHOP,
               usage="dept <department>", detail="`/journey dept` alone shows the one you have.",
               brief="Set your department",
               summary="Set your department (Marketing, Sales, Support, Product…), kept for this workspace."),
    Subcommand("stages", a.parse_stages, workshop.stages, group=WORKSHOP, who=FACILITATOR, usage="stages A, B, C",
               brief="Set the stages, before the stage walk",
               summary="Replace the stage list, before the stage walk starts."),
    Subcommand("reopen", a.parse_reopen, workshop.reopen, group=WORKSHOP, who=FACILITATOR,
               usage="reopen <stage # or name>",
               brief="Open a passed stage again",
               summary="Open a passed stage again, for late additions.",
               detail="Replies in its prompt's thread count again until the next `/journey next` or `/journey close`. "
                      "`/journey status` numbers the stages."),
    Subcommand("nudge", a.parse_nudge, workshop.nudge, prepare=workshop.prepare_nudge, group=WORKSHOP,
               who=FACILITATOR, usage="nudge [after 2h | off]", detail=NUDGE_DETAIL,
               brief="Privately nudge who hasn't answered",
               summary="Privately nudge who hasn't answered, now or each step."),
    Subcommand("close", a.no_args(a.Close(), "close"), workshop.close, prepare=workshop.prepare_close,
               group=WORKSHOP, who=FACILITATOR, usage="close",
               brief="End the workshop",
               summary="End the workshop (a review reminder follows in 90 days)."),
    Subcommand("vote", a.parse_vote, maps.vote, group=MAP, who=FACILITATOR, usage="vote [--votes 3]",
               brief="Dot voting on the pain points",
               summary="Dot voting on the pain points; the tally updates live.", detail=VOTE_DETAIL),
    Subcommand("map", a.parse_map, maps.show_map, prepare=maps.prepare_names, group=MAP,
               usage="map [wide] [svg] [nocanvas]",
               brief="The journey map as a picture",
               summary="Post the journey map as a picture (or an editable SVG) with a summary.",
               detail="`wide` lays it out as a 16:9 slide for a deck; `svg` opens in Figma, Illustrator or a "
                      "browser; `opportunities` draws the opportunities' value/effort 2×2 (quick wins, big bets, "
                      "fill-ins, money pits). The channel's first map also gives it a canvas with the map, kept "
                      "current (`nocanvas`: not this time)."),
    Subcommand("merge", a.parse_merge, maps.merge, group=MAP, who=FACILITATOR, usage="merge <number> <number>… [as <statement>]",
               brief="Make pain points that say the same thing one",
               summary="Make pain points that say the same thing one (their votes, actions and checks join).",
               detail="`/journey merge 3 7 9 as Card payment fails on mobile Safari`. Every wording stays with its "
                      "author. `/journey unmerge 7` splits a merged pain point again."),
    Subcommand("unmerge", a.parse_unmerge, maps.unmerge, group=MAP, who=FACILITATOR, usage="unmerge <number>",
               brief="Split a merged pain point",
               summary="Split a merged pain point: each wording gets its own place again."),
    Subcommand("export", a.parse_export, maps.export, prepare=maps.prepare_names, group=MAP, usage="export [json|csv|md]",
               brief="The map as a file (report, CSV, JSON)",
               summary="Post the whole map as a file: data, a spreadsheet, or a report with a Mermaid diagram."),
    Subcommand("canvas", a.no_args(a.Canvas(), "canvas"), maps.canvas, prepare=maps.prepare_names, group=MAP,
               usage="canvas", brief="The map in this channel's canvas, kept current",
               summary="Put the map in this channel's canvas; it follows answers, votes, merges, actions and checks.",
               detail="Where the channel already has a canvas, or the workspace's plan can't make channel canvases, "
                      "a canvas of its own is shared with the channel instead, and you are told which."),
    Subcommand("action", a.parse_action, followups.action, prepare=followups.prepare_action, group=FOLLOW_UPS,
               usage="action @owner <what> [due <date>] [for pain <#>]", detail=ACTION_DETAIL,
               brief="An action item with an owner and a date",
               summary="An action item with an owner (no text opens a form)."),
    Subcommand("actions", a.parse_actions, followups.actions, prepare=followups.prepare_actions, group=FOLLOW_UPS,
               usage="actions [mine|all]",
               brief="Your action items, or this channel's",
               summary="Your action items, or this channel's, overdue first, with Done / Snooze / Drop."),
    Subcommand("opportunities", opportunity_rules.parse, opportunities.opportunities, prepare=opportunities.prepare,
               aliases=("opportunity", "opps", "opp"), group=FOLLOW_UPS,
               usage="opportunities [O3 value 1-5 effort 1-5 owner @someone]", detail=OPPORTUNITY_DETAIL,
               brief="Rank opportunities: value, effort, owner",
               summary="The opportunities ranked by value over effort, each with a Rate button; or rate one."),
    Subcommand("validate", a.parse_validate, followups.validate, prepare=followups.prepare_validate,
               group=FOLLOW_UPS, who=FACILITATOR, usage="validate [top 3] [by <date>] [customers 5]",
               brief="Check top pain points with customers",
               summary="Check the top pain points with real customers; owners record what they heard.",
               detail="`/journey validate assign <task #> @someone` hands a task on."),
    Subcommand("digest", a.parse_digest, digests.digest, prepare=digests.prepare_digest, group=FOLLOW_UPS,
               usage="digest subscribe [daily|weekly] [@someone]", detail=DIGEST_DETAIL,
               brief="Action-item digests by DM",
               summary="Action-item digests by DM; also `unsubscribe`, `now`, `follow #channel`."),
    Subcommand("review", a.parse_review, reviews.review, prepare=reviews.prepare_review, group=FOLLOW_UPS,
               who=FACILITATOR, usage="review [close]", detail=REVIEW_DETAIL,
               brief="Review the closed map: re-rate, what's resolved",
               summary="Snapshot the closed map and review it in the channel; `close` ends it and shows what changed."),
    Subcommand("metric", a.parse_metric, metrics.metric, group=FOLLOW_UPS, aliases=("metrics",),
               usage="metric <stage> <name> <value>", detail=METRIC_DETAIL,
               brief="Record a figure for a stage (NPS, CSAT…)",
               summary="Record a named figure for a stage (NPS, CSAT, conversion %…); no arguments opens a form."),
    Subcommand("synthesize", a.no_args(a.Synthesize(), "synthesize"), synthesis.synthesize, aliases=("synthesise",),
               group=AI, who=FACILITATOR, usage="synthesize",
               brief="Merge duplicates, summarise, draft ideas",
               summary="Merge duplicate pain points, summarise stages, draft ideas and interview guides."),
    Subcommand("ai", a.parse_ai, synthesis.ai, group=AI, who=FACILITATOR, usage="ai off|on",
               brief="Keep this workshop away from any model",
               summary="Keep this workshop's answers away from any model (basic synthesis only)."),
    Subcommand("help", a.parse_help, _help, group=WORKSHOP, usage="help [<command>]",
               brief="This help",
               summary="This help; `/journey help <command>` for one command's options and examples."),
)
BY_NAME: dict[str, Subcommand] = {n: s for s in TABLE for n in (s.name, *s.aliases)}


def resolve(text: str) -> tuple[Subcommand | None, a.Command]:
    """`/journey <text>` → its table entry and its typed command; no entry for what is invalid."""
    text = from_slack(text).strip()
    if not text:
        return BY_NAME["help"], a.Help()
    sub, _, args = text.partition(" ")
    entry = BY_NAME.get(sub.lower())
    if entry is None:
        shown = sub if len(sub) <= 30 else sub[:29] + "…"
        shown = shown.replace("`", "'").replace("<", "‹").replace(">", "›")
        return None, a.Invalid(f"I don't know `/journey {shown}`.", suggestion=suggest(sub))
    cmd = entry.parse(args)
    if isinstance(cmd, a.Invalid):
        return None, a.Invalid(cmd.message, command=entry.name)
    return entry, cmd


def parse(text: str) -> a.Command:
    return resolve(text)[1]


def handle(r: Any, entry: Subcommand | None, cmd: a.Command) -> None:
    """Run the command's handler (an invalid one is answered with what was wrong)."""
    (entry.handle if entry is not None else _invalid)(r, cmd)


def suggest(word: str) -> str | None:
    """The subcommand a typo most looks like, if one looks enough like it."""
    close = difflib.get_close_matches(word.lower(), list(BY_NAME), n=1, cutoff=0.6)
    return BY_NAME[close[0]].name if close else None


# --- Help, generated from the table ------------------------------------------------------------------------


def short(usage: str) -> str:
    """A usage line without its [optional parts]: what a one-line summary shows."""
    return re.sub(r"\s*\[[^\]]*\]", "", usage)


def help_message(topic: str | None = None) -> dict:
    if topic:
        entry = BY_NAME.get(topic.lstrip("/").removeprefix("journey ").strip())
        if entry is None:
            return invalid_message(a.Invalid(f"There's no `/journey {topic[:30]}` to explain.",
                                             suggestion=suggest(topic)))
        return b.build_command_help(usage=entry.usage, summary=entry.summary, detail=entry.detail,
                                    facilitator=entry.who == FACILITATOR, aliases=entry.aliases)
    groups: dict[str, list[tuple[str, str, bool]]] = {}
    for s in TABLE:
        groups.setdefault(s.group, []).append((s.name, s.brief, s.who == FACILITATOR))
    return b.build_help(list(groups.items()))


def invalid_message(cmd: a.Invalid) -> dict:
    """What was wrong, then the relevant command's usage, or, for an unknown one, what it looks like and every
    subcommand."""
    entry = BY_NAME.get(cmd.command) if cmd.command else None
    if entry is not None:
        return b.build_invalid(cmd.message, usage=entry.usage, name=entry.name)
    suggested = BY_NAME.get(cmd.suggestion) if cmd.suggestion else None
    return b.build_unknown(cmd.message, suggestion=cmd.suggestion, usage=suggested.usage if suggested else None)
