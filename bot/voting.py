"""Dot voting on pain points: ballots, dots people can move, and the ranking everything else uses."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.storage import repo
from bot.storage.models import Item, ItemKind, Vote, VoteMessage, VoteRound
from bot.workshop.access import Refusal, require_facilitator, require_open

BALLOT_PAGE = 40  # pain points per ballot message (each is one block; Slack allows 50 per message)


def vote_counts(*, session: Session, team_id: str, workshop_id: int) -> Counter:
    return Counter(v.item_id for v in repo.votes(session=session, team_id=team_id, workshop_id=workshop_id))


def rank_pain_points(items: list[Item], votes: Counter) -> list[Item]:
    """Pain points by votes, most first; ties keep the order people gave them in."""
    return sorted((i for i in items if i.kind == ItemKind.PAIN_POINT), key=lambda i: (-votes.get(i.id, 0), i.id))


@dataclass(frozen=True)
class BallotLine:
    item_id: int
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


def open_vote(*, session: Session, team_id: str, channel_id: str, user_id: str, votes: int, now: datetime) -> list[BallotPage]:
    ws = require_open(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id, to="start dot voting")
    items = repo.items(session=session, team_id=team_id, workshop_id=ws.id)
    ranked = rank_pain_points(items, vote_counts(session=session, team_id=team_id, workshop_id=ws.id))
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
                          item_ids=json.dumps([i.id for i in chunk]))
        session.add(msg)
        pages.append(msg)
    session.flush()
    return [ballot_page(session=session, team_id=team_id, vote_message_id=m.id) for m in pages]


def record_ballot_posted(*, session: Session, team_id: str, vote_message_id: int, ts: str) -> None:
    msg = repo.vote_message(session=session, team_id=team_id, vote_message_id=vote_message_id)
    if msg is not None:
        msg.ts = ts
        session.add(msg)


def ballot_page(*, session: Session, team_id: str, vote_message_id: int) -> BallotPage:
    msg = repo.vote_message(session=session, team_id=team_id, vote_message_id=vote_message_id)
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=msg.workshop_id)
    round_ = repo.vote_round(session=session, team_id=team_id, workshop_id=ws.id)
    stages = {s.id: s.name for s in repo.stages(session=session, team_id=team_id, workshop_id=ws.id)}
    items = {i.id: i for i in repo.items(session=session, team_id=team_id, workshop_id=ws.id)}
    all_votes = repo.votes(session=session, team_id=team_id, workshop_id=ws.id)
    counts = Counter(v.item_id for v in all_votes)
    ids = [i for i in json.loads(msg.item_ids) if i in items]  # a pain point deleted since drops out
    return BallotPage(
        vote_message_id=msg.id, channel_id=msg.channel_id, ts=msg.ts, title=ws.title, page=msg.page, pages=msg.pages,
        votes_per_person=round_.votes_per_person,
        lines=[BallotLine(i, items[i].text, stages.get(items[i].stage_id, ""), counts.get(i, 0)) for i in ids],
        voters=len({v.user_id for v in all_votes}),
    )


@dataclass(frozen=True)
class VoteOutcome:
    action: str  # added | removed | none_left
    text: str
    used: int
    allowed: int
    mine: list[str]  # the pain points this person has dots on
    pages_to_refresh: list[int]  # ballot messages showing this pain point


def cast_vote(*, session: Session, team_id: str, user_id: str, item_id: int, now: datetime) -> VoteOutcome:
    """A click on a pain point: puts the person's dot on it, or takes it back if it is already there."""
    item = repo.item(session=session, team_id=team_id, item_id=item_id)
    if item is None or item.kind != ItemKind.PAIN_POINT:
        raise Refusal("That pain point is gone (its reply was deleted or edited). Nothing was changed.")
    ws = repo.workshop(session=session, team_id=team_id, workshop_id=item.workshop_id)
    round_ = repo.vote_round(session=session, team_id=team_id, workshop_id=ws.id)
    if round_ is None or ws.status != "open":
        raise Refusal("Voting on this workshop is closed. Nothing was changed.")
    votes = [v for v in repo.votes(session=session, team_id=team_id, workshop_id=ws.id) if v.user_id == user_id]
    existing = next((v for v in votes if v.item_id == item_id), None)
    if existing is not None:
        session.delete(existing)
        action = "removed"
        votes.remove(existing)
    elif len(votes) >= round_.votes_per_person:
        action = "none_left"
    else:
        vote = Vote(team_id=team_id, workshop_id=ws.id, item_id=item_id, user_id=user_id, created_at=now)
        session.add(vote)
        votes.append(vote)
        action = "added"
    session.flush()
    texts = {i.id: i.text for i in repo.items(session=session, team_id=team_id, workshop_id=ws.id)}
    pages = [m.id for m in repo.vote_messages(session=session, team_id=team_id, workshop_id=ws.id)
             if item_id in json.loads(m.item_ids) and m.ts]
    return VoteOutcome(action=action, text=item.text, used=len(votes), allowed=round_.votes_per_person,
                       mine=[texts[v.item_id] for v in votes if v.item_id in texts], pages_to_refresh=pages)


def pain_point_choices(*, session: Session, team_id: str, channel_id: str) -> list[tuple[int, str]]:
    """(id, text) of the pain points of the channel's open (else latest) workshop, most votes first."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        return []
    items = repo.items(session=session, team_id=team_id, workshop_id=ws.id)
    ranked = rank_pain_points(items, vote_counts(session=session, team_id=team_id, workshop_id=ws.id))
    return [(i.id, i.text) for i in ranked]
