"""The picture after a review (issue 14): the emotion curve the review started from, drawn behind the current one,
lighter and dashed, with hollow dots, named in the key "previous review, <date>"; and each stage's metrics, a small
line under its name. Both stay inside their boxes in either layout."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.render.picture import PREVIOUS_COLOUR, _dashes, metrics_line, picture_size, plan_map, render_map
from tests.test_picture import NORMAL, assert_text_inside_its_box, journey, labels, stage


def metric(name: str, text: str, previous: str | None = None) -> dict:
    return {"name": name, "value": float(text.rstrip("%")), "text": text,
            "previous": {"name": name, "text": previous} if previous else None}


REVIEWED = journey([
    {**stage("Awareness", touchpoints=["Google ad"], pains=[("Pricing unclear", 4)], avg=4.0, spread=0.5),
     "metrics": [metric("NPS", "32", "20"), metric("CSAT", "4.1")]},
    {**stage("Consideration", touchpoints=["Demo"], pains=[("Demo slots booked out", 2)], avg=3.5, spread=1.0),
     "metrics": [metric("Conversion", "3.2%")]},
    stage("Decision", pains=[("Card payment fails", 6)], avg=2.0, spread=0.5),
], previous={"review": 1, "date": "2027-02-01", "at": "2027-02-01T09:00:00Z", "stages": [
    {"name": "Awareness", "position": 0, "emotion_average": 1.5, "emotion_spread": 0.5},
    {"name": "Consideration", "position": 1, "emotion_average": 3.0, "emotion_spread": 0.0},
    {"name": "Decision", "position": 2, "emotion_average": 2.5, "emotion_spread": 0.5}],
    "resolved": [], "still": [], "worse": [], "new": [], "actions_done": []})


def previous_dashes(plan):
    return [s for s in plan.strokes if s.colour == PREVIOUS_COLOUR]


def test_the_previous_curve_is_drawn_dashed_through_the_earlier_averages():
    plan = plan_map(REVIEWED)
    box = plan.emotion
    hollow = sorted((m for m in plan.markers if m.role == "emotion" and m.colour == "white"), key=lambda m: m.x)
    assert len(hollow) == 3 and all(m.edge == PREVIOUS_COLOUR for m in hollow)

    def rating_at(y: float) -> float:
        return 0.5 + (box.bottom - y) / box.height * 5

    assert [round(rating_at(m.y), 2) for m in hollow] == [1.5, 3.0, 2.5]
    current = sorted((m for m in plan.markers if m.role == "emotion" and m.colour != "white"), key=lambda m: m.x)
    assert [round(rating_at(m.y), 2) for m in current] == [4.0, 3.5, 2.0]
    dashes = previous_dashes(plan)
    assert len(dashes) > 10  # dashed: many short pieces, not one line
    assert all(box.left <= x <= box.right and box.top <= y <= box.bottom for d in dashes for x, y in d.points)
    assert "previous review, 2027-02-01" in " ".join(plan.legend)


def test_a_map_never_reviewed_has_no_previous_curve_nor_its_key():
    for data in (NORMAL, journey(NORMAL["stages"], previous=None),
                 journey(NORMAL["stages"], previous={"date": "2027-02-01", "stages": [
                     {"name": "Awareness", "position": 0, "emotion_average": None, "emotion_spread": None}]})):
        plan = plan_map(data)
        assert previous_dashes(plan) == [] and not any("previous review" in e for e in plan.legend)


def test_each_stage_shows_its_metrics_under_its_name():
    plan = plan_map(REVIEWED)
    shown = {t.gid: t.text for t in labels(plan, "stage:") if t.gid.endswith(":metrics")}
    assert shown == {"stage:0:metrics": "NPS 32 · CSAT 4.1", "stage:1:metrics": "Conversion 3.2%"}
    assert metrics_line({"metrics": []}) == "" and not any(
        t.gid.endswith(":metrics") for t in labels(plan_map(NORMAL), "stage:"))
    # The stage row grows by the metrics line, only when some stage has metrics.
    assert plan.boxes["stage:0"].height > plan_map(journey(REVIEWED["stages"][2:])).boxes["stage:0"].height


@pytest.mark.parametrize("layout", ["default", "wide"])
def test_after_a_review_every_line_stays_inside_its_box_and_the_png_decodes(layout):
    assert_text_inside_its_box(REVIEWED, layout)
    png = render_map(REVIEWED, "png", layout=layout)
    assert Image.open(io.BytesIO(png)).size == picture_size(REVIEWED, layout)


def test_dashes_follow_the_line_and_leave_gaps():
    line = [(0.0, 0.0), (95.0, 0.0), (95.0, 50.0)]  # the corner falls inside the dash from 90 to 99
    dashes = _dashes(line, 9.0, 6.0)
    drawn = sum(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 for d in dashes for (x0, y0), (x1, y1) in zip(d, d[1:]))
    assert 145 * 9 / 15 - 9 <= drawn <= 145 * 9 / 15 + 9  # about three fifths drawn
    assert dashes[0] == [(0.0, 0.0), (9.0, 0.0)] and dashes[1] == [(15.0, 0.0), (24.0, 0.0)]
    assert all(x == 95.0 or y == 0.0 for d in dashes for x, y in d)  # on the line
    assert [(90.0, 0.0), (95.0, 0.0), (95.0, 4.0)] in dashes  # a dash that turns the corner keeps it
