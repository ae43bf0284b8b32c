"""CSV and Markdown exports, and the Mermaid journey diagram inside the Markdown."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import jsonschema
import pytest

from bot import voting
from bot.journeymap import build_map as build_export
from bot.render.export import export_csv, export_markdown, mermaid_journey
from bot.workshop import departments
from tests.mermaid_journey import MermaidError, parse
from tests.runs import Run, T

SCHEMA = json.loads((Path(__file__).parent.parent / "schemas" / "journey-map-1.schema.json").read_text())


def full_map(session, clock, **kw) -> dict:
    departments.set_department(session=session, team_id=T, user_id="UANA", department="Marketing", now=clock())
    departments.set_department(session=session, team_id=T, user_id="UBEN", department="Sales", now=clock())
    run = Run(session, clock, objective="Cut abandonment", **kw)
    run.next()
    run.say("Olivia — ops lead")
    run.next()
    run.next()
    run.say("tp: Google ad\npain: pricing unclear\nidea: calculator\nemotion: 2", "UANA")
    run.say("tp: =HYPERLINK(\"http://evil\")\npain: slow | laggy <b>site</b>\nemotion: 4", "UBEN")
    run.next()
    run.say("pain: Title page confusing; #1 issue: no 50% discount\ntp: section 3 of the form", "UBEN")
    a, b, c = run.pain_ids()
    voting.open_vote(session=session, team_id=T, channel_id=run.channel, user_id="UFAC", votes=3, now=clock())
    voting.cast_vote(session=session, team_id=T, user_id="UANA", item_id=b, now=clock())
    return build_export(session=session, team_id=T, workshop_id=run.prompt.workshop_id)


def test_json_has_the_new_fields_and_validates(session, clock):
    data = full_map(session, clock, map_type="blueprint")
    jsonschema.validate(data, SCHEMA)
    assert (data["map_type"], data["template"], data["future_of"]) == ("blueprint", "buyer", None)
    aw = data["stages"][0]
    assert [(p["text"], p["votes"]) for p in aw["pain_points"]] == [("slow | laggy <b>site</b>", 1),
                                                                     ("pricing unclear", 0)]  # ranked by votes
    assert (aw["emotion_average"], aw["emotion_spread"]) == (3.0, 1.0)
    assert aw["frontstage"] == aw["backstage"] == []


def test_csv_has_a_row_per_item_and_defuses_formulas(session, clock):
    data = full_map(session, clock)
    rows = list(csv.DictReader(io.StringIO(export_csv(data).decode("utf-8-sig"))))
    assert list(rows[0]) == ["id", "stage", "lane", "text", "author", "department", "votes", "score", "created_at",
                             "number", "author_name", "merged_into", "author_team", "value", "effort",
                             "value_over_effort", "owner", "owner_name"]  # new columns only ever at the end
    lanes = [(r["stage"], r["lane"]) for r in rows]
    assert ("", "objective") in lanes and ("", "persona") in lanes
    assert lanes.count(("Awareness", "touchpoint")) == 2 and lanes.count(("Awareness", "emotion")) == 2
    pain = next(r for r in rows if r["text"] == "slow | laggy <b>site</b>")
    assert (pain["votes"], pain["department"], pain["author"], pain["number"]) == ("1", "Sales", "UBEN", "2")
    formula = next(r for r in rows if "HYPERLINK" in r["text"])
    assert formula["text"].startswith("'=")  # a spreadsheet shows it, doesn't run it
    assert {r["score"] for r in rows if r["lane"] == "emotion"} == {"2", "4"}


def test_markdown_report_has_tables_per_stage_and_a_valid_mermaid_journey(session, clock):
    data = full_map(session, clock)
    md = export_markdown(data).decode()
    assert md.startswith("# Map\n")
    assert "## Objectives" in md and "- Cut abandonment" in md and "### Olivia\n\n> ops lead" in md
    assert "### 1. Awareness" in md and "| Lane | # | Item | Votes | Who |" in md
    assert "| pain point | #2 | slow" in md  # numbered
    assert "slow \\| laggy &lt;b&gt;site&lt;/b&gt;" in md  # the table survives a pipe; no raw HTML
    assert "*Nothing was said about this stage.*" in md  # empty stages say so
    block = re.search(r"```mermaid\n(.*?)\n```", md, re.S).group(1)
    journey = parse(block)
    assert journey.title.strip() == "Map"
    assert [name.strip() for name, _ in journey.sections] == [s["name"] for s in data["stages"]]
    awareness = journey.sections[0][1]
    assert [(task, score) for task, score, _ in awareness] == [("Google ad", 3), ('=HYPERLINK("http //evil")', 3)]
    assert awareness[0][2] == ["Marketing"]
    consideration = journey.sections[1][1]
    assert consideration[0][0] == "– section 3 of the form"  # not read as a `section` line
    assert consideration[0][1] == 3  # no ratings: neutral
    assert all(tasks for _, tasks in journey.sections)  # a stage with no touchpoints still has a task


def test_the_mermaid_checker_rejects_what_mermaid_rejects():
    ok = "journey\n    title T\n    section A\n        Task: 5: Me\n"
    assert parse(ok).sections == [("A", [("Task", 5, ["Me"])])]
    for bad in ("title T", "journey\n title T\n Task: 5: Me", "journey\n title T\n section A\n Task: 9: Me",
                "journey\n title T\n section A\n Task; 3: Me", "journey\n section A\n Task: 3: Me"):
        with pytest.raises(MermaidError):
            parse(bad)


@pytest.mark.parametrize("title", ["Plain", "Q1: #1 priority; really", "section 2", "journey", "%% comment", "€ 😀"])
def test_mermaid_survives_any_title_and_names(title):
    data = {"workshop": {"title": title}, "stages": [
        {"name": title, "touchpoints": [{"text": title, "department": title}], "emotion_average": 4.6},
        {"name": "Empty", "touchpoints": [], "emotion_average": None},
    ]}
    journey = parse(mermaid_journey(data))
    assert len(journey.sections) == 2 and journey.sections[0][1][0][1] == 5


HOSTILE_MD = ["![x](https://evil.example/pixel.png)", "[login](https://evil.example/login)", "<img src=x onerror=alert(1)>",
              "<script>alert(1)</script>", "<https://evil.example|click>", "```\nmermaid break-out\n```",
              "# heading", "[ref]: https://evil.example", "a | b", "*bold* _em_ `code` ~strike~ \\\\ back",
              "%%{init: {'theme': 'dark'}}%%", "section x: 5: y; title t"]


def _report_of(text: str) -> dict:
    """A map whose every piece of people's (or a model's) text is `text`, in every place the report shows text."""
    validation = {"task": 1, "status": "confirmed", "owner": "U1", "owner_name": text, "due": "2026-12-01",
                  "customers": 4, "customers_planned": 5, "note": text, "by": "U1", "at": None}
    variant = {"id": 2, "number": 2, "text": text, "author": "U1", "author_name": text, "department": text}
    return {"schema": "journey-map/1", "map_type": "current", "future_of": None,
            "workshop": {"id": 1, "title": text, "template": "custom", "status": "open", "facilitators": ["U1"],
                         "facilitator_names": [text]},
            "objectives": [{"text": text}],
            "personas": [{"name": text, "description": text, "author_name": text, "department": text}],
            "stages": [{"name": text, "emotion_average": 2.0, "emotion_spread": 0.0,
                        "emotions": [{"user": "U1", "user_name": text, "department": text, "score": 2, "note": text}],
                        "touchpoints": [{"text": text, "department": text, "author_name": text}],
                        "pain_points": [{"id": 1, "number": 1, "text": text, "author": "U1", "author_name": text,
                                         "department": text, "departments": [text], "votes": 1, "actions": [7],
                                         "validation": validation, "variants": [variant, {**variant, "id": 1}]}],
                        "opportunities": [], "frontstage": [], "backstage": [], "unsorted": []}],
            "action_items": [{"id": 7, "text": text, "owner": "U1", "owner_name": text, "due": "2026-12-01",
                              "status": "open", "pain_point_number": 1}],
            "synthesis": {"source": "model", "model": text, "prompts": [text],
                          "clusters": [{"statement": text, "item_ids": [1, 2], "undone": False}],
                          "stages": [{"stage": text, "summary": text, "disagreement": text}],
                          "opportunities": [{"how_might_we": text}], "validation_guides": [
                              {"pain_point_id": 1, "number": 1, "questions": [text]}]},
            "participants": [{"user": "U1", "name": text, "department": text, "contributions": 1}]}


def _shape(prose: str) -> list:
    """Each line's Markdown structure: how it starts (heading, list, table, fence) and its table cells."""
    return [(re.match(r"(#+ |- |\d+\. |\| |```|\*)?", line).group(0), len(re.findall(r"(?<!\\)\|", line)))
            for line in prose.splitlines()]


@pytest.mark.parametrize("text", HOSTILE_MD)
def test_the_markdown_report_shows_text_as_typed_never_as_markdown_html_or_mermaid(text):
    def parts(md: str) -> tuple[str, str]:
        report, _, rest = md.partition("```mermaid\n")
        diagram, _, after = rest.partition("\n```\n")
        return report + after, diagram

    prose, diagram = parts(export_markdown(_report_of(text)).decode())
    plain_prose, _ = parts(export_markdown(_report_of("plain words")).decode())
    # Outside the diagram: no link, image, reference, autolink or tag, no code, and the report's structure
    # (headings, lists, tables, fences) is the same as with plain words.
    assert re.search(r"(?<!\\)\]\(|(?<!\\)\[[^\]]*(?<!\\)\]:|<|(?<!\\)`", prose) is None, prose
    assert _shape(prose) == _shape(plain_prose), prose
    # The diagram: Mermaid's grammar holds, one stage with one task; no HTML, entity, fence or directive.
    journey = parse(diagram)
    assert len(journey.sections) == 1 and len(journey.sections[0][1]) == 1
    assert not re.search(r"[<>&`]|%%", diagram), diagram
