"""Opportunities that get done: each opportunity (O1, O2, … in its workshop) can get a value and an effort (1–5
each) and an owner; the map ranks them by value over effort (bot/journeymap.py `ranked_opportunities`).

Who may set them: a facilitator of the workshop, or the opportunity's owner (who may also hand it on). Services
take a session and `now`, never talk to Slack, and refuse (`Refusal`) before changing anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot import text as t
from bot.arguments import Command, Invalid, Opportunities
from bot.journeymap import score
from bot.storage import opportunities, pain_points, repo
from bot.storage.models import Item, ItemKind, Workshop
from bot.workshop.access import Refusal, is_facilitator, require_latest

SCALE = range(1, 6)
FIELDS = ("value", "effort", "owner")
QUADRANTS = {  # the 2×2 (`/journey map opportunities`): name, what it holds
    "quick_win": ("Quick wins", "high value, low effort"), "big_bet": ("Big bets", "high value, high effort"),
    "fill_in": ("Fill-ins", "low value, low effort"), "money_pit": ("Money pits", "low value, high effort"),
}
KEEP = object()  # "leave this as it is", beside None ("clear it")
VALUE_WORDS = {1: "hardly matters", 2: "helps a little", 3: "clearly helps", 4: "helps a lot", 5: "game changer"}
EFFORT_WORDS = {1: "hours", 2: "days", 3: "a few weeks", 4: "a quarter", 5: "many months"}


# --- `/journey opportunity …` -------------------------------------------------------------------------------

_NUMBER = re.compile(r"^#?[oO]?(\d{1,9})$")  # 3, #3, O3
_SETTING = re.compile(r"(value|effort|owner)\s*[:=]?\s*(\S+)", re.IGNORECASE)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_NONE = ("none", "nobody", "-")
EXAMPLE = "`/journey opportunity 3 value 4 effort 2 owner @ana`"


def _shown(raw: str, limit: int = 24) -> str:
    return (raw if len(raw) <= limit else raw[: limit - 1] + "…").replace("`", "'")


def parse(args: str) -> Command:
    """`` (list them), `3` (show one), or `3 value 4 effort 2 owner @ana` (any of the three; `none` clears one).
    What can't be read is Invalid, saying what and how: nothing is changed."""
    rest = " ".join(args.split())
    if not rest:
        return Opportunities()
    first, _, rest = rest.partition(" ")
    m = _NUMBER.match(first)
    if not m:
        return Invalid(f"Start with the opportunity's number, e.g. {EXAMPLE} (`/journey opportunities` lists "
                       "them with their numbers).")
    found: dict[str, str] = {}
    for s_ in _SETTING.finditer(rest):
        if s_.group(1).lower() in found:
            return Invalid(f"`{s_.group(1).lower()}` is given twice; say it once, e.g. {EXAMPLE}.")
        found[s_.group(1).lower()] = s_.group(2)
    if left := _SETTING.sub(" ", rest).strip():
        return Invalid(f"I couldn't read `{_shown(left, 30)}`: set `value`, `effort` (each 1 to 5) and `owner`, "
                       f"e.g. {EXAMPLE}.")
    out: dict = {"number": int(m.group(1))}
    clear: list[str] = []
    for name, words in (("value", VALUE_WORDS), ("effort", EFFORT_WORDS)):
        raw = found.get(name)
        if raw is None:
            continue
        if raw.lower() in _NONE:
            clear.append(name)
        elif raw.isdigit() and int(raw) in SCALE:
            out[name] = int(raw)
        else:
            return Invalid(f"{name.capitalize()} goes from 1 ({words[1]}) to 5 ({words[5]}); `{_shown(raw)}` isn't "
                           "one of them. Nothing was changed.")
    if (raw := found.get("owner")) is not None:
        if raw.lower() in _NONE:
            clear.append("owner")
        elif u := _MENTION.fullmatch(raw):
            out["owner"] = u.group(1)
        else:
            return Invalid("Name the owner with a mention, e.g. `owner @ana` (or `owner none`). Nothing was changed.")
    return Opportunities(**out, clear=tuple(clear))


def quadrant(value: int, effort: int) -> str | None:
    """Which quadrant of the 2×2 a rating falls in; None on a dividing line (value or effort 3, the middle)."""
    if value == 3 or effort == 3:
        return None
    return {(True, True): "quick_win", (True, False): "big_bet", (False, True): "fill_in",
            (False, False): "money_pit"}[(value > 3, effort < 3)]


def handle(number: int | None) -> str:
    """How people see an opportunity's number: O3 (pain points are #3)."""
    return f"O{number}" if number is not None else "O?"


