"""Templates, map types, blueprint lanes, emotion spread and dot voting: the rules, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from bot import journeymap, voting
from bot.storage import repo
from bot.storage.models import ItemKind
from bot.templates import load_templates
from bot.text import parse_stage_line
from bot.workshop import access, flow, replies, tally

T, C, FAC = "T1", "C1", "UFAC"


class Run:
    """A workshop driven step by step, with Slack's message timestamps made up."""

    def __init__(self, session, clock, channel=C, **kw):
        self.s, self.clock, self.channel, self.n = session, clock, channel, 0
        self.prompt = flow.start_workshop(session=session, team_id=T, channel_id=channel, user_id=FAC,
                                       title=kw.pop("title", "Map"), now=clock(), **kw)
        self.thread = self._posted(self.prompt)

    def _ts(self) -> str:
        self.n += 1
        return f"{self.channel}.{self.n}"

    def _posted(self, prompt) -> str:
        ts = self._ts()
        flow.record_prompt_posted(session=self.s, team_id=T, step_id=prompt.step_id, ts=ts)
        return ts

    def next(self):
        out = flow.open_next_step(session=self.s, team_id=T, channel_id=self.channel, user_id=FAC, now=self.clock())
        self.prompt = out.prompt
        self.thread = self._posted(out.prompt)
        return out.prompt

    def say(self, text: str, user: str = "UANA"):
        return replies.record_reply(session=self.s, team_id=T, now=self.clock(), reply=replies.NewReply(
            channel_id=self.channel, user_id=user, ts=self._ts(), thread_ts=self.thread, text=text))

    def to_stage(self, k: int = 1):
        for _ in range(2 + k):
            self.next()
        return self.prompt


def pain_ids(session, workshop_id):
    return [i.id for i in repo.items(session=session, team_id=T, workshop_id=workshop_id) if i.kind == ItemKind.PAIN_POINT]


def test_templates_are_files_with_stages_and_hints():
    templates = load_templates()
    assert {"buyer", "day-in-the-life", "lead-nurturing", "churn", "custom"} <= set(templates)
    assert [s.name for s in templates["buyer"].stages] == ["Awareness", "Consideration", "Decision", "Retention", "Loyalty"]
    assert templates["custom"].stages == ()
    for key, tpl in templates.items():
        assert tpl.name and tpl.description, key
        assert all(s.hint for s in tpl.stages), key


def test_custom_template_has_the_facilitator_name_the_stages(session, clock):
    run = Run(session, clock, template="custom")
    assert run.prompt.stage_names == ()
    run.next()
    run.next()  # the stages step
    with pytest.raises(access.Refusal, match="no stages yet"):
        run.next()
    flow.set_stages(session=session, team_id=T, channel_id=C, user_id=FAC, raw="Notice, Try, Keep")
    assert run.next().stage_name == "Notice"


def test_blueprint_lanes_only_on_blueprints():
    assert parse_stage_line("frontstage: agent calls", blueprint=True).kind == ItemKind.FRONTSTAGE
    assert parse_stage_line("support: CRM sync", blueprint=True).kind == ItemKind.BACKSTAGE
    assert parse_stage_line("backstage: billing run", blueprint=True).kind == ItemKind.BACKSTAGE
    assert parse_stage_line("frontstage: agent calls").kind == ItemKind.UNSORTED  # asked, not dropped


def test_blueprint_workshop_stores_lanes(session, clock):
    run = Run(session, clock, map_type="blueprint")
    run.to_stage()
    assert run.prompt.map_type == "blueprint"
    out = run.say("frontstage: agent confirms\nsupport: warehouse picks\npain: slow")
    assert out.stored == 3 and out.unsorted == []
    kinds = sorted(i.kind for i in repo.items(session=session, team_id=T, workshop_id=run.prompt.workshop_id))
    assert kinds == ["backstage", "frontstage", "pain_point"]


