"""Opportunities that get done: their numbers (O1, O2, …), value, effort and owner, who may set them, the ranking
by value over effort in the map model, the list and form, the summary, the report and the canvas (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json

import pytest

from bot import commands, ids, journeymap
from bot import opportunities as rules
from bot.arguments import Invalid, Opportunities
from bot.blocks import opportunities as b
from bot.blocks.maps import build_map_summary
from bot.render.canvas import canvas_markdown
from bot.render.export import export_csv, export_markdown
from bot.storage import repo
from bot.storage.models import ItemKind
from bot.workshop import access, replies
from fakeslack.blockkit import block_problems, view_problems
from tests.runs import FAC, C, Run, T

ANA, BEN = "UANA", "UBEN"


def message_problems(message: dict) -> list[str]:
    return block_problems(message["blocks"]) + ([] if len(message["text"]) <= 4000 else ["text too long"])


def opp_items(run: Run) -> list:
    return [i for i in repo.items(session=run.s, team_id=T, workshop_id=run.workshop_id)
            if i.kind == ItemKind.OPPORTUNITY]


def the_map(run: Run) -> dict:
    return journeymap.build_map(session=run.s, team_id=T, workshop_id=run.workshop_id)


def rate(run: Run, number: int, user: str = FAC, **changes):
    view = rules.find(session=run.s, team_id=T, channel_id=C, number=number)
    return rules.rate(session=run.s, team_id=T, user_id=user, view=view, now=run.clock(), **changes)


# --- Parsing ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("opportunities", Opportunities()),
    ("opportunity 3", Opportunities(number=3)),
    ("opp O3 value 4", Opportunities(number=3, value=4)),
    ("opps #12 effort 5 value 1", Opportunities(number=12, value=1, effort=5)),
    ("opportunity o7 value=2 effort: 3 owner <@UANA|ana>", Opportunities(number=7, value=2, effort=3, owner="UANA")),
    ("opportunity 3 owner none value none", Opportunities(number=3, clear=("value", "owner"))),
])
def test_the_command_reads_a_number_and_any_of_value_effort_owner(text, expected):
    assert commands.parse(text) == expected


@pytest.mark.parametrize(("text", "says"), [
    ("opportunity 3 value 7", "Value goes from 1 (hardly matters) to 5 (game changer); `7` isn't one of them"),
    ("opportunity 3 effort x", "Effort goes from 1 (hours) to 5 (many months); `x` isn't one of them"),
    ("opportunity 3 value 0", "`0` isn't one of them"),
    ("opportunity three value 4", "Start with the opportunity's number"),
    ("opportunity 3 value 4 priority high", "I couldn't read `priority high`"),
    ("opportunity 3 value 4 value 5", "`value` is given twice"),
    ("opportunity 3 owner ana", "Name the owner with a mention"),
])
def test_bad_input_says_what_was_wrong_and_the_usage(text, says):
    cmd = commands.parse(text)
    assert isinstance(cmd, Invalid) and says in cmd.message
    shown = json.dumps(commands.invalid_message(cmd))
    assert "opportunities [O3 value 1-5 effort 1-5 owner @someone]" in shown


def test_help_lists_the_command_and_explains_the_2x2():
    assert "opportunities" in json.dumps(commands.help_message())
    detail = json.dumps(commands.help_message("opportunity"), ensure_ascii=False)
    assert "O1, O2" in detail and "map opportunities" in detail
    assert "2×2" in json.dumps(commands.help_message("map"), ensure_ascii=False)


# --- Numbers ----------------------------------------------------------------------------------------------------

def test_opportunities_are_numbered_apart_from_pain_points_and_keep_their_number(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("pain: slow\nidea: show prices\nidea: retry payments\npain: no paypal")
    assert sorted(i.opportunity_number for i in opp_items(run)) == [1, 2]
    assert sorted(i.number for i in repo.items(session=session, team_id=T, workshop_id=run.workshop_id)
                  if i.kind == ItemKind.PAIN_POINT) == [1, 2]
    # A line edited into an opportunity gets the next number; one edited away and back keeps its own.
    out = run.say("tp: checkout page\nsomething unsorted")
    reply_ts = f"{C}.{run.n}"
    replies.edit_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UANA", ts=reply_ts, thread_ts=run.thread, text="idea: checkout page\nsomething unsorted",
        edited_ts="1.1"))
    (unsorted_id, _), = out.unsorted
    replies.classify_item(session=session, team_id=T, user_id="UANA", item_id=unsorted_id, kind=ItemKind.OPPORTUNITY,
                          now=clock())
    numbers = {i.text: i.opportunity_number for i in opp_items(run)}
    assert numbers == {"show prices": 1, "retry payments": 2, "checkout page": 3, "something unsorted": 4}
    replies.edit_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UANA", ts=reply_ts, thread_ts=run.thread, text="tp: checkout page\nsomething unsorted",
        edited_ts="1.2"))
    replies.edit_reply(session=session, team_id=T, now=clock(), reply=replies.NewReply(
        channel_id=C, user_id="UANA", ts=reply_ts, thread_ts=run.thread, text="idea: checkout page\nsomething unsorted",
        edited_ts="1.3"))
    assert {i.text: i.opportunity_number for i in opp_items(run)}["checkout page"] == 3
    run.say("idea: fifth")
    assert max(i.opportunity_number for i in opp_items(run)) == 5  # never handed out twice


# --- Who may set what, and what is stored ------------------------------------------------------------------------

def test_a_facilitator_rates_and_hands_on_and_the_owner_may_change_it(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("idea: show prices")
    with pytest.raises(access.Refusal, match="Only a facilitator .*UFAC.* can rate or hand on O1. Nothing was changed"):
        rate(run, 1, user=ANA, value=4)
    done = rate(run, 1, value=4, effort=2, owner=ANA)
    assert done.changed == ("value", "effort", "owner") and done.view.score == 2.0
    again = rate(run, 1, value=4)
    assert again.changed == ()  # the same again changes nothing
    by_owner = rate(run, 1, user=ANA, effort=4, owner=BEN)  # the owner may re-rate and hand it on
    assert (by_owner.view.effort, by_owner.view.owner, by_owner.previous_owner) == (4, BEN, ANA)
    with pytest.raises(access.Refusal, match="or its owner <@UBEN>"):
        rate(run, 1, user=ANA, value=1)  # no longer hers
    cleared = rate(run, 1, value=None, owner=None)
    assert (cleared.view.value, cleared.view.effort, cleared.view.owner, cleared.view.score) == (None, 4, None, None)


def test_unknown_numbers_and_out_of_range_values_change_nothing(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("idea: show prices\npain: slow")
    rate(run, 1, value=3, effort=3)
    with pytest.raises(access.Refusal, match="There's no opportunity O9 in \\*Map\\*"):
        rate(run, 9, value=4)
    for bad in (7, 0, "x", True, 2.5):
        with pytest.raises(access.Refusal, match="goes from 1 to 5"):
            rate(run, 1, value=4, effort=bad)
    (o,) = the_map(run)["stages"][0]["opportunities"]
    assert (o["value"], o["effort"]) == (3, 3)
    with pytest.raises(access.Refusal, match="isn't on the map any more"):  # a pain point's id is no opportunity
        rules.get(session=session, team_id=T, item_id=run.pain_ids()[0])
    with pytest.raises(access.Refusal):  # another workspace's
        rules.get(session=session, team_id="T2", item_id=opp_items(run)[0].id)


def test_a_deleted_opportunity_takes_its_rating_with_it(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("idea: doomed")
    rate(run, 1, value=5, effort=1, owner=ANA)
    replies.delete_reply(session=session, team_id=T, channel_id=C, ts=f"{C}.{run.n}", now=clock())
    session.flush()
    from bot.storage import opportunities as stored

    assert stored.ratings(session=session, team_id=T, workshop_id=run.workshop_id) == {}


# --- The map model: fields and ranking ----------------------------------------------------------------------------

def rated_workshop(session, clock) -> Run:
    run = Run(session, clock, title="Checkout")
    run.to_stage()
    run.say("idea: show prices\nidea: rebuild checkout\nidea: paypal\nidea: explain delivery\nidea: live chat")
    run.next()
    run.say("idea: saved carts")
    rate(run, 1, value=5, effort=1, owner=ANA)  # 5
    rate(run, 2, value=2, effort=5)  # 0.4
    rate(run, 3, value=4, effort=2)  # 2
    rate(run, 4, value=4)  # not rated: no effort
    rate(run, 6, value=2, effort=1)  # 2: ties with O3, lower value
    return run


def test_the_map_carries_value_effort_owner_score_and_rank(session, clock):
    run = rated_workshop(session, clock)
    data = the_map(run)
    first = data["stages"][0]["opportunities"]
    assert [o["number"] for o in first] == [1, 2, 3, 4, 5]  # in the order given within the stage
    o1 = first[0]
    assert (o1["value"], o1["effort"], o1["score"], o1["owner"], o1["rank"]) == (5, 1, 5.0, ANA, 1)
    ranked = journeymap.ranked_opportunities(data)
    assert [(o["number"], o["rank"]) for o, _ in ranked] == [(1, 1), (3, 2), (6, 3), (2, 4), (4, None), (5, None)]
    assert ranked[2][1] != ranked[0][1]  # each with its stage
    assert ANA in journeymap.people(session=session, team_id=T, workshop_id=run.workshop_id)


def test_summary_report_canvas_and_csv_rank_by_value_over_effort_and_say_the_unrated_come_last(session, clock):
    run = rated_workshop(session, clock)
    data = the_map(run)
    summary = json.dumps(build_map_summary(data), ensure_ascii=False)
    assert summary.index("*O1* show prices") < summary.index("*O3* paypal") < summary.index("*O6* saved carts") \
        < summary.index("*O2* rebuild checkout")
    assert "Not rated yet, so ranked last (2):_ O4, O5" in summary
    assert "<@" not in summary  # posted to the channel: owners by name, nobody pinged
    assert message_problems(build_map_summary(data)) == []

    report = export_markdown(data).decode()
    section = report[report.index("## Opportunities"):report.index("## Stages")]
    rows = [line for line in section.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert [r.split(" | ")[1] for r in rows] == ["O1", "O3", "O6", "O2", "O4", "O5"]
    assert rows[0].startswith("| 1 | O1 | show prices | ") and "| 5 | 1 | 5 | " in rows[0]
    assert "| — | O4 | explain delivery | " in rows[4] and "not rated yet" in rows[4]
    assert "4 of 6 rated. Those not rated yet (no value or no effort) can't be ranked and come last." in section
    assert "| opportunity | O1 | show prices |" in report  # the stage table shows the number

    canvas = canvas_markdown(data)
    ranking = canvas[canvas.index("## Opportunities by value over effort"):canvas.index("## Action items")]
    assert ranking.index("1. **O1** show prices") < ranking.index("2. **O3** paypal") < ranking.index("4. **O2**")
    assert "owner ![](@UANA)" in ranking
    assert "*Not rated yet (2), so ranked last: `/journey opportunities` rates them.*" in ranking
    assert "- **O4** explain delivery · not rated yet" in canvas  # in its stage too

    import csv
    import io

    rows = [r for r in csv.DictReader(io.StringIO(export_csv(data).decode("utf-8-sig"))) if r["lane"] == "opportunity"]
    show = next(r for r in rows if r["text"] == "show prices")
    assert (show["number"], show["value"], show["effort"], show["value_over_effort"], show["owner"], show["score"]) == (
        "1", "5", "1", "5.0", ANA, "")


# --- Blocks -------------------------------------------------------------------------------------------------------

def test_the_list_ranks_them_and_offers_rate_only_to_who_may(session, clock):
    run = rated_workshop(session, clock)
    data = the_map(run)
    for viewer in (FAC, ANA, BEN):
        assert message_problems(b.build_opportunities_list(data, viewer=viewer)) == []
    listing = b.build_opportunities_list(data, viewer=FAC)
    texts = [blk["text"]["text"] for blk in listing["blocks"] if blk["type"] == "section"]
    assert [t.split("*")[1] for t in texts] == ["O1", "O3", "O6", "O2", "O4", "O5"]
    assert "value 5 · effort 1 · score 5 · owner <@UANA>" in texts[0]
    assert "_not rated yet_ (value 4)" in texts[4]
    notes = json.dumps([blk for blk in listing["blocks"] if blk["type"] == "context"])
    assert "*Not rated yet* (2)" in notes and "they come last" in notes
    buttons = lambda m: [blk["accessory"]["value"] for blk in m["blocks"] if "accessory" in blk]  # noqa: E731
    assert len(buttons(listing)) == 6
    assert buttons(b.build_opportunities_list(data, viewer=ANA)) == [str(opp_items(run)[0].id)]  # hers only
    assert buttons(b.build_opportunities_list(data, viewer=BEN)) == []


def test_a_long_list_stays_inside_slacks_limits_and_counts_the_rest(session, clock):
    run = Run(session, clock)
    run.to_stage()
    run.say("\n".join(f"idea: {'a very long idea ' * 40}{n}" for n in range(60)))
    listing = b.build_opportunities_list(the_map(run), viewer=FAC)
    assert message_problems(listing) == [] and len(listing["blocks"]) <= 50
    assert "+16 more" in json.dumps(listing)


def test_the_form_is_filled_in_with_what_the_opportunity_has(session, clock):
    rated_workshop(session, clock)
    view = rules.find(session=session, team_id=T, channel_id=C, number=1)
    modal = b.build_rating_modal(view, response_url="https://hooks.example/x")
    assert view_problems(modal) == []
    assert modal["callback_id"] == ids.OPPORTUNITY_VIEW and modal["title"]["text"] == "Rate O1"
    inputs = {blk["block_id"]: blk["element"] for blk in modal["blocks"] if blk["type"] == "input"}
    assert inputs[ids.OPPORTUNITY_VALUE_BLOCK]["initial_option"]["value"] == "5"
    assert inputs[ids.OPPORTUNITY_EFFORT_BLOCK]["initial_option"]["value"] == "1"
    assert inputs[ids.OPPORTUNITY_OWNER_BLOCK]["initial_user"] == ANA
    assert json.loads(modal["private_metadata"]) == {"item_id": view.item_id, "response_url": "https://hooks.example/x"}


def test_people_s_text_stays_inert_everywhere_opportunities_show(session, clock):
    run = Run(session, clock, title="<!channel> map")
    run.to_stage()
    run.say("idea: ping <!here> and <@UBEN> via <https://evil.example|click> *bold* | pipe")
    rate(run, 1, value=4, effort=2, owner=ANA)
    data = the_map(run)
    for message in (b.build_opportunities_list(data, viewer=FAC), build_map_summary(data),
                    b.build_quadrant_summary(data)):
        shown = json.dumps(message)
        assert "<!here>" not in shown and "<@UBEN>" not in shown and "<https://" not in shown
    report = export_markdown(data).decode()
    assert "[click]" not in report and "\\| pipe" in report
    assert "<!here>" not in canvas_markdown(data) and "](https://" not in canvas_markdown(data)


def test_quadrants():
    assert [rules.quadrant(v, e) for v, e in ((5, 1), (4, 4), (2, 2), (1, 5), (3, 1), (5, 3))] == [
        "quick_win", "big_bet", "fill_in", "money_pit", None, None]


def test_opportunities_given_before_the_upgrade_are_numbered_in_order(tmp_path):
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from alembic import command

    from bot.storage.db import alembic_config, make_engine

    engine = make_engine(f"sqlite:///{tmp_path}/old.db")
    now = datetime(2026, 1, 1, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0011")
        for ws in (1, 2):
            conn.execute(sa.text("INSERT INTO workshop (id, team_id, channel_id, title, template, map_type, status, "
                                 "created_by, created_at, review_after_days, ai_enabled, pain_numbers) VALUES (:id, "
                                 "'T', :c, 'Old', 'buyer', 'current', 'closed', 'U', :now, 90, 1, 0)"),
                         {"id": ws, "c": f"C{ws}", "now": now})
        for n, (ws, kind) in enumerate([(1, "opportunity"), (2, "opportunity"), (1, "pain_point"), (1, "opportunity")]):
            conn.execute(sa.text("INSERT INTO item (id, team_id, workshop_id, channel_id, line_no, kind, text, author, "
                                 "created_at, updated_at) VALUES (:id, 'T', :ws, 'C', :n, :kind, 'x', 'U', :now, :now)"),
                         {"id": n + 1, "ws": ws, "n": n, "kind": kind, "now": now})
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    with engine.begin() as conn:
        numbers = conn.execute(sa.text("SELECT id, opportunity_number FROM item ORDER BY id")).all()
        counters = conn.execute(sa.text("SELECT id, opportunity_numbers FROM workshop ORDER BY id")).all()
    assert [tuple(r) for r in numbers] == [(1, 1), (2, 1), (3, None), (4, 2)]
    assert [tuple(r) for r in counters] == [(1, 2), (2, 1)]


def test_an_opportunity_filed_from_a_message_gets_its_number_at_once(session, clock):
    from bot import evidence

    run = Run(session, clock)
    stage = run.to_stage()
    run.say("idea: show prices")
    evidence.file(session=session, team_id=T, user_id=BEN, workshop_id=run.workshop_id, kind="opportunity",
                  text="Retry payments on a full page", stage_id=repo.step(session=session, team_id=T,
                                                                          step_id=stage.step_id).stage_id,
                  pain_number=None, source=evidence.Source(C, "1700000000.000100", None), now=clock())
    assert {i.text: i.opportunity_number for i in opp_items(run)} == {"show prices": 1,
                                                                     "Retry payments on a full page": 2}
