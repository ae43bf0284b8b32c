"""The workshop's commands (new, next, status, dept, stages, templates, nudge, close) and the `/journey new` form.
Thread replies, ratings and classifying lines are in replies.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_bolt import Ack, App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import ids
from bot.blocks import workshop as b
from bot.blocks.modals import build_department_modal, build_new_workshop_modal
from bot.handlers.common import Form, button, form, sorry, submitted, task, whisper
from bot.handlers.home import refresh_workshop_homes
from bot.handlers.outbox import canvas_changed, edit_prompts, post_or_tell, post_prompt
from bot.inbox import Request, Then
from bot.services import Services
from bot.storage import repo
from bot.templates import load_templates
from bot.workshop import departments, flow, nudges, status

if TYPE_CHECKING:
    from bot import arguments as a
    from bot.handlers.commands import CommandRequest


def register(app: App, svc: Services) -> None:
    form(app, svc, ids.NEW_WORKSHOP_VIEW, _new_workshop_form)
    button(app, svc, f"^{ids.DEPT_OPEN}$", _open_department)
    form(app, svc, ids.DEPT_VIEW, _department_form)


# --- Commands ----------------------------------------------------------------------------------------------


def prepare_new(r: CommandRequest, cmd: a.New) -> None:
    if cmd.future_of is not None:  # may this person see the source map?
        with r.svc.session() as s:
            source = flow.channel_of(session=s, team_id=r.team_id, workshop_id=cmd.future_of)
        r.visible = r.svc.directory.visible([source] if source else [], r.user_id)


def new(r: CommandRequest, cmd: a.New) -> None:
    if not cmd.title:
        view = build_new_workshop_modal(channel_id=r.channel_id, templates=load_templates())
        r.later(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    prompt = flow.start_workshop(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, title=cmd.title,
        template=cmd.template, map_type=cmd.map_type, future_of=cmd.future_of, visible=r.visible,
        now=r.svc.clock(),
    )
    r.later(post_prompt, r.svc, team_id=r.team_id, prompt=prompt, tell=r.tell, then=b.build_started(prompt))


def prepare_next(r: CommandRequest, cmd: a.Next) -> None:
    with r.svc.session() as s:
        ws = flow.open_workshop_of(session=s, team_id=r.team_id, channel_id=r.channel_id)
        nudging = bool(ws and ws.nudge_after_minutes)
    r.members = r.members_of_channel() if nudging else []
    r.svc.warm(*r.members)


def next_step(r: CommandRequest, cmd: a.Next) -> None:
    outcome = flow.open_next_step(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, now=r.svc.clock()
    )
    r.later(edit_prompts, r.svc, channel_id=r.channel_id, edits=outcome.closed)
    r.then += canvas_changed(r.svc, r.team_id, r.channel_id)  # it says where the workshop is
    if outcome.prompt is None:  # the stage walk is over
        r.later(post_or_tell, r.svc, channel=r.channel_id, message=b.build_walk_done(outcome), tell=r.tell)
        r.later(refresh_workshop_homes, r.svc, r.team_id, r.channel_id)
        return
    if not outcome.reposted and r.members:
        nudges.plan_step_nudges(session=r.s, team_id=r.team_id, channel_id=r.channel_id, members=r.members,
                                now=r.svc.clock(), zone_of=r.zone_of())
    r.later(post_prompt, r.svc, team_id=r.team_id, prompt=outcome.prompt, tell=r.tell,
            then=b.build_reposted(outcome.prompt) if outcome.reposted else None)


def reopen(r: CommandRequest, cmd: a.Reopen) -> None:
    reopened = flow.reopen_stage(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                 stage=cmd.stage)
    if reopened.edit is not None:
        r.later(edit_prompts, r.svc, channel_id=r.channel_id, edits=[reopened.edit])
    r.later(post_or_tell, r.svc, channel=r.channel_id, message=b.build_reopened(reopened), tell=r.tell)
    r.later(refresh_workshop_homes, r.svc, r.team_id, r.channel_id)  # the stage waits for their answers again


def prepare_members(r: CommandRequest, cmd: object) -> None:
    r.members = r.members_of_channel()


def show_status(r: CommandRequest, cmd: a.Status) -> None:
    view = status.status(session=r.s, team_id=r.team_id, channel_id=r.channel_id, members=r.members)
    r.reply(b.build_status(view))


def dept(r: CommandRequest, cmd: a.Dept) -> None:
    if not cmd.department:
        current = departments.department_of(session=r.s, team_id=r.team_id, user_id=r.user_id)
        r.reply(b.build_dept_current(current))
        return
    name = departments.set_department(
        session=r.s, team_id=r.team_id, user_id=r.user_id, department=cmd.department, now=r.svc.clock()
    )
    r.reply(b.build_dept_set(name))


def stages(r: CommandRequest, cmd: a.Stages) -> None:
    names = flow.set_stages(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, raw=cmd.raw)
    r.later(post_or_tell, r.svc, channel=r.channel_id, message=b.build_stages_set(names), tell=r.tell)


def templates(r: CommandRequest, cmd: a.Templates) -> None:
    r.reply(b.build_templates(load_templates()))


def prepare_nudge(r: CommandRequest, cmd: a.Nudge) -> None:
    if not (cmd.off or cmd.after_minutes):
        r.members = r.members_of_channel()
        r.svc.warm(*r.members)


def nudge(r: CommandRequest, cmd: a.Nudge) -> None:
    if cmd.off or cmd.after_minutes:
        nudges.set_nudge_delay(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                               minutes=None if cmd.off else cmd.after_minutes)
        r.reply(b.build_nudge_delay(cmd.after_minutes if not cmd.off else None))
        return
    sent = nudges.nudge_now(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                            members=r.members, now=r.svc.clock(), zone_of=r.zone_of())
    r.reply(b.build_nudging(sent))


def prepare_close(r: CommandRequest, cmd: a.Close) -> None:
    with r.svc.session() as s:  # the facilitators' time zones plan the map review reminders
        ws = flow.open_workshop_of(session=s, team_id=r.team_id, channel_id=r.channel_id)
        facilitators = repo.facilitators(session=s, team_id=r.team_id, workshop_id=ws.id) if ws else []
    r.svc.warm(*facilitators)


def close(r: CommandRequest, cmd: a.Close) -> None:
    closed = flow.close_workshop(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                 now=r.svc.clock(), zone_of=r.zone_of())
    r.later(edit_prompts, r.svc, channel_id=r.channel_id, edits=closed.prompts)
    r.later(post_or_tell, r.svc, channel=r.channel_id, message=b.build_closed(closed), tell=r.tell)
    r.then += canvas_changed(r.svc, r.team_id, r.channel_id)  # it says the workshop is closed
    r.later(refresh_workshop_homes, r.svc, r.team_id, r.channel_id)  # the workshop leaves their Home


# --- The `/journey new` form -------------------------------------------------------------------------------


def _new_workshop_form(svc: Services, ack: Ack, f: Form) -> None:
    channel_id = f.meta.get("channel_id")
    prompt = submitted(svc, ack, f, refusals_under=ids.NEW_TITLE_BLOCK, store=lambda s: flow.start_workshop(
        session=s, team_id=f.team_id, channel_id=channel_id, user_id=f.user_id,
        title=f.value(ids.NEW_TITLE_BLOCK, ids.NEW_TITLE_INPUT) or "",
        template=f.value(ids.NEW_TEMPLATE_BLOCK, ids.NEW_TEMPLATE_INPUT),
        objective=f.value(ids.NEW_OBJECTIVE_BLOCK, ids.NEW_OBJECTIVE_INPUT), now=svc.clock()))
    if prompt is None:
        return

    def tell(message: dict) -> None:
        try:
            whisper(svc.client, channel=channel_id, user=f.user_id, message=message)
        except SlackApiError:  # not in that channel either: the app's DM always works
            svc.client.chat_postMessage(channel=f.user_id, **message)

    post_prompt(svc, team_id=f.team_id, prompt=prompt, tell=tell, then=b.build_started(prompt))


# --- "Set my department": for anyone, the slash command's users and a partner organisation's people alike ----


def _open_department(svc: Services, s: Session, req: Request, _action: dict) -> Then:
    current = departments.department_of(session=s, team_id=req.team_id, user_id=req.user_id)
    return [task(svc.client.views_open, trigger_id=req.body["trigger_id"], view=build_department_modal(current=current),
                 on_error=sorry(req.respond))]


def _department_form(svc: Services, ack: Ack, f: Form) -> None:
    raw = f.value(ids.DEPT_BLOCK, ids.DEPT_INPUT) or ""
    submitted(svc, ack, f, lambda s: departments.set_department(
        session=s, team_id=f.team_id, user_id=f.user_id, department=raw, now=svc.clock(), user_team=f.user_team),
        refusals_under=ids.DEPT_BLOCK)
