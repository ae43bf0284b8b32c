"""Who may do what: the refusal every rule raises, the channel's workshop, and the one facilitator check."""

from __future__ import annotations

from sqlmodel import Session

from bot.storage import repo
from bot.storage.models import Workshop

NO_WORKSHOP = "There's no open workshop in this channel. Start one with `/journey new <title>`."


class Refusal(Exception):
    """A request the rules turn down; `str(refusal)` is the message for the person. Nothing was changed."""


def require_open(*, session: Session, team_id: str, channel_id: str) -> Workshop:
    """The channel's open workshop; refused when it has none."""
    ws = repo.open_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    return ws


def require_latest(*, session: Session, team_id: str, channel_id: str) -> Workshop:
    """The channel's open workshop, else its latest one (follow-ups outlive a workshop); refused when it has none."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    if ws is None:
        raise Refusal(NO_WORKSHOP)
    return ws


def is_facilitator(*, session: Session, team_id: str, workshop_id: int, user_id: str) -> bool:
    return user_id in repo.facilitators(session=session, team_id=team_id, workshop_id=workshop_id)


def require_facilitator(*, session: Session, team_id: str, workshop_id: int, user_id: str, to: str,
                        named: bool = True) -> None:
    """Refuse anyone but a facilitator of the workshop: "Only the facilitator (<@…>) can {to}." (`named`), or
    "Only a facilitator can {to}."."""
    facilitators = repo.facilitators(session=session, team_id=team_id, workshop_id=workshop_id)
    if user_id in facilitators:
        return
    who = f"the facilitator ({', '.join(f'<@{u}>' for u in facilitators)})" if named else "a facilitator"
    raise Refusal(f"Only {who} can {to}. Nothing was changed.")
