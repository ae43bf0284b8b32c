"""The basic synthesis: no model, no network. Duplicates grouped by text similarity (rapidfuzz), summaries from
counts, opportunities and action items phrased from the top pain points, interview guides from the question
bank in prompts/validation_questions.md."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from bot.synthesis.schemas import (
    Cluster,
    DraftAction,
    Opportunity,
    StageSummary,
    SynthesisResult,
    ValidationGuide,
)

SIMILAR = 65  # rapidfuzz token_set_ratio on normalised words; checked on tests/synthesis_fixture.py
TOP = 5
_STOP = set(
    "a an the is are was were be been being to of on in for at by with and or but not no nor isn't aren't don't "
    "doesn't can't cannot won't we our us they them their it its this that there have has had do does did get gets "
    "got so too very all any some people customers customer user users just still always never yet".split()
)
# Words people use for the same thing, folded together (general, not tuned to one workshop).
_SAME = {"price": "pric", "pricing": "pric", "prices": "pric", "site": "website", "web": "website",
         "reply": "respons", "replies": "respons", "response": "respons", "responses": "respons",
         "outdated": "old", "crash": "crash", "crashes": "crash", "crashing": "crash",
         "fail": "fail", "fails": "fail", "failing": "fail", "failed": "fail"}
_WORD = re.compile(r"[a-z0-9']+")


def normalise(text: str) -> str:
    words = set()
    for w in _WORD.findall(text.lower()):
        if w in _STOP:
            continue
        w = _SAME.get(w, w)
        for suffix in ("ing", "ed", "es", "s"):
            if len(w) > 4 and w.endswith(suffix):
                w = w[: -len(suffix)]
                break
        words.add(_SAME.get(w, w))
    return " ".join(sorted(words))


def group_duplicates(texts: list[str], threshold: int = SIMILAR) -> list[list[int]]:
    """Groups of indices whose texts say the same thing (complete linkage: every member is similar to every
    other, so chains of loosely related lines don't merge). Vectorised: one similarity matrix (rapidfuzz, C++),
    then one numpy pass; no Python loop over pairs."""
    import numpy as np
    from rapidfuzz import fuzz, process

    if len(texts) < 2:
        return []
    norm = [normalise(t) for t in texts]
    scores = process.cdist(norm, norm, scorer=fuzz.token_set_ratio, dtype=np.uint8, workers=1)
    empty = np.array([not n for n in norm])
    scores[empty, :] = 0
    scores[:, empty] = 0
    n = len(texts)
    order = sorted(range(n), key=lambda i: -len(norm[i]))  # the fullest statement leads its group
    linkage = np.zeros((n, n), dtype=np.uint8)  # row c: each item's lowest similarity to group c's members
    members: list[list[int]] = []
    for i in order:
        if members:
            candidates = linkage[: len(members), i]
            best = int(np.argmax(candidates))
            if candidates[best] >= threshold:
                members[best].append(i)
                np.minimum(linkage[best], scores[i], out=linkage[best])
                continue
        linkage[len(members)] = scores[i]
        members.append([i])
    return [sorted(m) for m in members if len(m) > 1]


def _questions() -> list[str]:
    path = Path(__file__).resolve().parents[2] / "prompts" / "validation_questions.md"
    return [line[2:].strip() for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- ")]


def synthesize(data: dict, *, note: str | None = None) -> SynthesisResult:
    """`data` is the map model (bot.journeymap.build_map): the same content the exports and the map show."""
    pains = [(p, st["name"]) for st in data["stages"] for p in st["pain_points"]]
    groups = group_duplicates([p["text"] for p, _ in pains])
    clusters = [Cluster(statement=pains[g[0]][0]["text"], item_ids=[pains[i][0]["id"] for i in g]) for g in groups]

    # Top pain points: by votes, then by how many lines say the same.
    size = {pains[i][0]["id"]: len(g) for g in groups for i in g}
    in_group_lead = {pains[g[0]][0]["id"] for g in groups}
    grouped = {pains[i][0]["id"] for g in groups for i in g}
    leads = [(p, stage) for p, stage in pains if p["id"] in in_group_lead or p["id"] not in grouped]
    top = sorted(leads, key=lambda ps: (-ps[0].get("votes", 0), -size.get(ps[0]["id"], 1), ps[0]["id"]))[:TOP]

    stages = [_stage_summary(st) for st in data["stages"]]
    opportunities = [Opportunity(how_might_we=f"How might we make sure customers at {stage} no longer face: "
                                 f"“{_short(p['text'])}”?", pain_point_id=p["id"]) for p, stage in top]
    actions = [DraftAction(text=f"Find the cause of “{_short(p['text'])}” ({stage}) and propose a fix",
                           pain_point_id=p["id"]) for p, stage in top]
    guides = [ValidationGuide(pain_point_id=p["id"], questions=guide(p["text"], stage)) for p, stage in top[:3]]
    return SynthesisResult(source="basic", prompts=["validation_questions@1"], note=note, clusters=clusters,
                           stages=stages, opportunities=opportunities, action_items=actions, guides=guides)


def guide(pain: str, stage: str) -> list[str]:
    """Four open questions from the question bank, about this pain point at this stage."""
    return [q.format(pain=_short(pain), stage=stage) for q in _questions()[:4]]


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _stage_summary(st: dict) -> StageSummary:
    touch = [t["text"] for t in st["touchpoints"]]
    named = ", ".join(_short(t, 40) for t, _ in Counter(touch).most_common(3))
    parts = []
    parts.append(f"Customers meet us here through {named}." if named else "Nobody named a touchpoint here yet.")
    if st["emotion_average"] is not None:
        feel = ("feel bad" if st["emotion_average"] < 2.5 else "feel fine" if st["emotion_average"] < 3.5
                else "feel good")
        parts.append(f"They {feel} ({st['emotion_average']:.1f}/5 from {len(st['emotions'])} ratings, "
                     f"spread ±{st['emotion_spread']:.1f}).")
    if st["pain_points"]:
        parts.append("Top pain: " + "; ".join(_short(p["text"], 80) for p in st["pain_points"][:2]) + ".")
    by_dept: dict[str, list[int]] = defaultdict(list)
    for e in st["emotions"]:
        if e.get("department"):
            by_dept[e["department"]].append(e["score"])
    disagreement = None
    if len(by_dept) >= 2:
        avg = {d: sum(s) / len(s) for d, s in by_dept.items()}
        high, low = max(avg, key=avg.get), min(avg, key=avg.get)
        if avg[high] - avg[low] >= 1.5:
            disagreement = f"{high} rates {st['name']} {avg[high]:.0f}, {low} rates it {avg[low]:.0f}."
    return StageSummary(stage=st["name"], summary=" ".join(parts), disagreement=disagreement)
