"""Merges in storage: a merge that takes members of earlier merges gives them back when it is undone."""

from __future__ import annotations

from bot.storage import pain_points
from bot.storage.models import Item, ItemKind
from tests.runs import FAC, Run, T


def test_a_merge_that_took_part_of_another_gives_it_back_when_undone(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("pain: one\npain: two\npain: three")
    one, two, three = (session.get(Item, i) for i in run.pain_ids())
    assert [i.kind for i in (one, two, three)] == [ItemKind.PAIN_POINT] * 3

    def merge(*items):
        return pain_points.make_merge(session=session, team_id=T, workshop_id=run.workshop_id, items=items,
                                      statement="x", source="hand", by=FAC, now=clock())

    def in_force():
        return set(pain_points.merges(session=session, team_id=T, workshop_id=run.workshop_id))

    first = merge(one, two)
    second = merge(two, three)  # takes "two": "one" is left alone, and `first` waits
    assert (one.merge_id, two.merge_id, three.merge_id) == (None, second.id, second.id)
    assert in_force() == {second.id}
    pain_points.dissolve(session=session, team_id=T, merge_id=second.id)
    assert (one.merge_id, two.merge_id, three.merge_id) == (first.id, first.id, None)
    assert in_force() == {first.id}
    pain_points.dissolve(session=session, team_id=T, merge_id=first.id)
    assert (one.merge_id, two.merge_id) == (None, None) and in_force() == set()


def test_a_merge_that_took_a_whole_merge_and_more_gives_it_back_whole(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("pain: one\npain: two\npain: three\npain: four")
    one, two, three, four = (session.get(Item, i) for i in run.pain_ids())

    def merge(*items):
        return pain_points.make_merge(session=session, team_id=T, workshop_id=run.workshop_id, items=items,
                                      statement="x", source="hand", by=FAC, now=clock())

    hand = merge(one, two)
    other = merge(three, four)
    big = merge(one, two, three)  # all of `hand`, part of `other` (which keeps... only "four": it waits)
    assert {i.merge_id for i in (one, two, three)} == {big.id} and four.merge_id is None
    pain_points.dissolve(session=session, team_id=T, merge_id=big.id)
    assert (one.merge_id, two.merge_id, three.merge_id, four.merge_id) == (hand.id, hand.id, other.id, other.id)
