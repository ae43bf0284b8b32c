"""Follow-ups: the action item and validation commands (action, actions, validate), their buttons (Done, Snooze,
Drop; Confirmed, Partly, Not confirmed) and their forms (a new action item, the evidence for an outcome)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from sqlmodel import Session

from bot import followups, ids
from bot.blocks import followups as b
from bot.blocks.modals import build_action_modal, build_evidence_modal
from bot.dates import BadDate, parse_due
from bot.handlers.common import Form, FormError, answer, button, clicked, form, sorry, submitted, task
from bot.handlers.home import home_changed, refresh_home
from bot.handlers.outbox import announce_action, canvas_changed, post_or_tell, refresh_canvas, refresh_synthesis
from bot.inbox import Request, Then
from bot.services import Services
from bot.storage import repo
from bot.synthesis import store as synthesis_store
from bot.voting import pain_point_choices
from bot.workshop import departments
from bot.workshop.access import Refusal

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest

MAX_WARMED = 50  # people looked up for one command; anyone else's time zone comes from their profile (or UTC)


def register(app: App, svc: Services) -> None:
    button(app, svc, ids.ACTION_CHANGE_PATTERN, _change_action, prepare=_prepare_change_action)
    button(app, svc, ids.VALIDATION_OUTCOME_PATTERN, _validation_outcome, prepare=_owner_name)
    form(app, svc, ids.NEW_ACTION_VIEW, _action_form)
    form(app, svc, ids.VALIDATION_VIEW, _evidence_form)


def _due(raw: str, today: date) -> date:
    try:
        return parse_due(raw, today=today)
    except BadDate as e:
        raise Refusal(f"{e} Nothing was stored.") from None


# --- Commands ----------------------------------------------------------------------------------------------


def prepare_action(r: CommandRequest, cmd: a.Action) -> None:
    r.svc.warm(r.user_id, cmd.owner)  # "next friday" is read in the person's time zone; reminders in the owner's


def action(r: CommandRequest, cmd: a.Action) -> None:
    if cmd.owner is None or not cmd.text:
        pains = pain_point_choices(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
        view = build_action_modal(channel_id=r.channel_id, owner=cmd.owner, pain_points=pains)
        r.later(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    today = r.today()
    due = _due(cmd.due, today) if cmd.due is not None else None
    item = followups.create_action(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, owner=cmd.owner, text=cmd.text,
        due=due, pain_point=cmd.pain_point, zone_of=r.zone_of(), now=r.svc.clock(),
    )
    _remember_owner(r.svc, r.s, r.team_id, cmd.owner)
    view = followups.action_view(session=r.s, action=item, today=today)
    r.later(announce_action, r.svc, team_id=r.team_id, channel_id=r.channel_id, view=view, today=today, tell=r.tell)
    r.then += home_changed(r.svc, r.team_id, cmd.owner) + canvas_changed(r.svc, r.team_id, r.channel_id)


def _remember_owner(svc: Services, s: Session, team_id: str, owner: str) -> None:
    """The owner's Slack name (looked up by `warm` before the transaction), so digests name them."""
    departments.remember_names(session=s, team_id=team_id, now=svc.clock(),
                               names={owner: departments.slack_name(svc.directory.cache_only().user(owner))})


def prepare_actions(r: CommandRequest, cmd: a.Actions) -> None:
    r.svc.warm(r.user_id)  # what is overdue depends on the person's today
    if cmd.scope == "mine":  # items from across the workspace: only the workshops this person may see
        with r.svc.session() as s:
            channels = followups.owned_in_channels(session=s, team_id=r.team_id, user_id=r.user_id)
        r.visible = r.svc.directory.visible(channels, r.user_id)


def actions(r: CommandRequest, cmd: a.Actions) -> None:
    today = r.today()
    items = followups.list_actions(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                   scope=cmd.scope, today=today, visible=r.visible)
    r.reply(b.build_actions_list(items, today, cmd.scope))


def prepare_validate(r: CommandRequest, cmd: a.Validate) -> None:
    with r.svc.session() as s:  # who raised pain points may own a task: their time zones plan its reminder
        authors = followups.pain_point_authors(session=s, team_id=r.team_id, channel_id=r.channel_id)
    r.svc.warm(r.user_id, *authors[:MAX_WARMED])


