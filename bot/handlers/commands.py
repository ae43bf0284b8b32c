"""`/journey` slash command: ack, parse, one service call, then replies through the outbox."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import Ack, App, Respond
from slack_sdk.errors import SlackApiError

from bot import commands as c
from bot import digests, followups, voting, workshop
from bot import text as t
from bot.blocks import messages as m
from bot.blocks.followups import build_action, build_actions_list, build_digest, build_validation_plan
from bot.blocks.modals import build_action_modal, build_new_workshop_modal
from bot.blocks.synthesis import build_synthesis, build_working
from bot.dates import BadDate, parse_due
from bot.handlers.common import ephemeral
from bot.render.export import EXPORTERS, build_channel_export, build_export, export_filename
from bot.services import Services
from bot.slack import error_code, post_message, share_ts, upload_file
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
        tell(m.build_slack_failed("post the prompt in this channel", error_code(e), retry="run `/journey next` to post it"))
        return
    with svc.session() as s:
        workshop.record_prompt_posted(session=s, team_id=team_id, step_id=prompt.step_id, ts=ts)
    if then is not None:
        tell(then)


def register(app: App, svc: Services) -> None:
    @app.command(svc.settings.slash_command)
    def journey(ack: Ack, command: dict, respond: Respond, context) -> None:
        ack()
        req = _Request(svc, command, respond, context.bot_user_id)
        svc.worker.submit(req.run, on_error=req.sorry)


class _Request:
    """One `/journey` invocation, handled on the worker after the ack."""

    def __init__(self, svc: Services, command: dict, respond: Respond, bot_user_id: str | None):
        self.svc = svc
        self.text: str = command.get("text", "")
        self.team_id: str = command["team_id"]
        self.channel_id: str = command["channel_id"]
        self.user_id: str = command["user_id"]
        self.trigger_id: str | None = command.get("trigger_id")
        self.respond = respond
        self.bot_user_id = bot_user_id

    def run(self) -> None:
        cmd = c.parse(self.text)
        try:
            HANDLERS[type(cmd)](self, cmd)
        except workshop.Refusal as r:
            self.reply(m.note(str(r)))

    def sorry(self, _error: BaseException) -> None:
        ephemeral(self.respond, m.build_sorry())

    def reply(self, message: dict) -> None:
        self.svc.outbox.submit(ephemeral, self.respond, message)

    def tell(self, message: dict) -> None:
        """Called from inside an outbox task: answer right away."""
        ephemeral(self.respond, message)

    def post_prompt(self, prompt: workshop.PromptView, *, then: dict | None = None) -> None:
        self.svc.outbox.submit(post_prompt, self.svc, team_id=self.team_id, prompt=prompt, tell=self.tell, then=then)


def _help(r: _Request, cmd: c.Help) -> None:
    r.reply(m.build_help())


def _invalid(r: _Request, cmd: c.Invalid) -> None:
    r.reply(m.build_unknown(cmd.message))


def _new(r: _Request, cmd: c.New) -> None:
    if not cmd.title:
        view = build_new_workshop_modal(channel_id=r.channel_id, templates=load_templates())
        r.svc.outbox.submit(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    with r.svc.session() as s:
        prompt = workshop.start_workshop(
            session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, title=cmd.title,
            template=cmd.template, map_type=cmd.map_type, future_of=cmd.future_of, now=r.svc.clock(),
        )
    r.post_prompt(prompt, then=m.build_started(prompt))


def _members(r: _Request) -> list[str]:
    return r.svc.directory.channel_humans(r.channel_id, exclude={r.bot_user_id} if r.bot_user_id else set()) or []


def _next(r: _Request, cmd: c.Next) -> None:
    with r.svc.session() as s:
        ws = workshop.open_workshop_of(session=s, team_id=r.team_id, channel_id=r.channel_id)
        nudging = bool(ws and ws.nudge_after_minutes)
    members = _members(r) if nudging else []  # Slack calls first, outside the transaction
    r.svc.warm(*members)
    with r.svc.session() as s:
        outcome = workshop.open_next_step(
            session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, now=r.svc.clock()
        )
        if not outcome.reposted and members:
            workshop.plan_step_nudges(session=s, team_id=r.team_id, channel_id=r.channel_id, members=members,
                                      now=r.svc.clock(), zone_of=r.svc.zone_of(s, r.team_id))
    r.post_prompt(outcome.prompt, then=m.build_reposted(outcome.prompt) if outcome.reposted else None)


def _status(r: _Request, cmd: c.Status) -> None:
    def task() -> None:
        members = r.svc.directory.channel_humans(r.channel_id, exclude={r.bot_user_id} if r.bot_user_id else set())
        try:
            with r.svc.session() as s:
                view = workshop.status(session=s, team_id=r.team_id, channel_id=r.channel_id, members=members)
        except workshop.Refusal as refusal:
            r.tell(m.note(str(refusal)))
            return
        r.tell(m.build_status(view))

    r.svc.outbox.submit(task)


def _dept(r: _Request, cmd: c.Dept) -> None:
    with r.svc.session() as s:
        if not cmd.department:
            current = workshop.department_of(session=s, team_id=r.team_id, user_id=r.user_id)
            r.reply(m.build_dept_current(current))
            return
        name = workshop.set_department(
            session=s, team_id=r.team_id, user_id=r.user_id, department=cmd.department, now=r.svc.clock()
        )
    r.reply(m.build_dept_set(name))


def _stages(r: _Request, cmd: c.Stages) -> None:
    with r.svc.session() as s:
        names = workshop.set_stages(session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, raw=cmd.raw)
    message = m.build_stages_set(names)

    def task() -> None:
        try:
            post_message(r.svc.client, channel=r.channel_id, **message)
        except SlackApiError:
            r.tell(message)  # the change is stored; at least the facilitator sees it

    r.svc.outbox.submit(task)


def _export(r: _Request, cmd: c.Export) -> None:
    with r.svc.session() as s:
        data = build_channel_export(session=s, team_id=r.team_id, channel_id=r.channel_id)
    title = data["workshop"]["title"]

    def task() -> None:
        try:
            upload_file(r.svc.client, channel=r.channel_id, content=EXPORTERS[cmd.format](data),
                        filename=export_filename(data, cmd.format), title=f"Journey map: {t.show_plain(title, 200)}",
                        comment=m.build_export_comment(title, cmd.format))
        except SlackApiError as e:
            r.tell(m.build_slack_failed("upload the export", error_code(e),
                                        retry=f"run `/journey export {cmd.format}` again"))

    r.svc.outbox.submit(task)


def _templates(r: _Request, cmd: c.Templates) -> None:
    r.reply(m.build_templates(load_templates()))


def _vote(r: _Request, cmd: c.Vote) -> None:
    with r.svc.session() as s:
        pages = voting.open_vote(session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                   votes=cmd.votes, now=r.svc.clock())

    def task() -> None:
        for page in pages:
            try:
                ts = post_message(r.svc.client, channel=r.channel_id, **m.build_ballot(page))
            except SlackApiError as e:
                r.tell(m.build_slack_failed("post the ballot", error_code(e), retry="run `/journey vote` again"))
                return
            with r.svc.session() as s:
                voting.record_ballot_posted(session=s, team_id=r.team_id, vote_message_id=page.vote_message_id, ts=ts)

    r.svc.outbox.submit(task)


def _map(r: _Request, cmd: c.Map) -> None:
    with r.svc.session() as s:
        data = build_channel_export(session=s, team_id=r.team_id, channel_id=r.channel_id)

    def task() -> None:
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

    r.svc.outbox.submit(task)


def _action(r: _Request, cmd: c.Action) -> None:
    if cmd.owner is None or not cmd.text:
        with r.svc.session() as s:
            pains = pain_point_choices(session=s, team_id=r.team_id, channel_id=r.channel_id)
        view = build_action_modal(channel_id=r.channel_id, owner=cmd.owner, pain_points=pains)
        r.svc.outbox.submit(r.svc.client.views_open, trigger_id=r.trigger_id, view=view, on_error=r.sorry)
        return
    r.svc.warm(r.user_id, cmd.owner)
    with r.svc.session() as s:
        zone_of = r.svc.zone_of(s, r.team_id)
        today = r.svc.clock().astimezone(zone_of(r.user_id)).date()
        try:
            due = parse_due(cmd.due, today=today) if cmd.due is not None else None
        except BadDate as e:
            raise workshop.Refusal(f"{e} Nothing was stored.") from None
        action = followups.create_action(
            session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, owner=cmd.owner, text=cmd.text,
            due=due, pain_point_id=cmd.pain_point, zone_of=zone_of, now=r.svc.clock(),
        )
        view = followups.action_view(session=s, action=action, today=today)
    announce_action(r.svc, team_id=r.team_id, channel_id=r.channel_id, view=view, today=today, tell=r.tell)


def announce_action(svc: Services, *, team_id: str, channel_id: str, view, today, tell: Callable[[dict], None]) -> None:
    """Post a new action item in its channel (with its buttons) and remember where, to show changes there."""

    def task() -> None:
        message = build_action(view, today, headline="📌 *New action item*")
        try:
            ts = post_message(svc.client, channel=channel_id, **message)
        except SlackApiError:
            tell(message)  # stored all the same; the creator at least sees it
            return
        with svc.session() as s:
            followups.record_announcement(session=s, team_id=team_id, action_id=view.id, channel_id=channel_id, ts=ts)

    svc.outbox.submit(task)


def _actions(r: _Request, cmd: c.Actions) -> None:
    r.svc.warm(r.user_id)
    with r.svc.session() as s:
        today = r.svc.clock().astimezone(r.svc.zone_of(s, r.team_id)(r.user_id)).date()
        items = followups.list_actions(session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                       scope=cmd.scope, today=today)
    r.reply(build_actions_list(items, today, cmd.scope))


def _validate(r: _Request, cmd: c.Validate) -> None:
    if cmd.reassign is not None:
        task_id, owner = cmd.reassign
        with r.svc.session() as s:
            followups.reassign_validation(session=s, team_id=r.team_id, user_id=r.user_id, task_id=task_id,
                                          owner=owner)
        r.reply(m.note(f"Validation task #{task_id} is now <@{owner}>'s; their reminder follows."))
        return
    r.svc.warm(r.user_id)
    with r.svc.session() as s:
        zone_of = r.svc.zone_of(s, r.team_id)
        today = r.svc.clock().astimezone(zone_of(r.user_id)).date()
        try:
            due = parse_due(cmd.by, today=today)
        except BadDate as e:
            raise workshop.Refusal(f"{e} Nothing was stored.") from None
        tasks = followups.create_validation_tasks(
            session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, top=cmd.top, due=due,
            customers=cmd.customers, zone_of=zone_of, now=r.svc.clock(),
        )
    message = build_validation_plan(tasks, today)

    def task() -> None:
        try:
            post_message(r.svc.client, channel=r.channel_id, **message)
        except SlackApiError:
            r.tell(message)

    r.svc.outbox.submit(task)


def _nudge(r: _Request, cmd: c.Nudge) -> None:
    members = [] if (cmd.off or cmd.after_minutes) else _members(r)
    r.svc.warm(*members)
    with r.svc.session() as s:
        if cmd.off or cmd.after_minutes:
            workshop.set_nudge_delay(session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                     minutes=None if cmd.off else cmd.after_minutes)
            r.reply(m.note("Nudges are off." if cmd.off else
                           f"From the next step on, people who haven't answered get a private nudge "
                           f"{humanise_minutes(cmd.after_minutes)} after it opens (once per step)."))
            return
        sent = workshop.nudge_now(session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                                  members=members, now=r.svc.clock(), zone_of=r.svc.zone_of(s, r.team_id))
    r.reply(m.note(f"Nudging {m.plural(sent, 'person', 'people')} privately (at night in their time zone: in "
                   "their morning)." if sent else
                   "Everyone here has answered (or was nudged already): nobody to nudge."))


def humanise_minutes(minutes: int) -> str:
    if minutes % 1440 == 0:
        return m.plural(minutes // 1440, "day")
    if minutes % 60 == 0:
        return m.plural(minutes // 60, "hour")
    return m.plural(minutes, "minute")


def _digest(r: _Request, cmd: c.Digest) -> None:
    who = cmd.user or r.user_id
    you = "you" if who == r.user_id else f"<@{who}>"
    r.svc.warm(who, r.user_id)
    with r.svc.session() as s:
        zone_of = r.svc.zone_of(s, r.team_id)
        now = r.svc.clock()
        if cmd.action == "subscribe":
            due = digests.subscribe(session=s, team_id=r.team_id, user_id=who, frequency=cmd.frequency,
                                    tz=zone_of(who), now=now)
            r.reply(m.note(f"Subscribed {you} to a {cmd.frequency} digest by DM; the first comes "
                           f"<!date^{int(due.timestamp())}^{{date_short_pretty}} at {{time}}|{due:%Y-%m-%d %H:%M} UTC>."))
        elif cmd.action == "unsubscribe":
            found = digests.unsubscribe(session=s, team_id=r.team_id, user_id=who)
            r.reply(m.note(f"Unsubscribed {you}." if found else f"{you.capitalize()} had no digest subscription."))
        elif cmd.action == "follow":
            channels = digests.follow(session=s, team_id=r.team_id, user_id=r.user_id, channel_id=cmd.channel)
            r.reply(m.note("Your digest covers " + (", ".join(f"<#{ch}>" for ch in channels) if channels
                                                   else "every workshop in this workspace") + "."))
        else:
            today = now.astimezone(zone_of(r.user_id)).date()
            digest = digests.build_digest(session=s, team_id=r.team_id, user_id=r.user_id, today=today, since=None)
            message = build_digest(digest, today)
            r.svc.outbox.submit(r.svc.client.chat_postMessage, channel=r.user_id, **message,
                                on_error=lambda _e: r.tell(message))


def _synthesize(r: _Request, cmd: c.Synthesize) -> None:
    with r.svc.session() as s:
        ws = synthesis_store.workshop_for_synthesis(session=s, team_id=r.team_id, channel_id=r.channel_id,
                                                    user_id=r.user_id)
        data = build_export(session=s, team_id=r.team_id, workshop_id=ws.id)
        workshop_id, ai_enabled = ws.id, ws.ai_enabled

    def task() -> None:
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

    r.svc.outbox.submit(task, on_error=r.sorry)


def _ai(r: _Request, cmd: c.Ai) -> None:
    with r.svc.session() as s:
        synthesis_store.set_ai(session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id,
                               enabled=cmd.enabled)
    r.reply(m.note("AI is on for this workshop: `/journey synthesize` uses the model (when one is configured) and "
                   "unprefixed lines are sorted by it." if cmd.enabled else
                   "AI is off for this workshop: nothing of it is sent to a model; `/journey synthesize` gives the "
                   "basic synthesis."))


def _close(r: _Request, cmd: c.Close) -> None:
    with r.svc.session() as s:
        closed = workshop.close_workshop(
            session=s, team_id=r.team_id, channel_id=r.channel_id, user_id=r.user_id, now=r.svc.clock(),
            zone_of=r.svc.zone_of(s, r.team_id),
        )
    message = m.build_closed(closed)

    def task() -> None:
        try:
            post_message(r.svc.client, channel=r.channel_id, **message)
        except SlackApiError:
            r.tell(message)

    r.svc.outbox.submit(task)


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
