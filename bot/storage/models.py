"""Tables. Every row carries the Slack team id; every query filters by it (see repo.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, Index, UniqueConstraint, text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone, so it is added back on read)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _ts_column(**kw) -> Column:
    return Column(UTCDateTime(), **kw)


class MapType(StrEnum):
    CURRENT = "current"  # the journey as it is today
    FUTURE = "future"  # the journey as we want it to be
    BLUEPRINT = "blueprint"  # a service blueprint: adds frontstage and backstage lanes


class StepKind(StrEnum):
    OBJECTIVES = "objectives"
    PERSONAS = "personas"
    STAGES = "stages"
    STAGE = "stage"  # one step per stage in the stage walk


class ItemKind(StrEnum):
    OBJECTIVE = "objective"
    PERSONA = "persona"
    STAGE_SUGGESTION = "stage_suggestion"
    TOUCHPOINT = "touchpoint"
    PAIN_POINT = "pain_point"
    OPPORTUNITY = "opportunity"
    FRONTSTAGE = "frontstage"  # service blueprints: what the company does in front of the customer
    BACKSTAGE = "backstage"  # ...and behind the scenes (support processes)
    UNSORTED = "unsorted"  # a stage-walk line with no known prefix, waiting for its author to pick a kind


class Workshop(SQLModel, table=True):
    __table_args__ = (
        # One open workshop per channel, enforced by the database (partial unique index).
        Index(
            "uq_open_workshop_per_channel",
            "team_id",
            "channel_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    channel_id: str
    title: str
    template: str
    map_type: str = MapType.CURRENT
    future_of: int | None = Field(default=None, foreign_key="workshop.id")  # the current-state map it improves on
    nudge_after_minutes: int | None = None  # nudge people who haven't answered a step this long after it opens
    review_after_days: int = 90  # remind the facilitators to check the map against reality after closing
    ai_enabled: bool = True  # `/journey ai off`: nothing of this workshop is ever sent to a model
    status: str = "open"  # open | closed
    pain_numbers: int = 0  # pain point numbers handed out so far (#1, #2, …), never handed out twice
    opportunity_numbers: int = 0  # opportunity numbers handed out so far (O1, O2, …), never handed out twice
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))


class Facilitator(SQLModel, table=True):
    team_id: str = Field(primary_key=True)
    workshop_id: int = Field(primary_key=True, foreign_key="workshop.id")
    user_id: str = Field(primary_key=True)


class Stage(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    name: str
    position: int
    hint: str | None = None


class Step(SQLModel, table=True):
    """One prompt of the workshop; people answer in its thread."""

    __table_args__ = (Index("ix_step_prompt", "team_id", "channel_id", "prompt_ts"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    channel_id: str
    kind: str  # StepKind
    stage_id: int | None = Field(default=None, foreign_key="stage.id")
    position: int  # 0-based order of the step in the workshop
    prompt_ts: str | None = None  # set once Slack accepted the prompt message
    prompt_failed: bool = False  # Slack refused the prompt: the next `/journey next` posts it again
    prompt_permalink: str | None = None  # chat.getPermalink of the prompt, asked once (the Home tab links to it)
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))


class Reply(SQLModel, table=True):
    """A participant's thread reply; its lines become items. Unique per Slack message so redeliveries store once."""

    __table_args__ = (UniqueConstraint("team_id", "channel_id", "ts", name="uq_reply_message"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    channel_id: str
    ts: str
    thread_ts: str
    user_id: str
    # The author's own workspace, when Slack says (a partner organisation's, in a Slack Connect channel).
    user_team: str | None = None
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    step_id: int = Field(foreign_key="step.id")
    text: str
    event_id: str | None = None
    # Slack's `edited.ts` of the version stored: an older edit redelivered late never overwrites a newer one.
    edited_ts: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    edited_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))


