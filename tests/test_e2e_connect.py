"""End to end in a Slack Connect channel: a workshop shared with a partner organisation. The partner's people
are in another workspace (TPARTNER, enterprise EPARTNER): their events arrive with that workspace as the envelope's
`team_id` while `authorizations[0]` names ours, their forms carry it as `team.id` (ours in
view.app_installed_team_id), their clicks as `user.team_id`. They can't use our slash command (Slack offers only
apps installed in their own workspace), so they take part by replying, clicking and filling in forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from slack_bolt.request import BoltRequest
from sqlmodel import select

from bot import ids
from bot.reminders.kinds import make_dispatcher
from bot.storage.models import InboxDone, Reminder, Reply, UserProfile
from fakeslack.api import BOT_USER_ID, SlackError
from fakeslack.sender import command_fields, event_payload
from tests.conftest import ANA, BEN, CHANNEL, FACILITATOR

pytestmark = pytest.mark.slow

SHARED, PARTNER, PARTNER_ORG = "CSHARED", "TPARTNER", "EPARTNER"
PIA, PAT = "UPARTNER1", "UPARTNER2"  # the partner's people
FIXTURES = Path(__file__).parent / "fixtures" / "slack"


@pytest.fixture
def shared(bot):
    bot.fake.add_partner(PARTNER, "Partner Co", enterprise_id=PARTNER_ORG)
    bot.fake.add_user(PIA, "pia", team_id=PARTNER)
    bot.fake.add_user(PAT, "pat", team_id=PARTNER)
    bot.fake.add_channel(SHARED, "ext-partner-journey", members=[FACILITATOR, ANA, PIA, PAT], shared_with=[PARTNER])
    return bot


def export(bot) -> dict:
    bot.ws.command(FACILITATOR, SHARED, "export json")
    return json.loads(list(bot.fake.files.values())[-1]["content"])


def stage_id(prompt) -> int:
    actions = next(b for b in prompt.blocks if b["type"] == "actions")
    return int(actions["elements"][0]["value"].split(":")[0])


def test_a_whole_workshop_with_a_partner_organisation(shared):
    bot, ws, fake = shared, shared.ws, shared.fake
    ws.command(ANA, SHARED, "dept Marketing")
    ws.command(FACILITATOR, SHARED, "new Partner onboarding")
    objectives = bot.last_prompt(SHARED)

    # A partner's reply: the envelope names their workspace, authorizations[0] ours. Stored, ticked.
    msg, sent = ws.reply(PIA, SHARED, objectives.ts, "- Cut the time to first invoice")
    assert sent.status == 200
    assert fake.message(SHARED, msg.ts).reactions == {"white_check_mark": {BOT_USER_ID}}
    with bot.services.session() as s:
        (reply,) = s.exec(select(Reply).where(Reply.ts == msg.ts)).all()
        assert (reply.team_id, reply.user_team) == (fake.team_id, PARTNER)

    # They can't run /journey dept: the hint's button opens a form, which they submit from their workspace.
    hint = next(e for e in fake.ephemerals_for(PIA) if "Which department are you in?" in json.dumps(e.blocks))
    button = next(b for b in hint.blocks if b["type"] == "actions")["elements"][0]
    assert ws.click(PIA, SHARED, action_id=button["action_id"], value=button["value"]).status == 200
    view = fake.views[-1]
    assert view["callback_id"] == ids.DEPT_VIEW and view["_user"] == PIA
    answer = ws.submit_view(PIA, view, {ids.DEPT_BLOCK: {ids.DEPT_INPUT: {"type": "plain_text_input",
                                                                          "value": "logistics"}}})
    assert answer.status == 200 and not answer.body
    with bot.services.session() as s:
        profile = s.get(UserProfile, (fake.team_id, PIA))
        assert (profile.department, profile.user_team) == ("Logistics", PARTNER)
        assert s.get(UserProfile, (PARTNER, PIA)) is None  # nothing under the partner's workspace

    for _ in range(3):  # personas, stages, the first stage
        ws.command(FACILITATOR, SHARED, "next")
    stage = bot.last_prompt(SHARED)
    ws.reply(ANA, SHARED, stage.ts, "pain: pricing unclear")
    theirs, _ = ws.reply(PIA, SHARED, stage.ts, "pain: customs paperwork\ntouchpoint: tracking page")
    ws.edit(PIA, SHARED, theirs, "pain: customs paperwork takes days\ntouchpoint: tracking page")
    gone, _ = ws.reply(PAT, SHARED, stage.ts, "pain: to be withdrawn")
    ws.delete(SHARED, gone)
    # A /me reply and one whose content is only in rich-text blocks count as answers.
    me = fake.post_user_message(SHARED, PAT, "thinks the portal is slow", thread_ts=stage.ts)
    me.subtype = "me_message"
    ws.event({**me.as_event(), "channel_type": "channel"})
    rich = json.loads((FIXTURES / "message_rich_text_only.json").read_text(encoding="utf-8"))
    blocks_only = fake.post_user_message(SHARED, PAT, "", thread_ts=stage.ts)
    blocks_only.blocks = rich["blocks"]
    ws.event({**blocks_only.as_event(), "channel_type": "channel"})
    assert fake.message(SHARED, blocks_only.ts).reactions
    # A reply with nothing readable (a file alone) is told so privately, and stores nothing.
    empty = fake.post_user_message(SHARED, PAT, "", thread_ts=stage.ts)
    ws.event({**empty.as_event(), "subtype": "file_share", "files": [{"id": "F1", "name": "scan.pdf"}],
              "channel_type": "channel"})
    assert "couldn't find any text in this reply" in bot.last_said_to(PAT)
    # Buttons from the partner's side: a rating on the stage prompt.
    assert ws.click(PIA, SHARED, action_id=f"{ids.EMOTION_RATE}_2", value=f"{stage_id(stage)}:2",
                    message=stage).status == 200
    assert "You rated" in bot.last_said_to(PIA)

    # Dot voting: the ballot in the shared channel, votes from both sides.
    ws.command(FACILITATOR, SHARED, "vote --votes 2")
    offer = fake.ephemerals_for(FACILITATOR)[-1]  # two pain points read alike: the vote offers to merge them
    as_is = [e for b in offer.blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == ids.VOTE_AS_IS]
    if as_is:
        assert ws.click(FACILITATOR, SHARED, action_id=ids.VOTE_AS_IS, value=as_is[0]["value"],
                        ephemeral_ts=offer.ts).status == 200
    ballot = next(m for m in reversed(fake.channel_messages(SHARED, bot_only=True))
                  if any(b.get("accessory", {}).get("action_id") == ids.VOTE for b in m.blocks))
    values = {b["text"]["text"]: b["accessory"]["value"] for b in ballot.blocks
              if b.get("accessory", {}).get("action_id") == ids.VOTE}
    customs = next(v for k, v in values.items() if "customs" in k)
    for user in (PIA, ANA):
        assert ws.click(user, SHARED, action_id=ids.VOTE, value=customs, message=ballot).status == 200
    assert "Your dot is on" in bot.last_said_to(PIA)

    ws.command(FACILITATOR, SHARED, "close")
    data = export(bot)
    stage1 = data["stages"][0]
    pains = {p["text"]: p for p in stage1["pain_points"]}
    assert set(pains) == {"pricing unclear", "customs paperwork takes days",
                          "<https://example.com/pricing|pricing> is unclear to <@UANA>"}  # the last from blocks only
    assert "to be withdrawn" not in json.dumps(data)
    customs_item = pains["customs paperwork takes days"]
    assert (customs_item["votes"], customs_item["author_team"], customs_item["department"]) == (2, PARTNER, "Logistics")
    assert [e["user"] for e in stage1["emotions"]] == [PIA]
    people = {p["user"]: p for p in data["participants"]}
    assert (people[PIA]["team"], people[PIA]["external"], people[PIA]["name"]) == (PARTNER, True, "pia")
    assert (people[ANA]["external"], people[ANA]["department"]) == (False, "Marketing")
    assert people[PAT]["external"] and people[PAT]["contributions"] >= 2  # the /me line and the rich-text lines
    ws.command(FACILITATOR, SHARED, "export md")
    report = list(fake.files.values())[-1]["content"]
    report = report.decode() if isinstance(report, bytes) else report
    assert "| pia | TPARTNER (partner) | Logistics |" in report


def test_a_partner_reminder_slack_wont_deliver_goes_to_the_facilitator_once(shared):
    bot, ws, fake = shared, shared.ws, shared.fake
    fake.partners[PARTNER]["dm_error"] = "invalid_user_combination"  # their org allows no DMs from our apps
    ws.command(FACILITATOR, SHARED, "new Handover")
    ws.command(FACILITATOR, SHARED, f"action <@{PIA}|pia> Send the customs checklist due 2026-11-04")
    ws.command(FACILITATOR, SHARED, f"action <@{ANA}|ana> Fix pricing page due 2026-11-04")
    dispatcher = make_dispatcher(bot.services)
    bot.clock.advance(days=4)
    dispatcher.tick()
    dispatcher.tick()  # the relay, planned in the transaction that marked the reminder undeliverable
    dispatcher.tick()
    assert fake.dm_messages(ANA) and not fake.dm_messages(PIA)
    relayed = [m for m in fake.dm_messages(FACILITATOR) if "couldn't deliver this reminder to <@UPARTNER1>" in
               json.dumps(m.blocks)]
    assert len(relayed) == 1 and "Send the customs checklist" in json.dumps(relayed[0].blocks)
    assert "invalid_user_combination" in json.dumps(relayed[0].blocks)
    with bot.services.session() as s:
        statuses = {(r.kind, r.recipient): r.status for r in s.exec(select(Reminder))}
    assert statuses[("relayed", FACILITATOR)] == "sent"
    assert "undeliverable" in {v for (_, who), v in statuses.items() if who == PIA}


def test_a_partner_sees_only_the_shared_channels_workshops(shared):
    bot = shared
    directory = bot.services.directory
    assert directory.can_see(SHARED, PIA)
    assert not directory.can_see(CHANNEL, PIA)  # public in our workspace, but they are not in it
    assert directory.can_see(CHANNEL, BEN)  # anyone of ours may see a public channel's workshops


def test_a_partner_event_over_socket_mode_is_stored_under_our_workspace(shared):
    bot = shared
    bot.ws.command(FACILITATOR, SHARED, "new Socket")
    prompt = bot.last_prompt(SHARED)
    msg = bot.fake.post_user_message(SHARED, PIA, "an objective", thread_ts=prompt.ts)
    body = event_payload(team_id=bot.fake.team_id, event=msg.as_event(), event_id="EvSOCK1", actor_team=PARTNER,
                         actor_enterprise=PARTNER_ORG, shared=True)
    # Bolt's own listener path (Socket Mode and anything HTTP hands to Bolt): the `durable` listener.
    bot.app.dispatch(BoltRequest(body=json.dumps(body), mode="socket_mode"))
    with bot.services.session() as s:
        assert s.exec(select(InboxDone).where(InboxDone.key == "event:EvSOCK1")).first() is not None
        (reply,) = s.exec(select(Reply).where(Reply.ts == msg.ts)).all()
        assert (reply.team_id, reply.user_team) == (bot.fake.team_id, PARTNER)


def test_an_org_wide_install_keeps_a_person_s_department_across_the_org_s_workspaces(bot):
    """Enterprise Grid, installed org-wide: a command from one workspace of the org and events from another (where
    authorizations[0] names no team) are the same installation's, kept under the organisation."""
    fake, sender = bot.fake, bot.ws.sender
    org, first, second, person = "E0ORG", "T0GRID1", "T0GRID2", "W0GRID1"
    fake.add_user(person, "gia")
    fake.add_user("W0GRIDFAC", "gus")
    fake.add_channel("CGRID", "grid-journey", members=[person, "W0GRIDFAC"])

    def command(user: str, team: str, text: str):
        fields = command_fields(team_id=team, channel="CGRID", user=user, text=text,
                                response_url=fake.response_url("CGRID", user))
        fields.update(enterprise_id=org, enterprise_name="Grid Org", is_enterprise_install="true")
        assert sender.form(fields).status == 200

    command(person, first, "dept Finance")
    command("W0GRIDFAC", first, "new Grid journey")
    prompt = bot.last_prompt("CGRID")
    body = json.loads((FIXTURES / "event_org_wide_install_message.json").read_text(encoding="utf-8"))
    del body["_source"], body["_expect"]
    msg = fake.post_user_message("CGRID", person, "win more renewals", thread_ts=prompt.ts)
    body["team_id"] = second  # the person now works in another workspace of the org
    body["event"].update(ts=msg.ts, thread_ts=prompt.ts, text=msg.text, team=second, event_ts=msg.ts)
    assert sender.json(body).status == 200
    assert fake.message("CGRID", msg.ts).reactions
    with bot.services.session() as s:
        (reply,) = s.exec(select(Reply).where(Reply.ts == msg.ts)).all()
        assert (reply.team_id, reply.user_team) == (org, second)
        assert s.get(UserProfile, (org, person)).department == "Finance"
    assert not [e for e in fake.ephemerals_for(person) if "Which department" in json.dumps(e.blocks)]


