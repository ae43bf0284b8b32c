"""Every builder's output stays inside Slack's Block Kit limits, even with extreme input, and never pings."""

from __future__ import annotations

import json
import re

from bot import commands
from bot.blocks import kit
from bot.blocks import messages as m
from bot.blocks import replies as rp
from bot.blocks import workshop as ws
from bot.blocks.modals import build_new_workshop_modal
from bot.templates import load_templates
from bot.workshop.flow import Closed, PromptView
from bot.workshop.replies import Rated, ReplyOutcome
from bot.workshop.status import StageCount, StatusView
from fakeslack.blockkit import block_problems, view_problems

LONG = "<!channel> " + "word " * 9000  # ~45,000 characters
PING = re.compile(r"<[!@](?!U[A-Z0-9]+>)|<!(channel|here|everyone)>")


def assert_ok(message: dict) -> None:
    assert block_problems(message["blocks"]) == []
    assert len(message["text"]) <= 4000
    # A broadcast token or a mention the builder didn't put there itself would notify people.
    dump = json.dumps(message)
    assert "<!channel>" not in dump and "<!here>" not in dump and "<!everyone>" not in dump


def prompt(kind: str, **kw) -> PromptView:
    base = dict(workshop_id=1, title="Checkout redesign", template_name="Buyer's journey", channel_id="C1", step_id=1,
                kind=kind, number=1, total=8, stage_names=("Awareness", "Consideration"))
    return PromptView(**{**base, **kw})


def test_prompts_for_every_step_kind():
    for kind in ("objectives", "personas", "stages"):
        assert_ok(ws.build_prompt(prompt(kind)))
    stage = ws.build_prompt(prompt("stage", number=4, stage_id=7, stage_name="Awareness", stage_hint="How do they hear of us?"))
    assert_ok(stage)
    assert stage["blocks"][0]["text"]["text"] == "📍 Stage 1 of 5: Awareness"
    buttons = stage["blocks"][-2]["elements"]
    assert [b["value"] for b in buttons] == ["7:1", "7:2", "7:3", "7:4", "7:5"]


def test_prompts_with_extreme_titles_and_stages():
    huge = prompt("stages", title=LONG, template_name=LONG, stage_names=tuple(LONG[:60] + str(i) for i in range(12)))
    assert_ok(ws.build_prompt(huge))
    assert_ok(ws.build_prompt(prompt("stage", title=LONG, stage_name=LONG, stage_hint=LONG, stage_id=1, number=4)))


def test_status_with_many_people_and_long_names_stays_in_limits():
    stages = [StageCount(LONG, 1, 2, 3, 4, 5, 2.5) for _ in range(12)]
    view = StatusView(
        workshop_id=7, map_type="blueprint", title=LONG, status="open", template_name=LONG, facilitators=["UFAC"], current_label=LONG, prompt_posted=False,
        steps=[(LONG, 3, i == 0) for i in range(15)], stages=stages,
        contributors=[(f"U{i:05d}", LONG, i) for i in range(300)], not_contributed=[f"U{i:05d}" for i in range(500)],
        departments=[(f"Dept {i} " + LONG[:30], i) for i in range(60)] + [(None, 3)], dominant=(LONG, 0.9),
        total_answers=1000,
    )
    assert_ok(ws.build_status(view))


def test_reply_follow_ups():
    assert_ok(rp.build_classify([(i, LONG) for i in range(40)]))
    assert_ok(rp.build_problems([(LONG, "An emotion is a number from 1 to 5.")] * 50))
    assert_ok(rp.build_closed_step(ReplyOutcome(status="closed", step_label=LONG, open_label=LONG)))
    assert_ok(rp.build_classified("pain_point", LONG))
    assert_ok(rp.build_rated(Rated(LONG, 3, 1)))
    assert_ok(ws.build_closed(Closed(LONG, 10, 3, 2)))
    assert_ok(ws.build_stages_set([LONG[:60]] * 12))
    assert_ok(commands.help_message())
    for entry in commands.TABLE:
        assert_ok(commands.help_message(entry.name))
    assert_ok(m.build_slack_failed("post the prompt", LONG, retry="run `/journey next`"))
    assert_ok(commands.invalid_message(commands.parse("x")))
    assert_ok(commands.invalid_message(commands.parse("vote --votes " + LONG)))
    assert_ok(ws.build_dept_set(LONG))


def test_classify_caps_the_lines_it_asks_about():
    msg = rp.build_classify([(i, f"line {i}") for i in range(40)])
    asked = [b for b in msg["blocks"] if b["type"] == "actions"]
    assert len(asked) == rp.MAX_CLASSIFY_LINES
    assert "25 more lines" in msg["blocks"][-1]["elements"][0]["text"]


def test_people_text_never_becomes_a_mention():
    msg = ws.build_prompt(prompt("stages", title="Q4 <!here> <@U999|boss>", stage_names=("<!channel> stage",)))
    dump = json.dumps(msg)
    assert "<!here>" not in dump and "<@U999" not in dump and "<!channel>" not in dump
    assert "@boss" in dump and "@here" in dump


def test_new_workshop_modal_is_valid():
    view = build_new_workshop_modal(channel_id="C1", templates=load_templates())
    assert view_problems(view) == []
    assert json.loads(view["private_metadata"]) == {"channel_id": "C1"}


def test_plain_error_for_modal_fields():
    err = kit.plain_error("This channel already has an open workshop: *X*, started by <@U1>. " + LONG)
    assert len(err) <= 150 and "*" not in err and "<@" not in err


def test_follow_up_messages_stay_in_limits_with_hundreds_of_items():
    from collections import Counter
    from datetime import date, datetime

    from bot.blocks import reminders
    from bot.blocks.digests import build_digest
    from bot.blocks.followups import build_actions_list, build_validation_plan
    from bot.digests import Digest, WorkshopDigest
    from bot.followups import ActionView, ValidationView

    today = date(2026, 11, 22)
    actions = [ActionView(n, LONG, "UANA", date(2026, 11, 1), "open", None, True, LONG, (n, LONG),
                          [(datetime(2026, 11, 1), "UFAC", "created", LONG)]) for n in range(300)]
    assert_ok(build_actions_list(actions, today, "mine"))
    tasks = [ValidationView(n, n, n, LONG, LONG, "UANA", today, 5, "pending", None, LONG, LONG) for n in range(60)]
    assert_ok(build_validation_plan(tasks, today))
    assert_ok(reminders.build_reminders([(reminders.action_overdue, a, True) for a in actions[:100]], today))
    workshops = [WorkshopDigest(n, LONG, "C1", Counter(open=300, done=20), [(LONG, "UANA", today)] * 300,
                                Counter(created=40, done=3), Counter(pending=3, confirmed=2), (LONG, 1.5), LONG,
                                [(LONG, "UANA", today, 10_000)] * 300, [(10_000, LONG, 999, LONG)] * 3)
                 for n in range(30)]
    assert_ok(build_digest(Digest(workshops, more=22), today))


def test_a_vote_offering_to_merge_many_near_duplicates_stays_in_limits():
    from bot.blocks.maps import build_merge_offer
    from bot.merges import Suggestion

    alike = [Suggestion(tuple(range(1_000_000 * g, 1_000_000 * g + 40)), tuple([LONG] * 40)) for g in range(1, 12)]
    offer = build_merge_offer(alike, 3)
    assert_ok(offer)
    value = json.loads(next(e for b in offer["blocks"] if b["type"] == "actions" for e in b["elements"])["value"])
    assert 1 <= len(value["merge"]) <= 8 and all(len(numbers) <= 20 for numbers in value["merge"])