def validate(r: CommandRequest, cmd: a.Validate) -> None:
    if cmd.reassign is not None:
        task_id, owner = cmd.reassign
        before = followups.get_validation(session=r.s, team_id=r.team_id, task_id=task_id)
        previous = [before.owner] if before else []
        followups.reassign_validation(session=r.s, team_id=r.team_id, user_id=r.user_id, task_id=task_id,
                                      owner=owner)
        r.reply(b.build_validation_reassigned(task_id, owner))
        r.then += home_changed(r.svc, r.team_id, owner, *previous)
        return
    today = r.today()
    tasks = followups.create_validation_tasks(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, top=cmd.top,
        due=_due(cmd.by, today), customers=cmd.customers, zone_of=r.zone_of(), now=r.svc.clock(),
    )
    r.later(post_or_tell, r.svc, channel=r.channel_id, message=b.build_validation_plan(tasks, today), tell=r.tell)
    r.then += home_changed(r.svc, r.team_id, *(v.owner for v in tasks)) + canvas_changed(r.svc, r.team_id, r.channel_id)


# --- Buttons -----------------------------------------------------------------------------------------------


def _prepare_change_action(svc: Services, req: Request) -> None:
    with svc.session() as s:  # the owner's time zone says what "tomorrow" is and plans the reminders
        item = followups.find_action(session=s, team_id=req.team_id, action_id=int(clicked(req.body).get("value", 0)))
    svc.warm(req.user_id, item.owner if item else None)


def _change_action(svc: Services, s: Session, req: Request, action: dict, _prepared: None = None) -> Then:
    change = action["action_id"].removeprefix(ids.ACTION_CHANGE + "_")
    zone_of = svc.zone_of(s, req.team_id)
    item = followups.change_action(session=s, team_id=req.team_id, user_id=req.user_id,
                                   action_id=int(action.get("value", 0)), change=change, zone_of=zone_of,
                                   now=svc.clock())
    today = svc.clock().astimezone(zone_of(item.owner)).date()
    view = followups.action_view(session=s, action=item, today=today)
    ws = repo.workshop(session=s, team_id=req.team_id, workshop_id=item.workshop_id)
    then = [answer(svc, req, b.build_action_changed(view, today)), *home_changed(svc, req.team_id, item.owner, req.user_id),
            *canvas_changed(svc, req.team_id, ws.channel_id if ws else None)]
    if item.channel_id and item.message_ts:  # the channel's announcement shows the new status
        then.append(task(svc.refreshes.submit, ("action", view.id), _refresh_announcement, svc, req.team_id,
                         view.id, today))
    return then


def _refresh_announcement(svc: Services, team_id: str, action_id: int, today: date) -> None:
    """Read now, not when clicked: a coalesced refresh must show the latest state."""
    with svc.session() as s:
        item = followups.get_action(session=s, team_id=team_id, action_id=action_id)
        view = followups.action_view(session=s, action=item, today=today)
        where = (item.channel_id, item.message_ts)
    svc.client.chat_update(channel=where[0], ts=where[1], **b.build_action(view, today, headline="📌 *Action item*"))


def _owner_name(svc: Services, req: Request) -> str | None:
    """Before the rule: the task owner's name in Slack, for a refusal that names them."""
    with svc.session() as s:
        task_row = followups.get_validation(session=s, team_id=req.team_id,
                                            task_id=int(clicked(req.body).get("value", 0) or 0))
    return departments.slack_name(svc.directory.user(task_row.owner)) if task_row else None


def _validation_outcome(svc: Services, s: Session, req: Request, action: dict, owner_name: str | None = None) -> Then:
    """Ask its owner or a facilitator for the evidence in a form (the outcome is recorded when it is submitted);
    anyone else is told privately whose task it is."""
    outcome = action["action_id"].removeprefix(ids.VALIDATION_OUTCOME + "_")
    task_row = followups.get_validation(session=s, team_id=req.team_id, task_id=int(action.get("value", 0)))
    if task_row is None:
        raise Refusal("That validation task doesn't exist (any more).")
    followups.require_validation_owner(session=s, team_id=req.team_id, task=task_row, user_id=req.user_id,
                                       owner_name=owner_name)
    pain = followups.validation_view(session=s, task=task_row).pain
    # The message the click came from, when it is a validation plan (only validation rows): it will show the outcome.
    message = req.body.get("message") or {}
    block_ids = [blk.get("block_id", "") for blk in message.get("blocks", []) if blk.get("type") == "actions"]
    plan = None
    if block_ids and all(bid.startswith("validation:") for bid in block_ids):
        plan = {"channel": (req.body.get("channel") or {}).get("id"), "ts": message.get("ts"),
                "tasks": [int(bid.split(":")[1]) for bid in block_ids]}
    view = build_evidence_modal(task_id=task_row.id, outcome=outcome, outcome_label=followups.OUTCOMES[outcome],
                                pain=pain, plan=plan)
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=view, on_error=sorry(req.respond))]


def _refresh_validation_plan(svc: Services, team_id: str, plan: dict, today: date) -> None:
    """Show a validation plan message's tasks as they are now (read when it runs)."""
    with svc.session() as s:
        views = [followups.validation_view(session=s, task=t) for task_id in plan["tasks"]
                 if (t := followups.get_validation(session=s, team_id=team_id, task_id=task_id)) is not None]
    svc.client.chat_update(channel=plan["channel"], ts=plan["ts"], **b.build_validation_plan(views, today))


