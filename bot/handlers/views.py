"""Modal submissions: the `/journey new`, action item and validation evidence forms.

A submission whose errors must travel in the ack is validated and stored before acking (the one exception to
"store, ack, then process"); its view id is recorded in the same transaction, so a submission delivered twice
acts once."""

from __future__ import annotations

import json
from datetime import date

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from bot import followups, ids, workshop
from bot.blocks import messages as m
from bot.blocks.followups import build_validation_summary
from bot.followups import workshop_facilitators
from bot.handlers.actions import refresh_synthesis, refresh_validation_plan
from bot.handlers.commands import announce_action, post_prompt
from bot.handlers.common import whisper
from bot.inbox import first_time
from bot.services import Services
from bot.synthesis import store as synthesis_store
from bot.text import clean


def _value(view: dict, block: str, action: str) -> str | None:
    field = view["state"]["values"].get(block, {}).get(action, {})
    if "selected_option" in field:
        return (field["selected_option"] or {}).get("value")
    for key in ("selected_user", "selected_date"):
        if key in field:
            return field[key]
    value = field.get("value")
    return clean(value) if isinstance(value, str) else value  # a form's JSON can carry NUL or a lone surrogate


class _AlreadyHandled(Exception):
    """This very submission was stored before (Slack delivered it twice): roll back, and just ack."""


class _FormError(Exception):
    def __init__(self, block: str, message: str):
        super().__init__(message)
        self.block, self.message = block, message


def _once(s, team_id: str, view: dict, now) -> None:
    """The last step of a submission's transaction: record its view id, or undo everything if it is known."""
    if not first_time(s, f"view:{team_id}:{view.get('id')}", now=now):
        raise _AlreadyHandled


