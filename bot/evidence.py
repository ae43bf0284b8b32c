"""Add to journey map: a Slack message filed into a workshop's map from the message's shortcut, as evidence for a
pain point, a customer quote, or a new pain point, touchpoint or opportunity, keeping its permalink, its author
and who filed it.

Where a message may go. Its text is copied into the map, and a map is seen by whoever may see its workshop
(bot/slack.py `can_see`: anyone in the workspace for a public channel's, only the members for a private
channel's, a group DM's or a DM's). So a message goes only where everyone who may see the map may also see the
message's own conversation (`copy_refused`): the same conversation; from a public channel, a map whose
conversation's people are all in that channel or full members of the workspace; from a private conversation,
only a private map all of whose people are in it. Where the bot can't see the message's conversation (a private
channel it isn't in, a DM between other people) it can't tell who may read the message, and nothing of it is
copied anywhere. Slack look-ups happen before (the handler); these rules only read what they found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.journeymap import QUOTED, pain_groups
from bot.storage import evidence as store
from bot.storage import pain_points, repo
from bot.storage.models import Evidence, Item, ItemKind, Workshop
from bot.workshop.access import Refusal
from bot.workshop.departments import department_of

KINDS = {  # what a filed message can be, in the form's order
    "evidence": "Evidence for a pain point",
    "pain_point": "A new pain point",
    "touchpoint": "A touchpoint",
    "opportunity": "An opportunity",
    "quote": "A customer quote",
}
ITEM_KINDS = {"pain_point": ItemKind.PAIN_POINT, "touchpoint": ItemKind.TOUCHPOINT, "opportunity": ItemKind.OPPORTUNITY}
MAX_TEXT = 3000  # a plain_text_input holds 3,000 characters
MAX_OFFERED = 10  # workshops offered in one form
MAX_CANDIDATES = 30  # workshops looked at (and checked with Slack) for one form
MAX_CHECKED = 200  # people of a map's conversation looked up to see whether they may see the message

Audience = tuple[bool, frozenset[str]]  # (public, members): bot/slack.py Directory.audience


class Unfiled(Refusal):
    """A filing the rules turn down, with the form field it is about (text, workshop, kind, stage, pain)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


# --- Where a message may go ----------------------------------------------------------------------------------


def copy_refused(source: Audience | None, target: Audience | None, *, same: bool,
                 in_workspace: Callable[[str], bool], ignore: Iterable[str] = ()) -> str | None:
    """Why a message of the `source` conversation may not be copied into a map of the `target` conversation, or
    None when everyone who may see that map may see the message: "unseen_source" (Slack won't say who may see the
    message), "unseen_target", "private_source" (the map is public, the message isn't), "outsiders" (people of
    the map's conversation who can't see the message's), "too_many" (too many people to check). `in_workspace`
    (a Slack look-up) is asked only about people of the map's conversation who aren't in the message's."""
    if same:
        return None
    if source is None:
        return "unseen_source"
    if target is None:
        return "unseen_target"
    source_public, source_members = source
    target_public, target_members = target
    if target_public and not source_public:
        return "private_source"
    outsiders = target_members - source_members - set(ignore)
    if not outsiders:
        return None
    if not source_public:
        return "outsiders"
    if len(outsiders) > MAX_CHECKED:
        return "too_many"
    return None if all(in_workspace(u) for u in sorted(outsiders)) else "outsiders"


# --- The message ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """The message being filed: where it is, who wrote it, its permalink (or why Slack gave none)."""

    channel_id: str
    ts: str
    author: str | None
    permalink: str | None = None
    link_error: str | None = None

    def meta(self) -> dict:
        """For the form's private_metadata (Slack keeps it with the view; people can't change it)."""
        return {"c": self.channel_id, "ts": self.ts, "a": self.author, "u": self.permalink, "e": self.link_error}

    @staticmethod
    def from_meta(meta: dict) -> Source:
        return Source(meta.get("c") or "", meta.get("ts") or "", meta.get("a"), meta.get("u"), meta.get("e"))


def author_of(message: dict) -> str | None:
    """Who wrote a message: a person's user id, else the app's bot id (a ticketing integration's post, say)."""
    return message.get("user") or message.get("bot_id") or None


def link(url: str | None) -> str | None:
    """A permalink fit to write as a link: Slack's https address, nothing that could end a Markdown link early."""
    if not url or not url.startswith(("https://", "http://")) or any(c in url for c in " <>()[]|\"'`\n"):
        return None
    return url


# --- Which workshops a person may file into --------------------------------------------------------------------


def candidates(*, session: Session, team_id: str, user_id: str, channel_id: str) -> tuple[list[Workshop], list[Workshop]]:
    """(ready, waiting): the workshops this message could go to, this channel's first (open before closed, newest
    first), then those the person takes part in; `waiting` are those whose stage walk hasn't started (their stages
    may still change, so nothing can be filed in a stage yet)."""
    here = repo.workshops_in_channel(session=session, team_id=team_id, channel_id=channel_id)
    here.sort(key=lambda w: (w.status != "open", -(w.id or 0)))
    theirs = store.workshops_of(session=session, team_id=team_id, user_id=user_id, limit=MAX_CANDIDATES)
    seen: dict[int, Workshop] = {}
    for w in [*here[:3], *theirs]:
        seen.setdefault(w.id, w)
    found = list(seen.values())[:MAX_CANDIDATES]
    started = store.walk_started(session=session, team_id=team_id, workshop_ids=[w.id for w in found])
    ready = [w for w in found if w.id in started or (w.status == "closed" and _has_stages(session, w))]
    return ready, [w for w in found if w not in ready]