def test_future_of_seeds_stages_and_pain_points_linked_back(session, clock):
    current = Run(session, clock, title="Today", template="churn")
    current.to_stage()
    current.say("pain: cancelling takes three emails\ntp: account page")
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    future = Run(session, clock, title="Tomorrow", future_of=current.prompt.workshop_id, visible={C})
    ws = repo.workshop(session=session, team_id=T, workshop_id=future.prompt.workshop_id)
    assert (ws.map_type, ws.future_of, ws.template) == ("future", current.prompt.workshop_id, "churn")
    assert future.prompt.stage_names == current.prompt.stage_names
    (seeded,) = [i for i in repo.items(session=session, team_id=T, workshop_id=ws.id)]
    original = pain_ids(session, current.prompt.workshop_id)[0]
    assert (seeded.kind, seeded.text, seeded.source_item_id) == (ItemKind.PAIN_POINT, "cancelling takes three emails", original)
    with pytest.raises(access.Refusal, match="no workshop #999"):
        flow.start_workshop(session=session, team_id=T, channel_id="C9", user_id=FAC, title="X", future_of=999, now=clock())
    with pytest.raises(access.Refusal, match="no workshop"):  # another workspace's map can't be the source
        flow.start_workshop(session=session, team_id="T2", channel_id="C9", user_id=FAC, title="X",
                         future_of=current.prompt.workshop_id, visible={C}, now=clock())


def test_emotion_spread():
    assert tally.emotion_spread([]) is None
    assert tally.emotion_spread([3, 3, 3]) == 0.0
    assert tally.emotion_spread([2, 4]) == 1.0
    assert tally.emotion_average([2, 4, 5]) == 3.67


def test_dot_voting_rules(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("pain: a\npain: b\npain: c\npain: d")
    a, b, c, d = pain_ids(session, run.prompt.workshop_id)
    with pytest.raises(access.Refusal, match="Only the facilitator"):
        voting.open_vote(session=session, team_id=T, channel_id=C, user_id="UANA", votes=2, now=clock())
    (page,) = voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=2, now=clock())
    assert [line.item_id for line in page.lines] == [a, b, c, d] and page.votes_per_person == 2

    def vote(item, user="UBEN"):
        return voting.cast_vote(session=session, team_id=T, user_id=user, item_id=item, now=clock())

    assert (vote(c).action, vote(d).action) == ("added", "added")
    full = vote(a)
    assert (full.action, full.used, sorted(full.mine)) == ("none_left", 2, ["#3 c", "#4 d"])
    assert vote(d).action == "removed"  # moving a dot: take it back...
    moved = vote(a)  # ...and put it elsewhere
    assert (moved.action, moved.used, moved.allowed) == ("added", 2, 2)
    vote(c, "UCAT")
    data = journeymap.build_map(session=session, team_id=T, workshop_id=run.prompt.workshop_id)
    assert [(p["text"], p["votes"]) for p, _ in journeymap.ranked_pain_points(data)] == [
        ("c", 2), ("a", 1), ("b", 0), ("d", 0)]
    assert voting.ballot_page(session=session, team_id=T, vote_message_id=page.vote_message_id).voters == 2
    with pytest.raises(access.Refusal, match="gone"):
        voting.cast_vote(session=session, team_id="T2", user_id="UBEN", item_id=a, now=clock())


def test_voting_needs_pain_points_and_an_open_workshop(session, clock):
    run = Run(session, clock)
    run.to_stage()
    with pytest.raises(access.Refusal, match="no pain points"):
        voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    run.say("pain: a")
    (a,) = pain_ids(session, run.prompt.workshop_id)
    with pytest.raises(access.Refusal, match="closed"):  # no ballot yet
        voting.cast_vote(session=session, team_id=T, user_id="UBEN", item_id=a, now=clock())
    voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    flow.close_workshop(session=session, team_id=T, channel_id=C, user_id=FAC, now=clock())
    with pytest.raises(access.Refusal, match="closed"):
        voting.cast_vote(session=session, team_id=T, user_id="UBEN", item_id=a, now=clock())


def test_a_deleted_pain_point_takes_its_votes_with_it(session, clock):
    run = Run(session, clock)
    run.to_stage()
    out = run.say("pain: doomed")
    (a,) = pain_ids(session, run.prompt.workshop_id)
    voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    voting.cast_vote(session=session, team_id=T, user_id="UBEN", item_id=a, now=clock())
    assert out.status == "stored"
    reply_ts = f"{C}.{run.n}"
    replies.delete_reply(session=session, team_id=T, channel_id=C, ts=reply_ts, now=clock())
    session.flush()
    session.expire_all()
    assert journeymap.voters_by_item(session=session, team_id=T, workshop_id=run.prompt.workshop_id) == {}


def test_ballots_split_into_pages_within_slacks_block_limit(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("\n".join(f"pain: p{n}" for n in range(95)))
    pages = voting.open_vote(session=session, team_id=T, channel_id=C, user_id=FAC, votes=3, now=clock())
    assert [len(p.lines) for p in pages] == [40, 40, 15]
    assert [(p.page, p.pages) for p in pages] == [(0, 3), (1, 3), (2, 3)]
