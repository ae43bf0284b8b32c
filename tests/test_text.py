from bot import text as t
from bot.storage.models import ItemKind


def test_split_lines_strips_bullets_and_blank_lines():
    text = "- one\n* two\n• three\n1. four\n2) five\n\n   \nsix"
    assert t.split_lines(text) == [(0, "one"), (1, "two"), (2, "three"), (3, "four"), (4, "five"), (7, "six")]


def test_split_lines_keeps_inner_hyphens_and_numbers():
    assert t.split_lines("-5% conversion\n2026 budget") == [(0, "-5% conversion"), (1, "2026 budget")]


def test_prefixes_type_lines_case_insensitively():
    cases = {
        "touchpoint: Google ad": (ItemKind.TOUCHPOINT, "Google ad"),
        "TP: demo call": (ItemKind.TOUCHPOINT, "demo call"),
        "Pain: pricing unclear": (ItemKind.PAIN_POINT, "pricing unclear"),
        "pain point: slow onboarding": (ItemKind.PAIN_POINT, "slow onboarding"),
        "idea: calculator": (ItemKind.OPPORTUNITY, "calculator"),
        "Opportunity:  self-serve trial": (ItemKind.OPPORTUNITY, "self-serve trial"),
        "*pain:* bold prefix": (ItemKind.PAIN_POINT, "bold prefix"),
        "just a thought": (ItemKind.UNSORTED, "just a thought"),
        "painful: not a prefix": (ItemKind.UNSORTED, "painful: not a prefix"),
    }
    for line, (kind, text) in cases.items():
        parsed = t.parse_stage_line(line)
        assert (parsed.kind, parsed.text) == (kind, text), line


def test_emotion_lines():
    assert t.parse_stage_line("emotion: 4 pretty good") == t.StageLine("emotion", "pretty good", score=4)
    assert t.parse_stage_line("emotion: 2/5 - confused").score == 2
    assert t.parse_stage_line("Emotion:5").score == 5
    for bad in ("emotion: 7", "emotion: great", "emotion: 0 meh", "emotion:"):
        parsed = t.parse_stage_line(bad)
        assert parsed.kind == "invalid" and "1 (very negative) to 5" in parsed.problem, bad


def test_prefix_without_text_is_a_problem():
    parsed = t.parse_stage_line("pain:")
    assert parsed.kind == "invalid" and "needs some text" in parsed.problem


def test_personas():
    assert t.parse_persona("Olivia — ops lead at a logistics firm") == ("Olivia", "ops lead at a logistics firm")
    assert t.parse_persona("Sam: busy CFO\nsigns off on budget\n- hates surprises") == (
        "Sam", "busy CFO\nsigns off on budget\nhates surprises")
    assert t.parse_persona("Jean-Luc - engineer") == ("Jean-Luc", "engineer")
    assert t.parse_persona("*Priya*") == ("Priya", "")


def test_mentions_and_broadcasts_are_made_inert():
    raw = "hey <!channel> and <!here> <!everyone> ask <@U123> or <@U456|bob> in <#C1|general> <!subteam^S1|@support>"
    shown = t.show(raw, 1000)
    for token in ("<!", "<@", "<#"):
        assert token not in shown
    assert "@channel" in shown and "@bob" in shown and "#general" in shown and "@support" in shown


def test_angle_brackets_and_ampersands_are_escaped():
    assert t.escape_mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert t.escape_mrkdwn("x <y> z") == "x &lt;y&gt; z"  # not a Slack token: kept as typed, escaped


def test_links_read_as_their_label_and_address():
    assert t.plain("<https://evil.example|click me>") == "click me (https://evil.example)"
    assert t.plain("see <https://example.com>") == "see https://example.com"
    assert t.plain("<https://example.com/|example.com>") == "https://example.com/"  # Slack's own auto-link
    assert t.plain("<mailto:ana@example.com|ana@example.com>, <tel:+441234|call>") == "ana@example.com, call (+441234)"
    # One inside another: the outer token goes too, once the inner one is words.
    assert t.plain("<!date^1^{date}|<https://evil.example|Monday>>") == "Monday (https://evil.example)"
    for hostile in ("<https://evil.example|click>", "<<https://a|b>https://evil.example|click>",
                    "<!date^1^{date}|<https://evil.example|x>>", "<!subteam^S1|@all> <!here> <@U1> <#C1>"):
        shown = t.show(hostile, 1000)
        assert "<" not in shown and ">" not in shown, hostile


def test_nul_bytes_and_lone_surrogates_are_removed_and_the_rest_kept():
    assert t.clean("pain: a\x00b\ud800c 😀") == "pain: abc 😀"
    assert t.from_slack("x\x00 &lt;\udfff y") == "x < y"


def test_from_slack_decodes_entities_but_keeps_tokens():
    assert t.from_slack("&lt;3 &amp; <@U1>") == "<3 & <@U1>"


def test_shorten():
    assert t.shorten("short", 10) == "short"
    long = "word " * 100
    out = t.shorten(long, 50)
    assert len(out) <= 50 and out.endswith("…")
    assert len(t.shorten("x" * 40000, 300)) == 300


def test_blueprint_lanes_only_on_blueprints():
    assert t.parse_stage_line("frontstage: agent calls", blueprint=True).kind == ItemKind.FRONTSTAGE
    assert t.parse_stage_line("support: CRM sync", blueprint=True).kind == ItemKind.BACKSTAGE
    assert t.parse_stage_line("backstage: billing run", blueprint=True).kind == ItemKind.BACKSTAGE
    assert t.parse_stage_line("frontstage: agent calls").kind == ItemKind.UNSORTED  # asked, not dropped


def test_a_personas_attribute_lines_are_its_details_not_personas_of_their_own():
    reply = ("Sam the shop owner: runs a two-person shop\nBudget: tight\n*Goals*: sell online\nUses a phone\n"
             "Priya — procurement lead\nRole: approves vendors")
    assert t.parse_personas(reply) == [
        ("Sam the shop owner", "runs a two-person shop\nBudget: tight\n*Goals*: sell online\nUses a phone"),
        ("Priya", "procurement lead\nRole: approves vendors")]
    assert t.parse_personas("Budget Bob: price-sensitive buyer\nNeeds: a clear quote") == [
        ("Budget Bob", "price-sensitive buyer\nNeeds: a clear quote")]
