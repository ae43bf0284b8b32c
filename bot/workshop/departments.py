"""Which department each person answers for (kept per workspace): a map is about the cross-department view."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.storage import repo
from bot.workshop.access import Refusal

MAX_DEPARTMENT = 40


def set_department(*, session: Session, team_id: str, user_id: str, department: str, now: datetime,
                   user_team: str | None = None) -> str:
    """`user_team`: the person's own workspace, when the request says (a partner's, from a Slack Connect channel)."""
    name = " ".join(department.split())
    if not name:
        raise Refusal("Say which department you're in, e.g. `/journey dept Customer Support`.")
    if len(name) > MAX_DEPARTMENT:
        raise Refusal(f"Keep the department name under {MAX_DEPARTMENT} characters.")
    if "<" in name or ">" in name:
        raise Refusal("A department is a plain name, e.g. `/journey dept Sales`; mentions and links can't be one.")
    if name.islower():
        name = name.title()  # "customer support" reads better as "Customer Support"; "R&D" or "iOS" stay as typed
    # Reuse the spelling the workspace already has, so "Sales" and "SALES" count as one department.
    for known in repo.departments(session=session, team_id=team_id):
        if known.lower() == name.lower():
            name = known
            break
    extra = {"user_team": user_team} if user_team else {}
    repo.save_profile(session=session, team_id=team_id, user_id=user_id, now=now, department=name, **extra)
    return name


def department_of(*, session: Session, team_id: str, user_id: str) -> str | None:
    p = repo.profile(session=session, team_id=team_id, user_id=user_id)
    return p.department if p else None


# --- Names, for reports people read ------------------------------------------------------------------------

MAX_NAME = 80
MAX_LOOKUPS = 200  # people looked up for one map or export; the rest show as their ids until the next


def slack_name(user: dict | None) -> str | None:
    """How Slack shows a person: their display name, else their full name (users.info's user object)."""
    if not user:
        return None
    profile = user.get("profile") or {}
    for name in (profile.get("display_name"), profile.get("real_name"), user.get("real_name"), user.get("name")):
        if isinstance(name, str) and name.strip():
            return " ".join(name.split())[:MAX_NAME]
    return None


def unnamed(*, session: Session, team_id: str, user_ids: list[str]) -> list[str]:
    """Of these people, those whose name the bot doesn't know yet (to look up in Slack before a transaction)."""
    known = repo.profiles(session=session, team_id=team_id, user_ids=user_ids)
    return [u for u in user_ids if not (u in known and known[u].name)][:MAX_LOOKUPS]


def remember_names(*, session: Session, team_id: str, names: dict[str, str | None], now: datetime) -> None:
    for user_id, name in names.items():
        if name:
            repo.save_profile(session=session, team_id=team_id, user_id=user_id, now=now, name=name)
