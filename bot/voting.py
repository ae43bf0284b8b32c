"""Dot voting on pain points: ballots, dots people can move, and the ranking everything else uses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.journeymap import build_map, group_of, label, ranked_pain_points
from bot.storage import repo
from bot.storage.models import Vote, VoteMessage, VoteRound
from bot.workshop.access import Refusal, require_facilitator, require_open

BALLOT_PAGE = 40  # pain points per ballot message (each is one block; Slack allows 50 per message)


@dataclass(frozen=True)
class BallotLine:
    item_id: int  # the pain point's lead item: what its Vote button names
    number: int | None
    text: str
    stage: str
    votes: int


@dataclass(frozen=True)
class BallotPage:
    vote_message_id: int
    channel_id: str
    ts: str | None
    title: str
    page: int
    pages: int
    votes_per_person: int
    lines: list[BallotLine]
    voters: int


def workshop_to_vote_on(*, session: Session, team_id: str, channel_id: str, user_id: str):
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="start dot voting")
    return ws


def has_round(*, session: Session, team_id: str, workshop_id: int) -> bool:
    """Whether voting has started (a later `/journey vote` re-posts the ballot without asking about merges)."""
    return repo.vote_round(session=session, team_id=team_id, workshop_id=workshop_id) is not None


def open_vote(*, session: Session, team_id: str, channel_id: str, user_id: str, votes: int, now: datetime) -> list[BallotPage]:
    ws = workshop_to_vote_on(session=session, team_id=team_id, channel_id=channel_id, user_id=user_id)
    ranked = ranked_pain_points(build_map(session=session, team_id=team_id, workshop_id=ws.id))
    if not ranked:
        raise Refusal("There are no pain points to vote on yet: people add them in the stage threads with `pain:`.")
    round_ = repo.vote_round(session=session, team_id=team_id, workshop_id=ws.id) or VoteRound(
        team_id=team_id, workshop_id=ws.id, votes_per_person=votes, opened_by=user_id)
    round_.votes_per_person, round_.opened_by, round_.opened_at = votes, user_id, now
    session.add(round_)
    pages = []
    chunks = [ranked[start:start + BALLOT_PAGE] for start in range(0, len(ranked), BALLOT_PAGE)]
    for n, chunk in enumerate(chunks):
        msg = VoteMessage(team_id=team_id, workshop_id=ws.id, channel_id=channel_id, page=n, pages=len(chunks),
                          item_ids=json.dumps([p["id"] for p, _ in chunk]))
        session.add(msg)
        pages.append(msg)
    session.flush()
    return [ballot_page(session=session, team_id=team_id, vote_message_id=m.id) for m in pages]


def posted_ballots(*, session: Session, team_id: str, workshop_id: int) -> list[VoteMessage]:
    return [m for m in repo.vote_messages(session=session, team_id=team_id, workshop_id=workshop_id) if m.ts]


def record_ballot_posted(*, session: Session, team_id: str, vote_message_id: int, ts: str) -> None:
    msg = repo.vote_message(session=session, team_id=team_id, vote_message_id=vote_message_id)
    if msg is not None:
        msg.ts = ts
        session.add(msg)


def ballot_page(*, session: Session, team_id: str, vote_message_id: int) -> BallotPage:
    """A ballot message as it should read now: a pain point merged since it was posted shows once, with the votes
    of all its variants; one deleted since drops out."""
    msg = repo.vote_message(session=session, team_id=team_id, vote_message_id=vote_message_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=msg.workshop_id)
    round_ = repo.vote_round(session=session, team_id=team_id, workshop_id=ws.id)
    data = build_map(session=session, team_id=team_id, workshop_id=ws.id)
    shown: dict[int, tuple[dict, str]] = {}  # any variant's id → its pain point and stage
    for st in data["stages"]:
        for p in st["pain_points"]:
            for i in [p["id"], *(v["id"] for v in p.get("variants", []))]:
                shown[i] = (p, st["name"])
    lines = {}
    for i in json.loads(msg.item_ids):
        if i in shown:
            p, stage = shown[i]
            lines.setdefault(p["id"], BallotLine(p["id"], p["number"], p["text"], stage, p["votes"]))
    return BallotPage(
        vote_message_id=msg.id, channel_id=msg.channel_id, ts=msg.ts, title=ws.title, page=msg.page, pages=msg.pages,
        votes_per_person=round_.votes_per_person, lines=list(lines.values()),
        voters=len({v.user_id for v in repo.votes(session=session, team_id=team_id, workshop_id=ws.id)}),
    )


@dataclass(frozen=True)
class VoteOutcome:
    action: str  # added | removed | none_left
    number: int | None
    text: str
    used: int
    allowed: int
    mine: list[str]  # the pain points this person has dots on
    pages_to_refresh: list[int]  # ballot messages showing this pain point


def cast_vote(*, session: Session, team_id: str, user_id: str, item_id: int, now: datetime) -> VoteOutcome:
    """A click on a pain point: puts the person's dot on it, or takes it back if it is already there (on it or on
    any pain point merged into it)."""
    group = group_of(session=session, team_id=team_id, item_id=item_id)
    if group is None:
        raise Refusal("That pain point is gone (its reply was deleted or edited). Nothing was changed.")
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=group.lead.workshop_id)
    round_ = repo.vote_round(session=session, team_id=team_id, workshop_id=ws.id)
    if round_ is None or ws.status != "open":
        raise Refusal("Voting on this workshop is closed. Nothing was changed.")
    votes = [v for v in repo.votes(session=session, team_id=team_id, workshop_id=ws.id) if v.user_id == user_id]
    mine_here = [v for v in votes if v.item_id in group.ids]
    if mine_here:
        for v in mine_here:
            session.delete(v)
            votes.remove(v)
        action = "removed"
    elif len(votes) >= round_.votes_per_person:
        action = "none_left"
    else:
        vote = Vote(team_id=team_id, workshop_id=ws.id, item_id=group.lead.id, user_id=user_id, created_at=now)
        session.add(vote)
        votes.append(vote)
        action = "added"
    session.flush()
    labels = {}
    for v in votes:
        if v.item_id not in labels:
            labels[v.item_id] = label(group_of(session=session, team_id=team_id, item_id=v.item_id))
    pages = [m.id for m in repo.vote_messages(session=session, team_id=team_id, workshop_id=ws.id)
             if group.ids & set(json.loads(m.item_ids)) and m.ts]
    return VoteOutcome(action=action, number=group.lead.number, text=group.text, used=len(votes), allowed=round_.votes_per_person,
                       mine=list(dict.fromkeys(f"#{n} {text}" for n, text in filter(None, labels.values()))),
                       pages_to_refresh=pages)


def pain_point_choices(*, session: Session, team_id: str, channel_id: str) -> list[tuple[int, str]]:
    """(number, statement) of the pain points of the channel's open (else latest) workshop, most votes first."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        return []
    return [(p["number"], p["text"]) for p, _ in
            ranked_pain_points(build_map(session=session, team_id=team_id, workshop_id=ws.id))]