class DeletedMessage(SQLModel, table=True):
    """A tombstone: this message was deleted, so no late copy of it (or of an edit) may bring its answer back."""

    team_id: str = Field(primary_key=True)
    channel_id: str = Field(primary_key=True)
    ts: str = Field(primary_key=True)
    deleted_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class ThreadHint(SQLModel, table=True):
    """Someone was told privately that answers go in the open prompt's thread: once per person per step, however
    often they post at the top level, however often Slack redelivers it, across restarts."""

    team_id: str = Field(primary_key=True)
    step_id: int = Field(primary_key=True, foreign_key="step.id")
    user_id: str = Field(primary_key=True)
    hinted_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Canvas(SQLModel, table=True):
    """What shows a channel's workshop map and is kept current: the channel's own canvas, or (where Slack wouldn't
    create one) a standalone canvas shared to the channel, or (where no canvas can be made at all) a message
    pinned in the channel. The workshop it shows is the channel's latest."""

    team_id: str = Field(primary_key=True)
    channel_id: str = Field(primary_key=True)
    canvas_id: str  # "" for a pinned message, and while it is being made
    kind: str  # channel | standalone | message ("" while being made)
    workshop_id: int = Field(foreign_key="workshop.id")
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    # making: someone asked and Slack is being asked (so a second request doesn't make a second canvas);
    # live: kept current; stopped: Slack said it's gone (deleted, canvases disabled), so edits stopped, once told.
    status: str = Field(default="live", sa_column_kwargs={"server_default": "live"})
    message_ts: str | None = None  # the pinned message's ts (kind message)
    shown: str | None = None  # a digest of what it last received: an edit that changes nothing isn't sent
    stopped_reason: str | None = None  # Slack's error when it stopped


