"""`/journey` slash command: the listener stores and acks; the inbox then parses it, looks up in Slack what the
rules need, runs one service call in its transaction, and leaves the replies to the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable

from slack_bolt import App
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from bot import commands as c
from bot import digests, followups, voting, workshop
from bot import text as t
from bot.blocks import messages as m
from bot.blocks.followups import build_action, build_actions_list, build_digest, build_validation_plan
from bot.blocks.modals import build_action_modal, build_new_workshop_modal
from bot.blocks.synthesis import build_synthesis, build_working
from bot.dates import BadDate, parse_due
from bot.handlers.common import body_digest, durable, ephemeral, task
from bot.inbox import Request, Then
from bot.render.export import EXPORTERS, build_channel_export, build_export, export_filename
from bot.services import Services
from bot.slack import error_code, post_message, share_ts, upload_file
from bot.storage import repo
from bot.synthesis import store as synthesis_store
from bot.synthesis.run import synthesize
from bot.templates import load_templates
from bot.voting import pain_point_choices


def post_prompt(
    svc: Services, *, team_id: str, prompt: workshop.PromptView, tell: Callable[[dict], None], then: dict | None = None
) -> None:
    """Outbox task: post a step's prompt and remember its ts, then tell the facilitator `then`;
    if Slack won't take the prompt, tell them why and how to post it again instead."""
    try:
        ts = post_message(svc.client, channel=prompt.channel_id, **m.build_prompt(prompt))
    except SlackApiError as e:
        log.warning("chat.postMessage of a prompt failed: %s", error_code(e))
        with svc.session() as s:
            workshop.record_prompt_posted(session=s, team_id=team_id, step_id=prompt.step_id, ts=None)
        tell(m.build_slack_failed("post the prompt in this channel", error_code(e), retry="run `/journey next` to post it"))
        return
    with svc.session() as s:
        workshop.record_prompt_posted(session=s, team_id=team_id, step_id=prompt.step_id, ts=ts)
    if then is not None:
        tell(then)


log = logging.getLogger(__name__)
MAX_WARMED = 50  # people looked up for one command; anyone else's time zone comes from their profile (or UTC)


def command_key(body: dict) -> str:
    """A slash command's identity: its trigger_id is unique per invocation, so a replay is recognised."""
    return f"command:{body.get('team_id')}:{body.get('trigger_id') or body_digest(body)}"


def register(app: App, svc: Services) -> None:
    app.command(svc.settings.slash_command)(durable(svc, "command"))
    svc.inbox.route("command", key=command_key, prepare=lambda req: _prepare(svc, req),
                    apply=lambda s, req, ready: _apply(svc, s, req, ready))


class _Request:
    """One `/journey` invocation, handled by the inbox after the ack: `prepare` looks up in Slack what the rules
    need, then the handler runs in the inbox's transaction and leaves its Slack calls in `then`."""

    def __init__(self, svc: Services, req: Request):
        body = req.body
        self.svc = svc
        self.text: str = body.get("text", "")
        self.team_id: str = req.team_id
        self.channel_id: str = body["channel_id"]
        self.user_id: str = body["user_id"]
        self.trigger_id: str | None = body.get("trigger_id")
        self.respond = req.respond
        self.bot_user_id = req.bot_user_id
        self.cmd = c.parse(self.text)
        self.members: list[str] = []  # the channel's people, for the commands that need them
        self.visible: frozenset[str] = frozenset()  # conversations whose workshops this person may see
        self.s: Session | None = None
        self.then: Then = []

    def later(self, fn: Callable, *args, on_error: Callable[[BaseException], None] | None = None, **kwargs) -> None:
        """A Slack call for after the commit."""
        self.then.append(task(fn, *args, on_error=on_error, **kwargs))

    def sorry(self, _error: BaseException) -> None:
        ephemeral(self.respond, m.build_sorry())

    def reply(self, message: dict) -> None:
        self.later(ephemeral, self.respond, message)

    def tell(self, message: dict) -> None:
        """Called from inside an outbox task: answer right away."""
        ephemeral(self.respond, message)

    def post_prompt(self, prompt: workshop.PromptView, *, then: dict | None = None) -> None:
        # A channel's prompts go out one after another, in order, however fast the facilitator moves on.
        self.later(self.svc.in_order.submit, ("prompts", prompt.channel_id), post_prompt, self.svc,
                   team_id=self.team_id, prompt=prompt, tell=self.tell, then=then)

    def members_of_channel(self) -> list[str]:
        exclude = {self.bot_user_id} if self.bot_user_id else set()
        return self.svc.directory.channel_humans(self.channel_id, exclude=exclude) or []