# --- Forms -------------------------------------------------------------------------------------------------


def _action_form(svc: Services, ack: Ack, f: Form) -> None:
    channel_id = f.meta.get("channel_id")
    suggestion = f.meta.get("suggestion")  # accepted from a synthesis: the draft shows as accepted
    due_raw = f.value(ids.ACTION_DUE_BLOCK, ids.ACTION_DUE_INPUT)
    pain_raw = f.value(ids.ACTION_PAIN_BLOCK, ids.ACTION_PAIN_INPUT)
    owner = f.value(ids.ACTION_OWNER_BLOCK, ids.ACTION_OWNER_INPUT) or f.user_id
    now = svc.clock()
    svc.warm(f.user_id, owner)

    def store(s: Session) -> tuple[followups.ActionView, date]:
        zone_of = svc.zone_of(s, f.team_id)
        today = now.astimezone(zone_of(f.user_id)).date()
        due = date.fromisoformat(due_raw) if due_raw else None
        if due is not None and due < today:
            raise FormError(ids.ACTION_DUE_BLOCK, "That date has passed.")
        item = followups.create_action(
            session=s, team_id=f.team_id, channel_id=channel_id, user_id=f.user_id, owner=owner,
            text=f.value(ids.ACTION_TEXT_BLOCK, ids.ACTION_TEXT_INPUT) or "", due=due,
            pain_point=int(pain_raw) if pain_raw else None, zone_of=zone_of, now=now,
        )
        _remember_owner(svc, s, f.team_id, owner)
        if suggestion:
            synthesis_store.decide(session=s, team_id=f.team_id, user_id=f.user_id, synthesis_id=suggestion[0],
                                   key=suggestion[1], decision="accepted")
        return followups.action_view(session=s, action=item, today=today), today

    stored = submitted(svc, ack, f, store, refusals_under=ids.ACTION_TEXT_BLOCK)
    if stored is None:
        return
    view, today = stored
    if suggestion:
        refresh_synthesis(svc, f.team_id, suggestion[0])

    def tell(message: dict) -> None:
        svc.client.chat_postMessage(channel=f.user_id, **message)

    svc.outbox.submit(announce_action, svc, team_id=f.team_id, channel_id=channel_id, view=view, today=today,
                      tell=tell)
    refresh_home(svc, f.team_id, view.owner)
    if channel_id:
        refresh_canvas(svc, f.team_id, channel_id)


def _evidence_form(svc: Services, ack: Ack, f: Form) -> None:
    raw = (f.value(ids.EVIDENCE_CUSTOMERS_BLOCK, ids.EVIDENCE_CUSTOMERS_INPUT) or "").strip()
    if not raw.isdigit():
        ack(response_action="errors", errors={ids.EVIDENCE_CUSTOMERS_BLOCK: "A whole number, 0 or more."})
        return

    def store(s: Session) -> tuple[followups.ValidationAnswer, list[str]]:
        answer = followups.record_validation(
            session=s, team_id=f.team_id, user_id=f.user_id, task_id=int(f.meta.get("task_id", 0)),
            outcome=f.meta.get("outcome", ""), customers=int(raw),
            note=f.value(ids.EVIDENCE_NOTE_BLOCK, ids.EVIDENCE_NOTE_INPUT), now=svc.clock(),
        )
        facilitators = [] if not answer.all_answered else followups.workshop_facilitators(
            session=s, team_id=f.team_id, task_id=answer.view.id)
        task_row = followups.get_validation(session=s, team_id=f.team_id, task_id=answer.view.id)
        ws = repo.workshop(session=s, team_id=f.team_id, workshop_id=task_row.workshop_id) if task_row else None
        return answer, facilitators, ws.channel_id if ws else None

    stored = submitted(svc, ack, f, store, refusals_under=ids.EVIDENCE_CUSTOMERS_BLOCK)
    if stored is None:
        return
    answer, facilitators, workshop_channel = stored
    refresh_home(svc, f.team_id, answer.view.owner)
    if workshop_channel:
        refresh_canvas(svc, f.team_id, workshop_channel)
    plan = f.meta.get("plan")
    if plan and plan.get("channel") and plan.get("ts"):  # the plan message shows the outcome
        svc.refreshes.submit(("validation_plan", plan["ts"]), _refresh_validation_plan, svc, f.team_id, plan,
                             svc.clock().date())
    if answer.all_answered:  # the last answer of the workshop: the facilitators get one summary
        summary = b.build_validation_summary(answer.summary, answer.view.workshop_title)
        for user in facilitators:
            svc.outbox.submit(svc.client.chat_postMessage, channel=user, **summary)