class MapPicture(SQLModel, table=True):
    """The latest picture of a workshop's map posted in Slack (`/journey map`), which its canvas links to."""

    team_id: str = Field(primary_key=True)
    workshop_id: int = Field(primary_key=True, foreign_key="workshop.id")
    channel_id: str
    ts: str  # the message that shows it
    permalink: str
    posted_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Item(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("reply_id", "line_no", name="uq_item_line"),
        UniqueConstraint("workshop_id", "number", name="uq_item_number"),
        UniqueConstraint("workshop_id", "opportunity_number", name="uq_item_opportunity_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    channel_id: str
    step_id: int | None = Field(default=None, foreign_key="step.id")
    stage_id: int | None = Field(default=None, foreign_key="stage.id")
    reply_id: int | None = Field(default=None, foreign_key="reply.id")
    ts: str | None = None  # the Slack message it came from (none for answers typed into a form)
    # Seeded from this item of a current-state map; the link goes (not the item) if that one is deleted.
    source_item_id: int | None = Field(default=None, foreign_key="item.id", ondelete="SET NULL")
    line_no: int = 0
    kind: str  # ItemKind
    text: str
    detail: str | None = None  # a persona's description
    author: str
    department: str | None = None  # the author's department when the item was given
    # A pain point's number in its workshop (#1, #2, …): given once, kept whatever happens to its kind or text.
    number: int | None = None
    # An opportunity's number in its workshop (O1, O2, …), counted apart from pain points: its handle for
    # `/journey opportunity 3 …`. Given once, like `number`, and kept if the item's kind changes and changes back.
    opportunity_number: int | None = None
    # The merge that makes this pain point one with others (bot/journeymap.py shows the group once).
    merge_id: int | None = Field(default=None, foreign_key="painmerge.id", ondelete="SET NULL", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Evidence(SQLModel, table=True):
    """A Slack message filed into a workshop's map with the "Add to journey map" shortcut (bot/evidence.py): as
    evidence for a pain point or a customer quote (shown with the map, counted and quoted), or as the source of a
    new pain point, touchpoint or opportunity (the item it made). Keeps where the message is, who wrote it and
    who filed it."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    stage_id: int | None = Field(default=None, foreign_key="stage.id", ondelete="SET NULL")
    kind: str  # evidence | quote | pain_point | touchpoint | opportunity
    # The pain point it supports (evidence, a quote about one) or the item it made; the link goes if that goes.
    item_id: int | None = Field(default=None, foreign_key="item.id", ondelete="SET NULL", index=True)
    text: str  # what was filed: the message's text as the person kept it in the form
    author: str | None = None  # who wrote the message (a user id, or an app's bot id); None when Slack named nobody
    source_channel: str
    source_ts: str
    source_url: str | None = None  # its permalink (chat.getPermalink); None when Slack gave none
    filed_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class PainMerge(SQLModel, table=True):
    """Pain points that say the same thing, made one: by a facilitator (`/journey merge`), by a synthesis (its
    clusters, each with an Undo) or before a vote. Its members are the items whose merge_id is this row's id."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    statement: str  # how the merged pain point reads
    source: str  # hand | synthesis | vote
    synthesis_id: int | None = Field(default=None, foreign_key="synthesis.id", ondelete="CASCADE")
    cluster: int | None = None  # the synthesis cluster it applies
    # A merge that took in members of earlier merges remembers them (earlier merge id → its members' ids, JSON),
    # and those merges wait, `superseded_by` it, so that undoing it gives each its members back: undoing a
    # synthesis never undoes what a facilitator merged by hand before it.
    absorbed: str = "{}"
    superseded_by: int | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class OpportunityRating(SQLModel, table=True):
    """An opportunity's value and effort (1–5 each, or not rated yet) and its owner: set by a facilitator or by
    the owner, from the opportunities list's form or `/journey opportunity <#> value … effort … owner …`."""

    team_id: str = Field(index=True)
    item_id: int = Field(primary_key=True, foreign_key="item.id", ondelete="CASCADE")  # the opportunity
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    value: int | None = None
    effort: int | None = None
    owner: str | None = None
    updated_by: str
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Emotion(SQLModel, table=True):
    """One rating per person per stage; a new one replaces the old."""

    __table_args__ = (UniqueConstraint("stage_id", "user_id", name="uq_emotion_person_stage"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    stage_id: int = Field(foreign_key="stage.id")
    user_id: str
    score: int
    note: str | None = None
    department: str | None = None
    reply_id: int | None = Field(default=None, foreign_key="reply.id")  # set when given as an "emotion:" line
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class UserProfile(SQLModel, table=True):
    """Per user per installation: the department people set with `/journey dept`. An org-wide install keeps its
    data under the organisation (bot/workspace.py), so a person moving between the org's workspaces keeps theirs."""

    team_id: str = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    department: str | None = None
    user_team: str | None = None  # the person's own workspace, last seen (a partner's, for someone from outside)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    # From Slack's users.info, cached: reminders go out in the person's own morning.
    tz: str | None = None
    tz_checked_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))
    dm_channel: str | None = None  # the bot's DM with this person (conversations.open)
    name: str | None = None  # their display name in Slack (users.info), for reports people read


class VoteRound(SQLModel, table=True):
    """Dot voting on a workshop's pain points: how many votes each person has."""

    team_id: str = Field(primary_key=True)
    workshop_id: int = Field(primary_key=True, foreign_key="workshop.id")
    votes_per_person: int
    opened_by: str
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class VoteMessage(SQLModel, table=True):
    """One posted ballot message (long lists of pain points take several), updated live with the tally."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    channel_id: str
    page: int
    pages: int  # how many messages this ballot took
    item_ids: str  # JSON list of the pain point ids on this message, in order
    ts: str | None = None


class Vote(SQLModel, table=True):
    """One person's dot on one pain point."""

    __table_args__ = (UniqueConstraint("item_id", "user_id", name="uq_vote_person_item"),)

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    item_id: int = Field(foreign_key="item.id", ondelete="CASCADE")  # a deleted pain point takes its dots with it
    user_id: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    DROPPED = "dropped"


class ActionItem(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    text: str
    owner: str
    due: date | None = None
    snoozed_until: date | None = None  # reminders wait until this day
    status: str = ActionStatus.OPEN
    pain_point_id: int | None = Field(default=None, foreign_key="item.id", ondelete="SET NULL")
    channel_id: str | None = None  # where it was announced, so the announcement can show its status
    message_ts: str | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class ActionEvent(SQLModel, table=True):
    """An action item's history: every change, who made it and when."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    action_item_id: int = Field(foreign_key="actionitem.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    by: str
    change: str  # created | done | dropped | snoozed | reopened
    detail: str | None = None


class ValidationTask(SQLModel, table=True):
    """Talk to `customers` customers about a pain point by `due`; the outcome is recorded on the task."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    pain_point_id: int = Field(foreign_key="item.id", ondelete="CASCADE")
    owner: str
    due: date
    customers: int
    status: str = "pending"  # pending | confirmed | partly | not_confirmed
    evidence_customers: int | None = None
    note: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Review(SQLModel, table=True):
    """A review of a closed workshop's map (`/journey review`, or the button on the quarterly reminder): the map as
    it stood when the review opened (`snapshot`, JSON: per stage the emotion average and spread, the numbered pain
    points with their status, the action items' status, the metrics), against which people re-rate each stage and
    say of each pain point whether it is resolved, still there or worse. One open review per workshop."""

    __table_args__ = (
        Index("uq_open_review_per_workshop", "team_id", "workshop_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        UniqueConstraint("workshop_id", "number", name="uq_review_number"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    number: int  # 1, 2, … per workshop
    channel_id: str
    status: str = "open"  # open | closed
    snapshot: str  # JSON: the map as it was when the review opened (bot/reviews.py snapshot_of)
    reminder_id: int | None = None  # the review reminder whose button opened it
    opened_by: str
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    closed_by: str | None = None
    closed_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))


class ReviewMessage(SQLModel, table=True):
    """One posted page of a review (a long map takes several), updated as people answer and when it closes."""

    team_id: str = Field(primary_key=True)
    review_id: int = Field(primary_key=True, foreign_key="review.id")
    page: int = Field(primary_key=True)
    ts: str | None = None


class ReviewRating(SQLModel, table=True):
    """One person's rating of one stage in one review; a new one replaces the old."""

    team_id: str = Field(primary_key=True)
    review_id: int = Field(primary_key=True, foreign_key="review.id")
    stage_id: int = Field(primary_key=True, foreign_key="stage.id")
    user_id: str = Field(primary_key=True)
    score: int
    department: str | None = None
    at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class ReviewMark(SQLModel, table=True):
    """One person's answer about one pain point (by its number) in one review: resolved | still | worse. A new
    one replaces the old."""

    team_id: str = Field(primary_key=True)
    review_id: int = Field(primary_key=True, foreign_key="review.id")
    number: int = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    outcome: str
    at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Metric(SQLModel, table=True):
    """A named figure recorded for a stage (NPS, CSAT, conversion %, tickets per week), with who and when. It
    belongs to the current period (`review_id` None) until a review's snapshot freezes it (`review_id`)."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    # Stages replaced before the stage walk take their figures with them.
    stage_id: int = Field(foreign_key="stage.id", ondelete="CASCADE")
    name: str  # as typed, at most 40 characters; the same name in any case is the same metric
    value: float
    shown: str  # the value as typed ("3.2%", "1,200")
    recorded_by: str
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))
    review_id: int | None = Field(default=None, foreign_key="review.id")  # the snapshot that froze it


class ReminderKind(StrEnum):
    ACTION_DUE_SOON = "action_due_soon"
    ACTION_OVERDUE = "action_overdue"
    VALIDATION_DUE = "validation_due"
    NUDGE = "nudge"
    MAP_REVIEW = "map_review"
    DIGEST = "digest"
    RELAYED = "relayed"  # one Slack wouldn't let the bot DM (a partner's, say), sent to a facilitator instead


class Reminder(SQLModel, table=True):
    """One reminder to one person: the source of truth. The clock only wakes the dispatcher, which claims due
    rows with a lease and checks its claim token right before sending, so no reminder is lost or sent twice."""

    __table_args__ = (
        Index("ix_reminder_due", "status", "due_at"),
        UniqueConstraint("kind", "subject_id", "recipient", "due_at", name="uq_reminder_once"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str
    workshop_id: int | None = Field(default=None, foreign_key="workshop.id", index=True)  # none for digests
    kind: str  # ReminderKind
    subject_id: int  # the action item, validation task, step or workshop it is about
    recipient: str
    due_at: datetime = Field(sa_column=_ts_column(nullable=False))
    status: str = "pending"  # pending | claimed | sent | undeliverable | cancelled
    claimed_by: str | None = None
    claim_expires_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))
    claim_token: str | None = None  # new with every claim, a takeover too: an older holder's writes match nothing
    maybe_sent: bool = False  # an earlier attempt may have reached Slack: look in the DM before posting
    attempts: int = 0
    last_error: str | None = None
    late: bool = False
    channel_id: str | None = None
    message_ts: str | None = None
    sent_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class DigestSubscription(SQLModel, table=True):
    team_id: str = Field(primary_key=True)
    user_id: str = Field(primary_key=True)
    frequency: str = "weekly"  # daily | weekly
    channels: str = "[]"  # JSON list of followed channel ids; empty: every workshop in the workspace
    # Who subscribed them (themselves or, say, an assistant): besides the subscriber, the only one who may change
    # or end the subscription. None on subscriptions made before this was recorded: only the subscriber may.
    subscribed_by: str | None = None
    last_sent_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))
    last_snapshot: str | None = None  # JSON of what the last digest showed, to tell what changed
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class Synthesis(SQLModel, table=True):
    """A synthesis of a workshop, as it was made (model or basic, with the prompts and model that made it), plus
    what people decided about it since: merges undone, suggestions accepted or dismissed."""

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(index=True)
    workshop_id: int = Field(foreign_key="workshop.id", index=True)
    source: str  # model | basic
    model: str | None = None
    prompts: str = "[]"  # JSON list of name@version
    note: str | None = None
    result: str  # JSON of bot.synthesis.schemas.SynthesisResult
    undone: str = "[]"  # JSON list of cluster indexes whose merge was undone
    decisions: str = "{}"  # JSON: "action:<index>" → accepted | dismissed
    channel_id: str | None = None
    message_ts: str | None = None
    created_by: str
    created_at: datetime = Field(default_factory=utcnow, sa_column=_ts_column(nullable=False))


class InboxEntry(SQLModel, table=True):
    """What Slack sent, committed before the bot acknowledges it (Slack never resends what got a 200), until it
    has been processed: by this process at once, or by any process after a crash. Processed rows leave (with
    people's text); `InboxDone` remembers their keys. Kept lean: this is written on every request's ack path."""

    __tablename__ = "inbox"

    id: int | None = Field(default=None, primary_key=True)
    # Slack's own identity of the request (event_id, trigger_id, action_ts): a redelivery or a replay is one row.
    key: str = Field(unique=True)
    kind: str  # event | command | action
    team_id: str  # the installation's workspace, not the actor's (bot/workspace.py; an org-wide install: its org)
    enterprise_id: str | None = None
    bot_user_id: str | None = None
    body: str  # the payload as JSON
    failed: str | None = None  # set when processing failed: the exception's type, never people's text
    received_at: datetime = Field(sa_column=_ts_column(nullable=False))
    # A request a rule couldn't apply yet (inbox.NotYet) waits until retry_at; attempts counts the waits.
    attempts: int = 0
    retry_at: datetime | None = Field(default=None, sa_column=_ts_column(nullable=True))


class InboxDone(SQLModel, table=True):
    """The keys of processed requests, kept a day: a redelivery or a replay of one is recognised and dropped.
    Written in the same transaction as the request's changes, so a request is applied exactly once."""

    __tablename__ = "inbox_done"
    __table_args__ = {"sqlite_with_rowid": False}  # on SQLite the key is the table: one b-tree, not two

    key: str = Field(primary_key=True)
    done_at: datetime = Field(sa_column=_ts_column(nullable=False))