def register(app: App, svc: Services) -> None:
    register_action_form(app, svc)
    register_evidence_form(app, svc)

    @app.view(ids.NEW_WORKSHOP_VIEW)
    def new_workshop(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        team_id = context.team_id
        user_id = body["user"]["id"]
        channel_id = json.loads(view.get("private_metadata") or "{}").get("channel_id")
        title = _value(view, ids.NEW_TITLE_BLOCK, ids.NEW_TITLE_INPUT) or ""
        # Validation errors must travel in the ack itself, so this handler does its (fast) work before acking.
        try:
            with svc.session() as s:
                prompt = workshop.start_workshop(
                    session=s, team_id=team_id, channel_id=channel_id, user_id=user_id, title=title,
                    template=_value(view, ids.NEW_TEMPLATE_BLOCK, ids.NEW_TEMPLATE_INPUT),
                    objective=_value(view, ids.NEW_OBJECTIVE_BLOCK, ids.NEW_OBJECTIVE_INPUT), now=svc.clock(),
                )
                _once(s, team_id, view, svc.clock())
        except _AlreadyHandled:
            ack()
            return
        except workshop.Refusal as r:
            ack(response_action="errors", errors={ids.NEW_TITLE_BLOCK: m.plain_error(str(r))})
            return
        ack()

        def tell(message: dict) -> None:
            try:
                whisper(svc.client, channel=channel_id, user=user_id, message=message)
            except SlackApiError:  # not in that channel either: the app's DM always works
                svc.client.chat_postMessage(channel=user_id, **message)

        svc.in_order.submit(("prompts", channel_id), post_prompt, svc, team_id=team_id, prompt=prompt, tell=tell,
                            then=m.build_started(prompt))


def register_action_form(app: App, svc: Services) -> None:
    @app.view(ids.NEW_ACTION_VIEW)
    def new_action(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        team_id = context.team_id
        user_id = body["user"]["id"]
        channel_id = json.loads(view.get("private_metadata") or "{}").get("channel_id")
        due_raw = _value(view, ids.ACTION_DUE_BLOCK, ids.ACTION_DUE_INPUT)
        pain_raw = _value(view, ids.ACTION_PAIN_BLOCK, ids.ACTION_PAIN_INPUT)
        now = svc.clock()
        owner = _value(view, ids.ACTION_OWNER_BLOCK, ids.ACTION_OWNER_INPUT) or user_id
        svc.warm(user_id, owner)
        try:
            with svc.session() as s:
                zone_of = svc.zone_of(s, team_id)
                today = now.astimezone(zone_of(user_id)).date()
                due = date.fromisoformat(due_raw) if due_raw else None
                if due is not None and due < today:
                    raise _FormError(ids.ACTION_DUE_BLOCK, "That date has passed.")
                action = followups.create_action(
                    session=s, team_id=team_id, channel_id=channel_id, user_id=user_id,
                    owner=owner,
                    text=_value(view, ids.ACTION_TEXT_BLOCK, ids.ACTION_TEXT_INPUT) or "", due=due,
                    pain_point_id=int(pain_raw) if pain_raw else None, zone_of=zone_of, now=now,
                )
                item = followups.action_view(session=s, action=action, today=today)
                suggestion = json.loads(view.get("private_metadata") or "{}").get("suggestion")
                if suggestion:  # accepted from a synthesis: the draft shows as accepted
                    synthesis_store.decide(session=s, team_id=team_id, user_id=user_id, synthesis_id=suggestion[0],
                                           key=suggestion[1], decision="accepted")
                _once(s, team_id, view, now)
        except _AlreadyHandled:
            ack()
            return
        except _FormError as e:
            ack(response_action="errors", errors={e.block: e.message})
            return
        except workshop.Refusal as r:
            ack(response_action="errors", errors={ids.ACTION_TEXT_BLOCK: m.plain_error(str(r))})
            return
        ack()
        if suggestion:
            svc.refreshes.submit(("synthesis", suggestion[0]), refresh_synthesis, svc, team_id, suggestion[0])

        def tell(message: dict) -> None:
            svc.client.chat_postMessage(channel=user_id, **message)

        svc.outbox.submit(announce_action, svc, team_id=team_id, channel_id=channel_id, view=item, today=today,
                          tell=tell)


def register_evidence_form(app: App, svc: Services) -> None:
    @app.view(ids.VALIDATION_VIEW)
    def evidence(ack: Ack, body: dict, view: dict, context: BoltContext) -> None:
        team_id = context.team_id
        meta = json.loads(view.get("private_metadata") or "{}")
        raw = (_value(view, ids.EVIDENCE_CUSTOMERS_BLOCK, ids.EVIDENCE_CUSTOMERS_INPUT) or "").strip()
        if not raw.isdigit():
            ack(response_action="errors", errors={ids.EVIDENCE_CUSTOMERS_BLOCK: "A whole number, 0 or more."})
            return
        try:
            with svc.session() as s:
                answer = followups.record_validation(
                    session=s, team_id=team_id, user_id=body["user"]["id"], task_id=int(meta.get("task_id", 0)),
                    outcome=meta.get("outcome", ""), customers=int(raw),
                    note=_value(view, ids.EVIDENCE_NOTE_BLOCK, ids.EVIDENCE_NOTE_INPUT), now=svc.clock(),
                )
                facilitators = [] if not answer.all_answered else workshop_facilitators(
                    session=s, team_id=team_id, task_id=answer.view.id)
                _once(s, team_id, view, svc.clock())
        except _AlreadyHandled:
            ack()
            return
        except workshop.Refusal as r:
            ack(response_action="errors", errors={ids.EVIDENCE_CUSTOMERS_BLOCK: m.plain_error(str(r))})
            return
        ack()
        plan = meta.get("plan")
        if plan and plan.get("channel") and plan.get("ts"):  # the plan message shows the outcome
            svc.refreshes.submit(("validation_plan", plan["ts"]), refresh_validation_plan, svc, team_id, plan,
                                 svc.clock().date())
        if answer.all_answered:  # the last answer of the workshop: the facilitators get one summary
            summary = build_validation_summary(answer.summary, answer.view.workshop_title)
            for user in facilitators:
                svc.outbox.submit(svc.client.chat_postMessage, channel=user, **summary)