def _has_stages(session: Session, ws: Workshop) -> bool:
    return bool(repo.stages(session=session, team_id=ws.team_id, workshop_id=ws.id))


@dataclass(frozen=True)
class Choice:
    """A workshop offered in the form: its stages and its pain points (merged ones once, by number)."""

    id: int
    title: str
    channel_id: str
    status: str
    stages: list[tuple[int, str]]
    pains: list[tuple[int, str]]


def choices(*, session: Session, team_id: str, workshops: list[Workshop]) -> list[Choice]:
    out = []
    for w in workshops:
        stages = [(s.id, s.name) for s in repo.stages(session=session, team_id=team_id, workshop_id=w.id)]
        items = store.pain_items(session=session, team_id=team_id, workshop_id=w.id)
        merges = pain_points.merges(session=session, team_id=team_id, workshop_id=w.id)
        pains = [(g.lead.number, g.text) for g in pain_groups(items, merges) if g.lead.number]
        out.append(Choice(w.id, w.title, w.channel_id, w.status, stages, pains))
    return out


# --- Filing ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filed:
    """What was filed, for the confirmation."""

    workshop_id: int
    title: str
    channel_id: str
    kind: str
    stage: str | None
    number: int | None  # the pain point it is about, or the new pain point's number
    text: str
    linked: bool  # kept with its permalink


def file(*, session: Session, team_id: str, user_id: str, workshop_id: int, kind: str, text: str,
         stage_id: int | None, pain_number: int | None, source: Source, now: datetime) -> Filed:
    """File a message into a workshop's map (the Slack look-ups, visibility included, were done before)."""
    if kind not in KINDS:
        raise Unfiled("kind", "Pick what it is: evidence, a new pain point, a touchpoint, an opportunity or a quote.")
    text = text.strip()
    if not text:
        raise Unfiled("text", "Say what goes on the map: the text can't be empty.")
    if len(text) > MAX_TEXT:
        raise Unfiled("text", f"Keep it under {MAX_TEXT} characters.")
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=workshop_id)
    if ws is None:
        raise Unfiled("workshop", "That workshop doesn't exist (any more). Nothing was filed.")
    if ws.id not in store.walk_started(session=session, team_id=team_id, workshop_ids=[ws.id]) and not (
            ws.status == "closed" and _has_stages(session, ws)):
        raise Unfiled("workshop", "That workshop hasn't reached its stages yet: add to it once the stage walk "
                                  "has started. Nothing was filed.")
    pain: Item | None = None
    if pain_number is not None and kind in QUOTED:
        found = store.pain_by_number(session=session, team_id=team_id, workshop_id=ws.id, number=pain_number)
        if found is None:
            raise Unfiled("pain", f"That workshop has no pain point #{pain_number}. Nothing was filed.")
        pain = _lead(session, team_id, found)
    if kind == "evidence" and pain is None:
        raise Unfiled("pain", "Pick the pain point this is evidence for (or file it as a new pain point).")
    stage = None
    if pain is not None:
        stage = repo.stage(session=session, team_id=team_id, stage_id=pain.stage_id) if pain.stage_id else None
    elif stage_id is not None:
        stage = repo.stage(session=session, team_id=team_id, stage_id=stage_id)
        if stage is None or stage.workshop_id != ws.id:
            raise Unfiled("stage", f"Pick one of the stages of {ws.title}. Nothing was filed.")
    if stage is None:
        raise Unfiled("stage", "Pick the stage it belongs to.")
    item_id = pain.id if pain is not None else None
    if store.filed_before(session=session, team_id=team_id, workshop_id=ws.id, channel_id=source.channel_id,
                          ts=source.ts, kind=kind, item_id=item_id, stage_id=stage.id):
        where = f"#{pain.number}" if pain is not None else stage.name
        raise Unfiled("kind", f"This message is already on that map as {KINDS[kind].lower()} ({where}). "
                              "Nothing was filed.")
    number = pain.number if pain is not None else None
    if kind in ITEM_KINDS:
        author = source.author or user_id
        made = Item(team_id=team_id, workshop_id=ws.id, channel_id=ws.channel_id,
                    step_id=store.stage_step(session=session, team_id=team_id, stage_id=stage.id), stage_id=stage.id,
                    kind=ITEM_KINDS[kind], text=text, author=author,
                    department=department_of(session=session, team_id=team_id, user_id=author),
                    created_at=now, updated_at=now)
        session.add(made)
        session.flush()
        pain_points.number_new(session=session, team_id=team_id, workshop_id=ws.id)  # #n, or On
        if kind == "pain_point":
            number = made.number
        item_id = made.id
    store.add(session=session, row=Evidence(
        team_id=team_id, workshop_id=ws.id, stage_id=stage.id, kind=kind, item_id=item_id, text=text,
        author=source.author, source_channel=source.channel_id, source_ts=source.ts,
        source_url=link(source.permalink), filed_by=user_id, created_at=now))
    return Filed(ws.id, ws.title, ws.channel_id, kind, stage.name, number, text, link(source.permalink) is not None)


def _lead(session: Session, team_id: str, item: Item) -> Item:
    """A pain point's lead: for a merged one, the member whose number stands for the group."""
    if item.merge_id is None:
        return item
    members = pain_points.members(session=session, team_id=team_id, merge_id=item.merge_id)
    return members[0] if len(members) > 1 else item