def test_the_sandbox_plays_a_channel_shared_with_a_partner_organisation(bot):
    from fakeslack.sandbox import PARTNER_PEOPLE, PARTNER_TEAM, SHARED, Sandbox

    sandbox = Sandbox(bot.fake, bot.ws)
    sandbox.seed()
    channel, pia = SHARED[0], PARTNER_PEOPLE[0][0]
    assert bot.fake.team_of(pia) == PARTNER_TEAM
    sandbox.send("USFRAN", channel, "/journey new Shared journey", None)
    prompt = bot.last_prompt(channel)
    sandbox.send(pia, channel, "Ship on time", prompt.ts)
    mine = [m for m in bot.fake.channel_messages(channel) if m.user == pia]
    assert mine and mine[-1].reactions == {"white_check_mark": {BOT_USER_ID}}
    assert "Ship on time" in json.dumps(sandbox.view(pia, channel, prompt.ts))


def test_a_participant_slack_no_longer_knows_keeps_their_id_in_the_export(shared):
    bot, ws, fake = shared, shared.ws, shared.fake
    ws.command(FACILITATOR, SHARED, "new Gone")
    # users.info answers user_not_found from now on (once they answered, their Home's publish would know them)
    real = fake.m_users_info
    fake.m_users_info = lambda args: (_ for _ in ()).throw(SlackError("user_not_found")) if args.get(
        "user") == PAT else real(args)
    ws.reply(PAT, SHARED, bot.last_prompt(SHARED).ts, "an objective")
    people = {p["user"]: p for p in export(bot)["participants"]}
    assert (people[PAT]["name"], people[PAT]["team"], people[PAT]["external"]) == (PAT, PARTNER, True)
    assert "users.info" in {c.method for c in fake.calls}


