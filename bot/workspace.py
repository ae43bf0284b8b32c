"""Whose request is this: the one place a payload's workspace is resolved.

Two workspaces can be named in one payload, and they differ in a Slack Connect channel (shared with another
organisation) and on Enterprise Grid:
- the *installation's*: the workspace (or, for an org-wide install, the organisation) that installed the bot and
  whose data the request reads and writes. Resolved as Bolt resolves `context.team_id` / `context.enterprise_id`
  (slack_bolt.request.internals): `authorizations[0]` for events (the envelope's `team_id` is where the event
  happened, the partner's in a shared channel), `view.app_installed_team_id` for forms (their `team.id` is the
  submitter's), `team.id` for clicks (Slack sends the installation's there; `user.team_id` is the clicker's), the
  command's `team_id`. For an org-wide install (`is_enterprise_install`) the installation is the organisation:
  its data is kept under the enterprise id, so every workspace of the org (and a person moving between them, or
  a channel shared across them) sees one set of workshops.
- the *actor's*: the workspace of the person who wrote, clicked or submitted: kept with their answers, shown in
  the export, never used to look anything up.

Every listener (the HTTP fast lanes, Bolt's `durable` listeners, Socket Mode, forms) stores `installation_of`;
rules read `Request.team_id`, never a field of the body.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_bolt.request.internals import extract_enterprise_id, extract_is_enterprise_install, extract_team_id


@dataclass(frozen=True)
class Installation:
    team_id: str  # the key every query filters by: the workspace, or the organisation for an org-wide install
    enterprise_id: str | None
    is_enterprise_install: bool
    bot_user_id: str | None = None


def installation_of(body: dict) -> Installation:
    """The installation a request is for (see the module's docstring)."""
    enterprise_id = extract_enterprise_id(body) or None
    org_wide = bool(extract_is_enterprise_install(body))
    team_id = extract_team_id(body)
    view = body.get("view")
    if isinstance(view, dict) and view.get("app_installed_team_id") and team_id != _team(body):
        enterprise_id = None  # the form's `enterprise` is the submitter's org; Slack doesn't name ours there
    if org_wide and enterprise_id:
        team_id = enterprise_id
    elif not team_id:  # an org-wide install's event names no team in authorizations[0]: where it happened
        team_id = body.get("context_team_id") or body.get("team_id") or ""
    authorization = (body.get("authorizations") or [{}])[0] or {}
    bot_user_id = authorization.get("user_id") if authorization.get("is_bot") else None
    return Installation(team_id=team_id, enterprise_id=enterprise_id, is_enterprise_install=org_wide,
                        bot_user_id=bot_user_id)


def actor_team_of(body: dict) -> str | None:
    """The workspace of the person behind a request (theirs, not the installation's), when the payload says."""
    event = body.get("event")
    if isinstance(event, dict):
        msg = event.get("message") if event.get("subtype") == "message_changed" else event
        msg = msg if isinstance(msg, dict) else event
        team = msg.get("user_team") or msg.get("team") or (msg.get("user_profile") or {}).get("team")
        if team:
            return team
        return body.get("team_id") if body.get("is_ext_shared_channel") is False else None
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id"):
        return user["team_id"]
    if body.get("command"):
        return body.get("team_id")
    team = body.get("team")
    return team.get("id") if isinstance(team, dict) else None


def _team(body: dict) -> str | None:
    team = body.get("team")
    return team.get("id") if isinstance(team, dict) else team
