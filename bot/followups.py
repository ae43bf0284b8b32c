"""Follow-up rules: action items (with their history) and customer validation tasks, and the reminders they
plan. Services take a session and `now`, never talk to Slack, and refuse (`Refusal`) before changing anything."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot import text as t
from bot.dates import add_working_days, is_working_day, next_working_day, previous_working_day
from bot.journeymap import build_map, by_number, group_of, label, ranked_pain_points
from bot.reminders import schedule
from bot.storage import action_items, repo, validation_tasks
from bot.storage.models import ActionItem, ActionStatus, ItemKind, Reminder, ReminderKind, ValidationTask
from bot.synthesis.basic import group_duplicates
from bot.synthesis.store import guide_for
from bot.workshop.access import Refusal, is_facilitator, require_facilitator, require_latest

MAX_ACTION_TEXT = 500
ZoneOf = Callable[[str], ZoneInfo]  # user id → their time zone


@dataclass(frozen=True)
class ActionView:
    id: int
    text: str
    owner: str
    due: date | None
    status: str
    snoozed_until: date | None
    overdue: bool
    workshop_title: str
    pain_point: tuple[int, str] | None
    history: list[tuple[datetime, str, str, str | None]]


def action_view(*, session: Session, action: ActionItem, today: date, with_history: bool = True) -> ActionView:
    ws = repo.workshop(session=session, team_id=action.team_id, workshop_id=action.workshop_id)
    pain = (label(group_of(session=session, team_id=action.team_id, item_id=action.pain_point_id))
            if action.pain_point_id else None)
    events = action_items.history(session=session, team_id=action.team_id, action_id=action.id) if with_history else []
    return ActionView(
        id=action.id, text=action.text, owner=action.owner, due=action.due, status=action.status,
        snoozed_until=action.snoozed_until,
        overdue=action.status == ActionStatus.OPEN and action.due is not None and action.due < today,
        workshop_title=ws.title if ws else "", pain_point=pain,
        history=[(e.at, e.by, e.change, e.detail) for e in events],
    )


def _log(session: Session, action: ActionItem, by: str, change: str, now: datetime, detail: str | None = None) -> None:
    action_items.add_event(session=session, action=action, by=by, change=change, at=now, detail=detail)


def create_action(
    *, session: Session, team_id: str, channel_id: str, user_id: str, owner: str, text: str, due: date | None,
    pain_point: int | None, zone_of: ZoneOf, now: datetime,
) -> ActionItem:
    """`pain_point`: the number of the pain point it is for (the ballot, the map and status show them)."""
    text = " ".join(text.split())
    if not text:
        raise Refusal("Say what needs doing, e.g. `/journey action @ana Put prices on the landing page due next friday`.")
    if len(text) > MAX_ACTION_TEXT:
        raise Refusal(f"Keep an action item under {MAX_ACTION_TEXT} characters; put the details in a thread.")
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    pain_point_id = None
    if pain_point is not None:
        group = by_number(session=session, team_id=team_id, workshop_id=ws.id, number=pain_point)
        if group is None:
            raise Refusal(f"There's no pain point #{pain_point} in *{t.show(ws.title, 80)}* "
                          "(the ballot, `/journey map` and `/journey status` show their numbers).")
        pain_point_id = group.lead.id
    action = ActionItem(team_id=team_id, workshop_id=ws.id, text=text, owner=owner, due=due,
                        pain_point_id=pain_point_id, created_by=user_id, created_at=now, updated_at=now)
    session.add(action)
    session.flush()
    _log(session, action, user_id, "created", now, f"due {due.isoformat()}" if due else None)
    plan_reminders(session=session, action=action, tz=zone_of(owner), now=now)
    return action


def record_announcement(*, session: Session, team_id: str, action_id: int, channel_id: str, ts: str) -> None:
    action = _action(session, team_id, action_id)
    action.channel_id, action.message_ts = channel_id, ts
    session.add(action)


CHANGES = ("done", "drop", "snooze_day", "snooze_week", "reopen")


def change_action(
    *, session: Session, team_id: str, user_id: str, action_id: int, change: str, zone_of: ZoneOf, now: datetime,
) -> ActionItem:
    """Done, dropped, snoozed (1 day or 1 week from today in the owner's time zone) or reopened; by its owner
    or a facilitator of its workshop. Every change goes into the item's history and re-plans its reminders."""
    if change not in CHANGES:
        raise Refusal("Unknown change.")
    action = _action(session, team_id, action_id)
    if user_id != action.owner and not is_facilitator(session=session, team_id=team_id,
                                                      workshop_id=action.workshop_id, user_id=user_id):
        raise Refusal(f"Only <@{action.owner}> (its owner) or a facilitator can change this action item. "
                      "Nothing was changed.")
    tz = zone_of(action.owner)
    today = now.astimezone(tz).date()
    detail = None
    if change == "done":
        action.status = ActionStatus.DONE
    elif change == "drop":
        action.status = ActionStatus.DROPPED
    elif change == "reopen":
        action.status = ActionStatus.OPEN
    else:
        if action.status != ActionStatus.OPEN:
            raise Refusal(f"That action item is {action.status}; reopen it before snoozing.")
        action.snoozed_until = today + timedelta(days=1 if change == "snooze_day" else 7)
        detail = f"until {action.snoozed_until.isoformat()}"
    action.updated_at = now
    session.add(action)
    _log(session, action, user_id, {"drop": "dropped", "snooze_day": "snoozed", "snooze_week": "snoozed",
                                    "reopen": "reopened"}.get(change, change), now, detail)
    plan_reminders(session=session, action=action, tz=tz, now=now)
    return action


def find_action(*, session: Session, team_id: str, action_id: int) -> ActionItem | None:
    return action_items.action_item(session=session, team_id=team_id, action_id=action_id)


def get_action(*, session: Session, team_id: str, action_id: int) -> ActionItem:
    return _action(session, team_id, action_id)


def _action(session: Session, team_id: str, action_id: int) -> ActionItem:
    action = find_action(session=session, team_id=team_id, action_id=action_id)
    if action is None:
        raise Refusal("That action item doesn't exist (any more).")
    return action


def owned_in_channels(*, session: Session, team_id: str, user_id: str) -> set[str]:
    """The channels whose workshops hold action items this person owns (to ask Slack which they may see)."""
    return action_items.owners_channels(session=session, team_id=team_id, owner=user_id)


def list_actions(*, session: Session, team_id: str, channel_id: str, user_id: str, scope: str,
                 today: date, visible: Collection[str] = ()) -> list[ActionView]:
    """`mine`: what the person owns in the workspace's workshops they may see (`visible`: those channels, Slack's
    answer, asked before this transaction); `all`: every item of this channel's workshops (asked from that
    conversation, which in a private one only its members can do). Overdue first, then by due date (undated last),
    then newest."""
    if scope == "mine":
        items = action_items.owned(session=session, team_id=team_id, owner=user_id, channels=visible)
    else:
        workshop_ids = [w.id for w in repo.workshops_in_channel(session=session, team_id=team_id, channel_id=channel_id)]
        items = action_items.of_workshops(session=session, team_id=team_id, workshop_ids=workshop_ids)
    views = [action_view(session=session, action=a, today=today) for a in items]
    status_rank = {ActionStatus.OPEN: 0, ActionStatus.DONE: 1, ActionStatus.DROPPED: 2}
    return sorted(views, key=lambda v: (not v.overdue, status_rank.get(v.status, 3), v.due or date.max, -v.id))


# --- Action item reminders ---------------------------------------------------------------------------------

ACTION_KINDS = (ReminderKind.ACTION_DUE_SOON, ReminderKind.ACTION_OVERDUE)


def plan_reminders(*, session: Session, action: ActionItem, tz: ZoneInfo, now: datetime) -> list[Reminder]:
    """(Re)plan an action item's reminders: due soon on the working day before, then overdue from the working
    day after (or after a snooze), each at 9:00 in the owner's time zone."""
    schedule.cancel_pending(session=session, team_id=action.team_id, kinds=ACTION_KINDS, subject_id=action.id)
    if action.status != "open" or action.due is None:
        return []
    out = []
    common = dict(session=session, team_id=action.team_id, workshop_id=action.workshop_id, subject_id=action.id,
                  recipient=action.owner, now=now)
    soon_day = previous_working_day(action.due)
    soon_at = schedule.morning_of(soon_day, tz)
    if soon_at > now and not (action.snoozed_until and action.snoozed_until > soon_day):
        out.append(schedule.add(kind=ReminderKind.ACTION_DUE_SOON, due_at=soon_at, **common))
    start = next_working_day(action.due)
    if action.snoozed_until and action.snoozed_until > action.due:
        start = action.snoozed_until if is_working_day(action.snoozed_until) else next_working_day(action.snoozed_until)
    overdue_at = schedule.morning_of(start, tz)
    if overdue_at <= now:  # a snooze that ends today after 9:00: next working morning
        overdue_at = schedule.morning_of(next_working_day(now.astimezone(tz).date()), tz)
    out.append(schedule.add(kind=ReminderKind.ACTION_OVERDUE, due_at=overdue_at, **common))
    return out


def due_action(*, session: Session, team_id: str, action_id: int, today: date) -> ActionView | None:
    """What an action item reminder shows when it falls due; None once the item is done, dropped or gone."""
    action = find_action(session=session, team_id=team_id, action_id=action_id)
    if action is None or action.status != ActionStatus.OPEN:
        return None
    return action_view(session=session, action=action, today=today, with_history=False)


def overdue_reminder_sent(*, session: Session, team_id: str, action_id: int, tz: ZoneInfo, sent_at: datetime) -> None:
    """After an overdue reminder: the next one two working days later, while the item is still open."""
    action = find_action(session=session, team_id=team_id, action_id=action_id)
    if action is None or action.status != ActionStatus.OPEN:
        return
    day = add_working_days(sent_at.astimezone(tz).date(), 2)
    schedule.add(session=session, team_id=action.team_id, workshop_id=action.workshop_id,
                 kind=ReminderKind.ACTION_OVERDUE, subject_id=action.id, recipient=action.owner,
                 due_at=schedule.morning_of(day, tz), now=sent_at)


# --- Customer validation --------------------------------------------------------------------------------

OUTCOMES = {"confirmed": "Confirmed", "partly": "Partly", "not_confirmed": "Not confirmed"}


@dataclass(frozen=True)
class ValidationView:
    id: int
    pain_point_id: int
    number: int | None  # the pain point's number
    pain: str
    stage: str
    owner: str
    due: date
    customers: int
    status: str
    evidence_customers: int | None
    note: str | None
    workshop_title: str
    guide: tuple[str, ...] = ()  # the interview guide the reminders link to


def get_validation(*, session: Session, team_id: str, task_id: int) -> ValidationTask | None:
    return validation_tasks.validation_task(session=session, team_id=team_id, task_id=task_id)


def validation_view(*, session: Session, task, with_guide: bool = False) -> ValidationView:
    group = group_of(session=session, team_id=task.team_id, item_id=task.pain_point_id)
    stages = {s.id: s.name for s in repo.stages(session=session, team_id=task.team_id, workshop_id=task.workshop_id)}
    ws = repo.workshop(session=session, team_id=task.team_id, workshop_id=task.workshop_id)
    pain_text, stage = (group.text, stages.get(group.lead.stage_id, "")) if group else ("", "")
    guide = ()
    if with_guide and task.status == "pending":
        guide = tuple(guide_for(session=session, team_id=task.team_id, workshop_id=task.workshop_id,
                                pain_point_id=task.pain_point_id, pain=pain_text, stage=stage))
    return ValidationView(task.id, task.pain_point_id, group.lead.number if group else None, pain_text, stage,
                          task.owner, task.due, task.customers,
                          task.status, task.evidence_customers, task.note, ws.title if ws else "", guide)


def pain_point_authors(*, session: Session, team_id: str, channel_id: str) -> list[str]:
    """Who raised the pain points of the channel's workshop (each once, in order): who may own a validation task."""
    ws = repo.latest_workshop(session=session, team_id=team_id, channel_id=channel_id)
    items = repo.items(session=session, team_id=team_id, workshop_id=ws.id) if ws else []
    return list(dict.fromkeys(i.author for i in items if i.kind == ItemKind.PAIN_POINT))


def due_validation(*, session: Session, team_id: str, task_id: int) -> ValidationView | None:
    """What a validation reminder shows when it falls due, with its interview guide; None once it is answered."""
    task = get_validation(session=session, team_id=team_id, task_id=task_id)
    if task is None or task.status != "pending":
        return None
    return validation_view(session=session, task=task, with_guide=True)


def create_validation_tasks(
    *, session: Session, team_id: str, channel_id: str, user_id: str, top: int, due: date, customers: int,
    zone_of: ZoneOf, now: datetime,
) -> list[ValidationView]:
    """The top pain points become tasks: talk to `customers` customers about each by `due`. Ranked by votes when
    there are votes, else by how many people named the same pain; owned by the person who raised it."""
    ws = require_latest(session=session, team_id=team_id, channel_id=channel_id)
    require_facilitator(session=session, team_id=team_id, workshop_id=ws.id, user_id=user_id,
                        to="plan customer validation", named=False)
    data = build_map(session=session, team_id=team_id, workshop_id=ws.id)
    pains = [p for p, _ in ranked_pain_points(data)]
    if not pains:
        raise Refusal("There are no pain points to validate yet.")
    if not any(p["votes"] for p in pains):  # then by how many different people named the same pain (the
        # synthesis's notion of "the same" for what nobody merged yet; a merged pain point counts all its variants)
        groups = group_duplicates([p["text"] for p in pains])
        grouped = {i for g in groups for i in g}
        groups += [[i] for i in range(len(pains)) if i not in grouped]

        def named_by(g: list[int]) -> int:
            return len({v["author"] for i in g for v in pains[i].get("variants", [pains[i]])})

        ranked = sorted(groups, key=lambda g: (-named_by(g), min(pains[i]["number"] or 0 for i in g)))
        pains = [min((pains[i] for i in g), key=lambda p: p["number"] or 0) for g in ranked]
    chosen = [p for p in pains if "validation" not in p][:top]
    if not chosen:
        raise Refusal("Every one of the top pain points already has a validation task (`/journey status` shows them).")
    views = []
    for p in chosen:
        task = ValidationTask(team_id=team_id, workshop_id=ws.id, pain_point_id=p["id"], owner=p["author"], due=due,
                              customers=customers, created_by=user_id, created_at=now)
        session.add(task)
        session.flush()
        tz = zone_of(p["author"])
        schedule.add(session=session, team_id=team_id, workshop_id=ws.id, kind=ReminderKind.VALIDATION_DUE,
                     subject_id=task.id, recipient=p["author"], now=now,
                     due_at=max(schedule.morning_of(previous_working_day(due), tz), schedule.not_at_night(now, tz)))
        views.append(validation_view(session=session, task=task))
    return views


@dataclass(frozen=True)
class ValidationAnswer:
    view: ValidationView
    all_answered: bool  # this answer was the last one of its workshop: time for the summary
    summary: list[ValidationView]


def record_validation(
    *, session: Session, team_id: str, user_id: str, task_id: int, outcome: str, customers: int | None,
    note: str | None, now: datetime,
) -> ValidationAnswer:
    if outcome not in OUTCOMES:
        raise Refusal("Pick confirmed, partly or not confirmed.")
    task = get_validation(session=session, team_id=team_id, task_id=task_id)
    if task is None:
        raise Refusal("That validation task doesn't exist (any more).")
    if user_id != task.owner and not is_facilitator(session=session, team_id=team_id,
                                                    workshop_id=task.workshop_id, user_id=user_id):
        raise Refusal(f"Only <@{task.owner}> (who owns this task) or a facilitator can record its outcome.")
    if customers is not None and not 0 <= customers <= 10000:
        raise Refusal("How many customers did you talk to? A number from 0.")
    was_pending = task.status == "pending"
    task.status, task.evidence_customers, task.note = outcome, customers, (note or "").strip()[:2000] or None
    task.answered_by, task.answered_at = user_id, now
    session.add(task)
    schedule.cancel_pending(session=session, team_id=team_id, kinds=[ReminderKind.VALIDATION_DUE], subject_id=task.id)
    session.flush()
    tasks = validation_tasks.of_workshop(session=session, team_id=team_id, workshop_id=task.workshop_id)
    last = was_pending and all(t.status != "pending" for t in tasks)
    return ValidationAnswer(validation_view(session=session, task=task), last,
                            [validation_view(session=session, task=t) for t in tasks] if last else [])


def workshop_facilitators(*, session: Session, team_id: str, task_id: int) -> list[str]:
    task = get_validation(session=session, team_id=team_id, task_id=task_id)
    return repo.facilitators(session=session, team_id=team_id, workshop_id=task.workshop_id) if task else []


def reassign_validation(*, session: Session, team_id: str, user_id: str, task_id: int, owner: str) -> ValidationTask:
    """A facilitator hands a validation task to someone else; its pending reminder follows."""
    task = get_validation(session=session, team_id=team_id, task_id=task_id)
    if task is None:
        raise Refusal(f"There's no validation task #{task_id}.")
    require_facilitator(session=session, team_id=team_id, workshop_id=task.workshop_id, user_id=user_id,
                        to="reassign validation tasks")
    task.owner = owner
    session.add(task)
    schedule.redirect_pending(session=session, team_id=team_id, kind=ReminderKind.VALIDATION_DUE, subject_id=task.id,
                              recipient=owner)
    return task