def test_a_partners_digest_holds_only_the_shared_channels_workshop(shared):
    bot, ws, fake = shared, shared.ws, shared.fake
    ws.command(FACILITATOR, SHARED, f"digest subscribe daily <@{PIA}>")
    assert f"Subscribed <@{PIA}>" in bot.last_said_to(FACILITATOR)
    bot.clock.advance(minutes=5)
    ws.command(FACILITATOR, CHANNEL, "new Internal pricing review")
    ws.command(FACILITATOR, CHANNEL, f"action <@{ANA}> Raise the enterprise tier due 2026-12-15")
    ws.command(FACILITATOR, SHARED, "new Partner onboarding")
    ws.command(FACILITATOR, SHARED, f"action <@{PIA}> Cut the time to first invoice due 2026-12-15")
    bot.clock.advance(days=1)
    make_dispatcher(bot.services).tick()
    (digest,) = fake.dm_messages(PIA)
    text = json.dumps(digest.blocks, ensure_ascii=False)
    assert "Partner onboarding" in text, text
    assert "Internal pricing" not in text and "enterprise tier" not in text


def test_a_partner_who_only_rates_is_named_with_their_workspace(shared):
    bot, ws = shared, shared.ws
    ws.command(FACILITATOR, SHARED, "new Ratings only")
    for _ in range(3):
        ws.command(FACILITATOR, SHARED, "next")
    stage = bot.last_prompt(SHARED)
    assert ws.click(PAT, SHARED, action_id=f"{ids.EMOTION_RATE}_4", value=f"{stage_id(stage)}:4",
                    message=stage).status == 200
    people = {p["user"]: p for p in export(bot)["participants"]}
    assert (people[PAT]["team"], people[PAT]["external"], people[PAT]["contributions"]) == (PARTNER, True, 1)