@dataclass(frozen=True)
class OpportunityView:
    item_id: int
    number: int | None
    text: str
    value: int | None
    effort: int | None
    owner: str | None
    workshop_id: int
    workshop_title: str
    channel_id: str

    @property
    def score(self) -> float | None:
        return score(self.value, self.effort)


@dataclass(frozen=True)
class Rated:
    """A change made: the opportunity as it is now, what changed, and the owner before."""

    view: OpportunityView
    changed: tuple[str, ...]
    previous_owner: str | None


def _view(session: Session, ws: Workshop, item: Item) -> OpportunityView:
    r = opportunities.rating(session=session, team_id=ws.team_id, item_id=item.id)
    return OpportunityView(item_id=item.id, number=item.opportunity_number, text=item.text,
                           value=r.value if r else None, effort=r.effort if r else None, owner=r.owner if r else None,
                           workshop_id=ws.id, workshop_title=ws.title, channel_id=ws.channel_id)


def find(*, session: Session, team_id: str, channel_id: str, number: int) -> OpportunityView:
    """The opportunity numbered so in the channel's workshop (its open one, else its latest)."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    pain_points.number_new(session=session, team_id=team_id, workshop_id=ws.id)  # any added without a number
    item = opportunities.by_number(session=session, team_id=team_id, workshop_id=ws.id, number=number)
    if item is None:
        raise Refusal(f"There's no opportunity {handle(number)} in *{t.show(ws.title, 80)}*; "
                      "`/journey opportunities` lists them with their numbers. Nothing was changed.")
    return _view(session, ws, item)


def number_waiting(*, session: Session, team_id: str, channel_id: str) -> None:
    """Number any opportunity of the channel's workshop added without one, before they are listed."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is not None:
        pain_points.number_new(session=session, team_id=team_id, workshop_id=ws.id)


def get(*, session: Session, team_id: str, item_id: int) -> OpportunityView:
    """An opportunity by its item id (what buttons and forms carry)."""
    item = repo.item(session=session, team_id=team_id, item_id=item_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=item.workshop_id) if item else None
    if item is None or ws is None or item.kind != ItemKind.OPPORTUNITY:
        raise Refusal("That opportunity isn't on the map any more (its reply was edited or deleted). "
                      "Nothing was changed.")
    return _view(session, ws, item)


def may_change(*, session: Session, team_id: str, view: OpportunityView, user_id: str) -> bool:
    return user_id == view.owner or is_facilitator(session=session, team_id=team_id, workshop_id=view.workshop_id,
                                                   user_id=user_id)


def require_may_change(*, session: Session, team_id: str, view: OpportunityView, user_id: str) -> None:
    """A facilitator or the opportunity's owner; anyone else is refused, told who may."""
    if may_change(session=session, team_id=team_id, view=view, user_id=user_id):
        return
    facilitators = ", ".join(f"<@{u}>" for u in repo.facilitators(session=session, team_id=team_id,
                                                                   workshop_id=view.workshop_id))
    owner = f" or its owner <@{view.owner}>" if view.owner else ""
    raise Refusal(f"Only a facilitator ({facilitators or 'none'}){owner} can rate or hand on {handle(view.number)}. "
                  "Nothing was changed.")


def check_scale(name: str, value: object) -> int | None:
    """A value or effort as given: a whole number from 1 to 5, or None (not rated)."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool) and value in SCALE:
        return value
    raise Refusal(f"{name.capitalize()} goes from 1 to 5; `{t.show(str(value), 20)}` isn't one of them. "
                  "Nothing was changed.")


def rate(*, session: Session, team_id: str, user_id: str, view: OpportunityView, now: datetime,
         value: object = KEEP, effort: object = KEEP, owner: object = KEEP) -> Rated:
    """Set any of value, effort (1–5, or None: not rated) and owner (a user id, or None: nobody) of an
    opportunity; what isn't given (KEEP) stays. Only a facilitator or the owner."""
    require_may_change(session=session, team_id=team_id, view=view, user_id=user_id)
    new_value = view.value if value is KEEP else check_scale("value", value)
    new_effort = view.effort if effort is KEEP else check_scale("effort", effort)
    new_owner = view.owner if owner is KEEP else owner
    changed = tuple(name for name, before, after in (("value", view.value, new_value),
                                                     ("effort", view.effort, new_effort),
                                                     ("owner", view.owner, new_owner)) if before != after)
    if changed:
        opportunities.save_rating(session=session, team_id=team_id, workshop_id=view.workshop_id,
                                  item_id=view.item_id, value=new_value, effort=new_effort, owner=new_owner,
                                  by=user_id, now=now)
    after = OpportunityView(**{**view.__dict__, "value": new_value, "effort": new_effort, "owner": new_owner})
    return Rated(view=after, changed=changed, previous_owner=view.owner)
