"""What each `/journey` subcommand's arguments parse into: a typed command, or `Invalid` with what was wrong.
The table in bot/commands.py says which parser reads which subcommand."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NoArguments:
    """A subcommand that takes none; each is its own class, so the table and tests can tell them apart."""


# In the table's order (bot/commands.py).


@dataclass(frozen=True)
class New:
    title: str  # empty: open the form
    template: str | None = None
    map_type: str | None = None
    future_of: int | None = None


class Templates(NoArguments): ...
class Status(NoArguments): ...
class Next(NoArguments): ...


@dataclass(frozen=True)
class Dept:
    department: str  # empty: show the current one


@dataclass(frozen=True)
class Stages:
    raw: str


@dataclass(frozen=True)
class Reopen:
    stage: str  # its number or name


@dataclass(frozen=True)
class Nudge:
    after_minutes: int | None = None  # None: nudge now
    off: bool = False


class Close(NoArguments): ...


@dataclass(frozen=True)
class Vote:
    votes: int = 3


@dataclass(frozen=True)
class Map:
    format: str = "png"
    layout: str = "default"  # default: sized to the map; wide: a 16:9 slide
    canvas: bool = True  # the channel's first map also makes its canvas (`nocanvas`: not this time)
    view: str = "journey"  # journey: the map; opportunities: the value/effort 2×2


@dataclass(frozen=True)
class Merge:
    numbers: tuple[int, ...]
    statement: str = ""  # how the merged pain point reads; empty: as its lowest number does


@dataclass(frozen=True)
class Unmerge:
    number: int


@dataclass(frozen=True)
class Export:
    format: str | None  # None: ask which, privately


class Canvas(NoArguments): ...


@dataclass(frozen=True)
class Action:
    owner: str | None  # None (and no text): open the form
    text: str = ""
    due: str | None = None  # as typed; read in the person's time zone
    pain_point: int | None = None


@dataclass(frozen=True)
class Opportunities:
    number: int | None = None  # None: list them, ranked, each with its Rate button
    value: int | None = None
    effort: int | None = None
    owner: str | None = None
    clear: tuple[str, ...] = ()  # what was set to `none`: value, effort, owner

    @property
    def changes(self) -> bool:
        return any(x is not None for x in (self.value, self.effort, self.owner)) or bool(self.clear)


@dataclass(frozen=True)
class Actions:
    scope: str = "mine"


@dataclass(frozen=True)
class Validate:
    top: int = 3
    by: str = "in 2 weeks"
    customers: int = 5
    reassign: tuple[int, str] | None = None  # (task id, new owner)


@dataclass(frozen=True)
class Digest:
    action: str  # subscribe | unsubscribe | now | follow
    frequency: str = "weekly"
    user: str | None = None  # subscribe someone else (a manager)
    channel: str | None = None  # follow: a channel, or None for every workshop


class Synthesize(NoArguments): ...


@dataclass(frozen=True)
class Review:
    close: bool = False  # `/journey review close`: end the open review


@dataclass(frozen=True)
class Metric:
    text: str  # "<stage> <name> <value>", read against the map's stages; empty: open the form


@dataclass(frozen=True)
class Ai:
    enabled: bool


@dataclass(frozen=True)
class Help:
    topic: str | None = None  # a subcommand to explain in detail


@dataclass(frozen=True)
class Invalid:
    message: str
    command: str | None = None  # the subcommand it was meant for: its usage is shown
    suggestion: str | None = None  # for an unknown subcommand, the one it looks like ("did you mean …?")


Command = (Help | New | Status | Next | Dept | Stages | Reopen | Export | Canvas | Close | Templates | Vote | Map | Merge | Unmerge
           | Action | Actions | Opportunities | Validate | Nudge | Digest | Synthesize | Ai | Review | Metric
           | Invalid)

EXPORT_FORMATS = ("json", "csv", "md")
MAP_TYPES = ("current", "future", "blueprint")
MAX_VOTES = 20
_FLAG = re.compile(r"(?:^|\s)--([A-Za-z-]+)(?:[=\s]+(\S+))?")


def _flags(args: str, allowed: dict[str, str]) -> tuple[dict[str, str], str] | Invalid:
    """Split `--name value` options out of `args`; `allowed` maps each option to an example for error messages."""
    found: dict[str, str] = {}
    for m in _FLAG.finditer(args):
        flag, value = m.group(1).lower(), m.group(2)
        if flag not in allowed:
            options = ", ".join(f"`--{f}`" for f in allowed) or "no options"
            return Invalid(f"There's no option `--{flag}` here (this command takes {options}).")
        if not value or value.startswith("--"):
            return Invalid(f"`--{flag}` needs a value, e.g. `--{flag} {allowed[flag]}`.")
        found[flag] = value
    return found, _FLAG.sub(" ", args).strip()


def parse_new(args: str) -> Command:
    parsed = _flags(args, {"template": "buyer", "type": "blueprint", "future-of": "12"})
    if isinstance(parsed, Invalid):
        return parsed
    flags, title = parsed
    map_type = flags.get("type", "").lower() or None
    if map_type is not None and map_type not in MAP_TYPES:
        return Invalid(f"Map types are {', '.join(f'`{t}`' for t in MAP_TYPES)}, e.g. `--type blueprint`.")
    future_of = None
    if "future-of" in flags:
        ref = flags["future-of"].lstrip("#")
        if not ref.isdigit():
            return Invalid("`--future-of` takes the number of a current-state workshop (`/journey status` shows it), "
                           "e.g. `--future-of 12`.")
        future_of = int(ref)
        if map_type not in (None, "future"):
            return Invalid("A map made with `--future-of` is a future-state map; leave out `--type`.")
        map_type = "future"
    return New(title=title, template=flags.get("template"), map_type=map_type, future_of=future_of)


def parse_vote(args: str) -> Command:
    parsed = _flags(args, {"votes": "3"})
    if isinstance(parsed, Invalid):
        return parsed
    flags, rest = parsed
    if rest:
        return Invalid("Use `/journey vote` or `/journey vote --votes 5`.")
    raw = flags.get("votes", "3")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_VOTES:
        return Invalid(f"`--votes` is how many dots each person gets: a number from 1 to {MAX_VOTES}.")
    return Vote(votes=int(raw))


OPPORTUNITY_WORDS = ("opportunities", "opportunity", "opps", "2x2")


def parse_map(args: str) -> Command:
    words = [w.lower() for w in args.split()]
    fmt = next((w for w in words if w in ("png", "svg")), "png")
    layout = "wide" if "wide" in words else "default"
    no_canvas = {"nocanvas", "no-canvas"} & set(words)
    view = "opportunities" if any(w in OPPORTUNITY_WORDS for w in words) else "journey"
    known = ("png", "svg", "wide", "nocanvas", "no-canvas", *OPPORTUNITY_WORDS)
    if any(w not in known for w in words) or len(words) != len(set(words)) or len(no_canvas) > 1 or (
            view == "opportunities" and (layout == "wide" or sum(w in OPPORTUNITY_WORDS for w in words) > 1)):
        return Invalid("`/journey map` posts a picture, `/journey map wide` a 16:9 slide, `/journey map svg` an "
                       "editable SVG (`/journey map wide svg` both); `nocanvas` leaves the channel's canvas out; "
                       "`/journey map opportunities` the value/effort 2×2 of the opportunities.")
    return Map(format=fmt, layout=layout, canvas=not no_canvas, view=view)


MAX_MERGE = 20


def parse_merge(args: str) -> Command:
    numbers_part, statement = re.fullmatch(r"(.*?)(?:\bas\b(.*))?", args, re.I | re.S).groups()
    statement = statement or ""
    tokens = [tok for tok in re.split(r"[\s,]+", numbers_part.strip()) if tok]
    if not tokens or not all(re.fullmatch(r"#?\d{1,9}", tok) for tok in tokens):
        return Invalid("Name the pain points by their numbers, e.g. `/journey merge 3 7 9` (the ballot, "
                       "`/journey map` and `/journey status` show them).")
    numbers = tuple(dict.fromkeys(int(tok.lstrip("#")) for tok in tokens))
    if len(numbers) < 2:
        return Invalid("Name at least two pain points to merge, e.g. `/journey merge 3 7`.")
    if len(numbers) > MAX_MERGE:
        return Invalid(f"Merge at most {MAX_MERGE} pain points at a time.")
    statement = " ".join(statement.split())
    if len(statement) > 300:
        return Invalid("Keep the merged statement under 300 characters.")
    return Merge(numbers=numbers, statement=statement)


def parse_unmerge(args: str) -> Command:
    tokens = args.split()
    if len(tokens) != 1 or not re.fullmatch(r"#?\d{1,9}", tokens[0]):
        return Invalid("Name one merged pain point by its number, e.g. `/journey unmerge 7`.")
    return Unmerge(number=int(tokens[0].lstrip("#")))


_OWNER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$", re.DOTALL)
_FOR_PAIN = re.compile(r"\s+for\s+pain(?:\s+point)?\s+#?(\d+)\s*$", re.IGNORECASE)
_DUE = re.compile(r"^(.*)\s+due\s+(.+)$", re.IGNORECASE | re.DOTALL)  # the last "due" starts the date


def parse_action(args: str) -> Command:
    args = args.strip()
    if not args:
        return Action(owner=None)
    m = _OWNER.match(args)
    if not m:
        return Invalid("Start with the owner: `/journey action @ana Put prices on the landing page due next friday "
                       "for pain 12` (or just `/journey action` for a form).")
    owner, rest = m.group(1), " " + m.group(2)
    due = None
    if d := _DUE.match(rest):
        rest, due = d.group(1), " " + d.group(2)
    pain = None
    for part in ("due", "rest"):  # "… due <date> for pain <n>" or "… for pain <n> due <date>"
        text = due if part == "due" else rest
        if text and (p := _FOR_PAIN.search(text)):
            pain, text = int(p.group(1)), text[: p.start()]
            due, rest = (text, rest) if part == "due" else (due, text)
    due = due.strip() if due else None
    return Action(owner=owner, text=rest.strip(), due=due, pain_point=pain)


def parse_actions(args: str) -> Command:
    scope = args.strip().lower() or "mine"
    if scope not in ("mine", "all"):
        return Invalid("Use `/journey actions` (yours) or `/journey actions all` (this channel's).")
    return Actions(scope=scope)


_VALIDATE = re.compile(r"(top|by|customers)\s+(.+?)(?=\s+(?:top|by|customers)\s|$)", re.IGNORECASE)


_REASSIGN = re.compile(r"^assign\s+#?(\d+)\s+<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$", re.IGNORECASE)


def parse_validate(args: str) -> Command:
    example = "`/journey validate top 3 by end of month customers 5`"
    rest = args.strip()
    if rest.lower().startswith("assign"):
        m = _REASSIGN.match(rest)
        if not m:
            return Invalid("Use `/journey validate assign <task #> @someone`, e.g. `/journey validate assign 4 @ana`.")
        return Validate(reassign=(int(m.group(1)), m.group(2)))
    found = {m.group(1).lower(): m.group(2).strip() for m in _VALIDATE.finditer(rest)}
    if _VALIDATE.sub("", rest).strip():
        return Invalid(f"I couldn't read that; try {example}.")
    top, customers = found.get("top", "3"), found.get("customers", "5")
    if not top.isdigit() or not 1 <= int(top) <= 10:
        return Invalid(f"`top` is how many pain points to validate, 1 to 10: {example}.")
    if not customers.isdigit() or not 1 <= int(customers) <= 100:
        return Invalid(f"`customers` is how many customers to talk to about each, 1 to 100: {example}.")
    return Validate(top=int(top), by=found.get("by", "in 2 weeks"), customers=int(customers))


_DURATION = re.compile(r"^after\s+(\d+)\s*(m|min|minutes?|h|hours?|d|days?)$", re.IGNORECASE)


def parse_nudge(args: str) -> Command:
    rest = " ".join(args.split())
    if not rest:
        return Nudge()
    if rest.lower() == "off":
        return Nudge(off=True)
    m = _DURATION.match(rest)
    if not m or int(m.group(1)) == 0:
        return Invalid("Use `/journey nudge` (now), `/journey nudge after 2h` (each step, 2 hours after it opens) "
                       "or `/journey nudge off`.")
    unit = m.group(2)[0].lower()
    minutes = int(m.group(1)) * {"m": 1, "h": 60, "d": 1440}[unit]
    if minutes > 14 * 1440:
        return Invalid("A nudge delay is at most 14 days.")
    return Nudge(after_minutes=minutes)


_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")
DIGEST_USAGE = ("`/journey digest subscribe [daily|weekly] [@someone]`, `/journey digest unsubscribe [@someone]`, "
                "`/journey digest now` or `/journey digest follow #channel` (`follow all` for every workshop)")


def parse_digest(args: str) -> Command:
    words = args.split()
    action = words[0].lower() if words else ""
    rest = " ".join(words[1:])
    user = (m.group(1) if (m := _USER.search(rest)) else None)
    if action == "subscribe":
        extra = [w.lower() for w in words[1:] if not _USER.fullmatch(w)]
        if len(extra) > 1 or (extra and extra[0] not in ("daily", "weekly")):
            return Invalid(f"Use {DIGEST_USAGE}.")
        return Digest("subscribe", frequency=extra[0] if extra else "weekly", user=user)
    if action == "unsubscribe":
        return Digest("unsubscribe", user=user)
    if action == "now" and not rest:
        return Digest("now")
    if action == "follow":
        if rest.lower() == "all":
            return Digest("follow", channel=None)
        if m := _CHANNEL.fullmatch(rest.strip()):
            return Digest("follow", channel=m.group(1))
    return Invalid(f"Use {DIGEST_USAGE}.")


def parse_ai(args: str) -> Command:
    choice = args.strip().lower()
    if choice not in ("on", "off"):
        return Invalid("Use `/journey ai off` (nothing of this workshop is sent to a model) or `/journey ai on`.")
    return Ai(enabled=choice == "on")


def parse_export(args: str) -> Command:
    if not args.strip():
        return Export(format=None)
    fmt = args.strip().split()[0].lower()
    if fmt not in EXPORT_FORMATS:
        return Invalid(f"I can export as {', '.join(f'`{f}`' for f in EXPORT_FORMATS)}, e.g. `/journey export json`.")
    return Export(format=fmt)


def no_args(cmd: Command, name: str) -> Callable[[str], Command]:
    def parse(args: str) -> Command:
        return cmd if not args.strip() else Invalid(f"`/journey {name}` takes no arguments.")

    return parse


def parse_help(args: str) -> Command:
    return Help(topic=args.strip().lower() or None)


def parse_dept(args: str) -> Command:
    return Dept(department=args.strip())


def parse_stages(args: str) -> Command:
    return Stages(raw=args)


def parse_reopen(args: str) -> Command:
    stage = " ".join(args.split())
    if not stage:
        return Invalid("Say which stage, by its number or name, e.g. `/journey reopen 1` or `/journey reopen Awareness`.")
    return Reopen(stage=stage)


def parse_review(args: str) -> Command:
    word = args.strip().lower()
    if not word:
        return Review()
    if word in ("close", "end", "done"):
        return Review(close=True)
    return Invalid("`/journey review` starts a review of this channel's closed map; `/journey review close` ends it.")


def parse_metric(args: str) -> Command:
    return Metric(text=" ".join(args.split()))