def _prepare(svc: Services, req: Request) -> _Request:
    r = _Request(svc, req)
    look_up = PREPARE.get(type(r.cmd))
    if look_up is not None:
        look_up(r, r.cmd)
    return r


def _apply(svc: Services, s: Session, req: Request, r: _Request) -> Then:
    r.s, r.then = s, []
    try:
        with s.begin_nested():  # a refusal leaves nothing behind
            HANDLERS[type(r.cmd)](r, r.cmd)
    except workshop.Refusal as refusal:
        r.then = [task(ephemeral, r.respond, m.note(str(refusal)))]
    return r.then


def _help(r: _Request, cmd: c.Help) -> None:
    r.reply(m.build_help())


def _invalid(r: _Request, cmd: c.Invalid) -> None:
    r.reply(m.build_unknown(cmd.message))


def _new(r: _Request, cmd: c.New) -> None:
    if not cmd.title:
        view = build_new_workshop_modal(channel_id=r.channel_id, templates=load_templates())
        r.later(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    prompt = workshop.start_workshop(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, title=cmd.title,
        template=cmd.template, map_type=cmd.map_type, future_of=cmd.future_of, visible=r.visible,
        now=r.svc.clock(),
    )
    r.post_prompt(prompt, then=m.build_started(prompt))


def _prepare_new(r: _Request, cmd: c.New) -> None:
    if cmd.future_of is not None:  # may this person see the source map?
        with r.svc.session() as s:
            source = workshop.channel_of(session=s, team_id=r.team_id, workshop_id=cmd.future_of)
        r.visible = r.svc.directory.visible([source] if source else [], r.user_id)


def _prepare_next(r: _Request, cmd: c.Next) -> None:
    with r.svc.session() as s:
        ws = workshop.open_workshop_of(session=s, team_id=r.team_id, channel_id=r.channel_id)
        nudging = bool(ws and ws.nudge_after_minutes)
    r.members = r.members_of_channel() if nudging else []
    r.svc.warm(*r.members)


def _next(r: _Request, cmd: c.Next) -> None:
    outcome = workshop.open_next_step(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, now=r.svc.clock()
    )
    if not outcome.reposted and r.members:
        workshop.plan_step_nudges(session=r.s, team_id=r.team_id, channel_id=r.channel_id, members=r.members,
                                  now=r.svc.clock(), zone_of=r.svc.zone_of(r.s, r.team_id))
    r.post_prompt(outcome.prompt, then=m.build_reposted(outcome.prompt) if outcome.reposted else None)


def _prepare_members(r: _Request, cmd) -> None:
    r.members = r.members_of_channel()


def _status(r: _Request, cmd: c.Status) -> None:
    view = workshop.status(session=r.s, team_id=r.team_id, channel_id=r.channel_id, members=r.members)
    r.reply(m.build_status(view))


def _dept(r: _Request, cmd: c.Dept) -> None:
    if not cmd.department:
        current = workshop.department_of(session=r.s, team_id=r.team_id, user_id=r.user_id)
        r.reply(m.build_dept_current(current))
        return
    name = workshop.set_department(
        session=r.s, team_id=r.team_id, user_id=r.user_id, department=cmd.department, now=r.svc.clock()
    )
    r.reply(m.build_dept_set(name))


def _post_or_tell(r: _Request, message: dict) -> None:
    """Post to the channel; if Slack won't take it, the person who asked at least sees it (it is stored)."""

    def post() -> None:
        try:
            post_message(r.svc.client, channel=r.channel_id, **message)
        except SlackApiError:
            r.tell(message)

    r.later(post)


def _stages(r: _Request, cmd: c.Stages) -> None:
    names = workshop.set_stages(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                raw=cmd.raw)
    _post_or_tell(r, m.build_stages_set(names))


def _export(r: _Request, cmd: c.Export) -> None:
    data = build_channel_export(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
    title = data["workshop"]["title"]

    def upload() -> None:
        try:
            upload_file(r.svc.client, channel=r.channel_id, content=EXPORTERS[cmd.format](data),
                        filename=export_filename(data, cmd.format), title=f"Journey map: {t.show_plain(title, 200)}",
                        comment=m.build_export_comment(title, cmd.format))
        except SlackApiError as e:
            r.tell(m.build_slack_failed("upload the export", error_code(e),
                                        retry=f"run `/journey export {cmd.format}` again"))

    r.later(upload)


def _templates(r: _Request, cmd: c.Templates) -> None:
    r.reply(m.build_templates(load_templates()))


def _vote(r: _Request, cmd: c.Vote) -> None:
    pages = voting.open_vote(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                             votes=cmd.votes, now=r.svc.clock())

    def post_ballots() -> None:
        for page in pages:
            try:
                ts = post_message(r.svc.client, channel=r.channel_id, **m.build_ballot(page))
            except SlackApiError as e:
                r.tell(m.build_slack_failed("post the ballot", error_code(e), retry="run `/journey vote` again"))
                return
            with r.svc.session() as s:
                voting.record_ballot_posted(session=s, team_id=r.team_id, vote_message_id=page.vote_message_id, ts=ts)

    r.later(post_ballots)


def _map(r: _Request, cmd: c.Map) -> None:
    data = build_channel_export(session=r.s, team_id=r.team_id, channel_id=r.channel_id)

    def post_map() -> None:
        from bot.render.picture import render_map  # matplotlib loads on the first map, not at start-up

        picture = render_map(data, cmd.format)
        summary = m.build_map_summary(data, cmd.format)
        title = data["workshop"]["title"]
        try:
            file_id = upload_file(r.svc.client, channel=r.channel_id, content=picture,
                                  filename=export_filename(data, cmd.format), title=f"Journey map: {t.show_plain(title, 200)}",
                                  comment=summary["text"])
            # The summary goes in the picture's thread; if Slack hasn't shared the file yet, beside it.
            thread = share_ts(r.svc.client, file_id=file_id, channel=r.channel_id)
            post_message(r.svc.client, channel=r.channel_id, **({"thread_ts": thread} if thread else {}), **summary)
        except SlackApiError as e:
            r.tell(m.build_slack_failed("post the map", error_code(e), retry=f"run `/journey map {cmd.format}` again"))

    r.later(post_map)


def _prepare_action(r: _Request, cmd: c.Action) -> None:
    r.svc.warm(r.user_id, cmd.owner)  # "next friday" is read in the person's time zone; reminders in the owner's


def _action(r: _Request, cmd: c.Action) -> None:
    if cmd.owner is None or not cmd.text:
        pains = pain_point_choices(session=r.s, team_id=r.team_id, channel_id=r.channel_id)
        view = build_action_modal(channel_id=r.channel_id, owner=cmd.owner, pain_points=pains)
        r.later(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    zone_of = r.svc.zone_of(r.s, r.team_id)
    today = r.svc.clock().astimezone(zone_of(r.user_id)).date()
    try:
        due = parse_due(cmd.due, today=today) if cmd.due is not None else None
    except BadDate as e:
        raise workshop.Refusal(f"{e} Nothing was stored.") from None
    action = followups.create_action(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, owner=cmd.owner, text=cmd.text,
        due=due, pain_point_id=cmd.pain_point, zone_of=zone_of, now=r.svc.clock(),
    )
    view = followups.action_view(session=r.s, action=action, today=today)
    r.later(announce_action, r.svc, team_id=r.team_id, channel_id=r.channel_id, view=view, today=today, tell=r.tell)


def announce_action(svc: Services, *, team_id: str, channel_id: str, view, today, tell: Callable[[dict], None]) -> None:
    """Outbox task: post a new action item in its channel (with its buttons) and remember where, to show changes
    there."""
    message = build_action(view, today, headline="📌 *New action item*")
    try:
        ts = post_message(svc.client, channel=channel_id, **message)
    except SlackApiError:
        tell(message)  # stored all the same; the creator at least sees it
        return
    with svc.session() as s:
        followups.record_announcement(session=s, team_id=team_id, action_id=view.id, channel_id=channel_id, ts=ts)


def _prepare_actions(r: _Request, cmd: c.Actions) -> None:
    r.svc.warm(r.user_id)  # what is overdue depends on the person's today
    if cmd.scope == "mine":  # items from across the workspace: only the workshops this person may see
        with r.svc.session() as s:
            channels = followups.owned_in_channels(session=s, team_id=r.team_id, user_id=r.user_id)
        r.visible = r.svc.directory.visible(channels, r.user_id)


def _actions(r: _Request, cmd: c.Actions) -> None:
    today = r.svc.clock().astimezone(r.svc.zone_of(r.s, r.team_id)(r.user_id)).date()
    items = followups.list_actions(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                   scope=cmd.scope, today=today, visible=r.visible)
    r.reply(build_actions_list(items, today, cmd.scope))


def _validate(r: _Request, cmd: c.Validate) -> None:
    if cmd.reassign is not None:
        task_id, owner = cmd.reassign
        followups.reassign_validation(session=r.s, team_id=r.team_id, user_id=r.user_id, task_id=task_id,
                                      owner=owner)
        r.reply(m.note(f"Validation task #{task_id} is now <@{owner}>'s; their reminder follows."))
        return
    zone_of = r.svc.zone_of(r.s, r.team_id)
    today = r.svc.clock().astimezone(zone_of(r.user_id)).date()
    try:
        due = parse_due(cmd.by, today=today)
    except BadDate as e:
        raise workshop.Refusal(f"{e} Nothing was stored.") from None
    tasks = followups.create_validation_tasks(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, top=cmd.top, due=due,
        customers=cmd.customers, zone_of=zone_of, now=r.svc.clock(),
    )
    _post_or_tell(r, build_validation_plan(tasks, today))


def _prepare_validate(r: _Request, cmd: c.Validate) -> None:
    with r.svc.session() as s:  # who raised pain points may own a task: their time zones plan its reminder
        ws = repo.latest_workshop(session=s, team_id=r.team_id, channel_id=r.channel_id)
        items = repo.items(session=s, team_id=r.team_id, workshop_id=ws.id) if ws else []
    r.svc.warm(r.user_id, *list(dict.fromkeys(i.author for i in items if i.kind == "pain_point"))[:MAX_WARMED])


def _prepare_nudge(r: _Request, cmd: c.Nudge) -> None:
    if not (cmd.off or cmd.after_minutes):
        r.members = r.members_of_channel()
        r.svc.warm(*r.members)


def _nudge(r: _Request, cmd: c.Nudge) -> None:
    if cmd.off or cmd.after_minutes:
        workshop.set_nudge_delay(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                 minutes=None if cmd.off else cmd.after_minutes)
        r.reply(m.note("Nudges are off." if cmd.off else
                       f"From the next step on, people who haven't answered get a private nudge "
                       f"{humanise_minutes(cmd.after_minutes)} after it opens (once per step)."))
        return
    sent = workshop.nudge_now(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                              members=r.members, now=r.svc.clock(), zone_of=r.svc.zone_of(r.s, r.team_id))
    r.reply(m.note(f"Nudging {m.plural(sent, 'person', 'people')} privately (at night in their time zone: in "
                   "their morning)." if sent else
                   "Everyone here has answered (or was nudged already): nobody to nudge."))


def humanise_minutes(minutes: int) -> str:
    if minutes % 1440 == 0:
        return m.plural(minutes // 1440, "day")
    if minutes % 60 == 0:
        return m.plural(minutes // 60, "hour")
    return m.plural(minutes, "minute")


def _prepare_digest(r: _Request, cmd: c.Digest) -> None:
    r.svc.warm(r.user_id, cmd.user)
    if cmd.action == "now":  # only the workshops this person may see
        with r.svc.session() as s:
            channels = digests.covered_channels(session=s, team_id=r.team_id, user_id=r.user_id)
        r.visible = r.svc.directory.visible(channels, r.user_id)


def _digest(r: _Request, cmd: c.Digest) -> None:
    who = cmd.user or r.user_id
    you = "you" if who == r.user_id else f"<@{who}>"
    s = r.s
    zone_of = r.svc.zone_of(s, r.team_id)
    now = r.svc.clock()
    if cmd.action == "subscribe":
        due = digests.subscribe(session=s, team_id=r.team_id, user_id=who, by=r.user_id, frequency=cmd.frequency,
                                tz=zone_of(who), now=now)
        r.reply(m.note(f"Subscribed {you} to a {cmd.frequency} digest by DM; the first comes "
                       f"<!date^{int(due.timestamp())}^{{date_short_pretty}} at {{time}}|{due:%Y-%m-%d %H:%M} UTC>."))
    elif cmd.action == "unsubscribe":
        found = digests.unsubscribe(session=s, team_id=r.team_id, user_id=who, by=r.user_id)
        r.reply(m.note(f"Unsubscribed {you}." if found else f"{you.capitalize()} had no digest subscription."))
    elif cmd.action == "follow":
        channels = digests.follow(session=s, team_id=r.team_id, user_id=r.user_id, channel_id=cmd.channel)
        r.reply(m.note("Your digest covers " + (", ".join(f"<#{ch}>" for ch in channels) if channels
                                               else "every workshop in this workspace") + "."))
    else:
        today = now.astimezone(zone_of(r.user_id)).date()
        digest = digests.build_digest(session=s, team_id=r.team_id, user_id=r.user_id, today=today, since=None,
                                      visible=r.visible)
        message = build_digest(digest, today)
        r.later(r.svc.client.chat_postMessage, channel=r.user_id, **message, on_error=lambda _e: r.tell(message))


def _synthesize(r: _Request, cmd: c.Synthesize) -> None:
    ws = synthesis_store.workshop_for_synthesis(session=r.s, team_id=r.team_id, channel_id=r.channel_id,
                                                user_id=r.user_id)
    data = build_export(session=r.s, team_id=r.team_id, workshop_id=ws.id)
    workshop_id, ai_enabled = ws.id, ws.ai_enabled

    def run() -> None:
        try:  # "working on it" at once; the result replaces it
            ts = post_message(r.svc.client, channel=r.channel_id, **build_working(data["workshop"]["title"]))
        except SlackApiError as e:
            r.tell(m.build_slack_failed("post the synthesis", error_code(e), retry="run `/journey synthesize` again"))
            return
        result = synthesize(data, model=r.svc.synthesizer, ai_enabled=ai_enabled)
        with r.svc.session() as s:
            row = synthesis_store.save(session=s, team_id=r.team_id, workshop_id=workshop_id, user_id=r.user_id,
                                       result=result, now=r.svc.clock())
            synthesis_store.record_posted(session=s, team_id=r.team_id, synthesis_id=row.id, channel_id=r.channel_id,
                                          ts=ts)
            view = synthesis_store.view(session=s, team_id=r.team_id, synthesis_id=row.id)
        r.svc.client.chat_update(channel=r.channel_id, ts=ts, **build_synthesis(view))

    r.later(run, on_error=r.sorry)


def _ai(r: _Request, cmd: c.Ai) -> None:
    synthesis_store.set_ai(session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                           enabled=cmd.enabled)
    r.reply(m.note("AI is on for this workshop: `/journey synthesize` uses the model (when one is configured) and "
                   "unprefixed lines are sorted by it." if cmd.enabled else
                   "AI is off for this workshop: nothing of it is sent to a model; `/journey synthesize` gives the "
                   "basic synthesis."))


def _prepare_close(r: _Request, cmd: c.Close) -> None:
    with r.svc.session() as s:  # the facilitators' time zones plan the map review reminders
        ws = workshop.open_workshop_of(session=s, team_id=r.team_id, channel_id=r.channel_id)
        facilitators = repo.facilitators(session=s, team_id=r.team_id, workshop_id=ws.id) if ws else []
    r.svc.warm(*facilitators)


def _close(r: _Request, cmd: c.Close) -> None:
    closed = workshop.close_workshop(
        session=r.s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, now=r.svc.clock(),
        zone_of=r.svc.zone_of(r.s, r.team_id),
    )
    _post_or_tell(r, m.build_closed(closed))


HANDLERS: dict[type, Callable[[_Request, object], None]] = {
    c.Help: _help,
    c.Invalid: _invalid,
    c.New: _new,
    c.Next: _next,
    c.Status: _status,
    c.Dept: _dept,
    c.Stages: _stages,
    c.Export: _export,
    c.Close: _close,
    c.Templates: _templates,
    c.Vote: _vote,
    c.Map: _map,
    c.Action: _action,
    c.Actions: _actions,
    c.Validate: _validate,
    c.Nudge: _nudge,
    c.Digest: _digest,
    c.Synthesize: _synthesize,
    c.Ai: _ai,
}

# Slack look-ups a command's rules need, made before its transaction opens.
PREPARE: dict[type, Callable[[_Request, object], None]] = {
    c.New: _prepare_new,
    c.Actions: _prepare_actions,
    c.Next: _prepare_next,
    c.Status: _prepare_members,
    c.Action: _prepare_action,
    c.Validate: _prepare_validate,
    c.Nudge: _prepare_nudge,
    c.Digest: _prepare_digest,
    c.Close: _prepare_close,
}
