"""The basic synthesis of a big workshop: 2,000 lines (1,200 pain points among them), on one core.

    python -m bench.synthesis

Reported beside a baseline from the same run: normalising every line and grouping exact duplicates only, the
least any grouping must do. Each runs in a fresh process pinned to one core; best of three. Target: under 2 s.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time

PROBLEMS = [
    "pricing is not on the website", "demo slots are booked out for weeks", "card payments fail for EU customers",
    "support tickets take days to answer", "the mobile app crashes on Android", "onboarding emails all arrive at once",
    "there is no free trial", "the comparison page is outdated", "invoices cannot be paid by bank transfer",
    "new features are never announced", "cancelling requires emailing support", "the security questionnaire is missing",
]
FILLERS = ["really", "honestly", "for our customers", "again", "every time", "in the checkout", "on mobile",
           "for small teams", "this quarter", "after the update"]
STAGES = ["Awareness", "Consideration", "Decision", "Retention", "Loyalty"]
DEPTS = ["Marketing", "Sales", "Support", "Product", "Finance"]


def workshop(lines: int = 2000, pains: int = 1200, seed: int = 5) -> dict:
    rng = random.Random(seed)
    stages = {s: {"name": s, "touchpoints": [], "pain_points": [], "opportunities": [], "frontstage": [],
                  "backstage": [], "unsorted": [], "emotions": [], "emotion_average": None, "emotion_spread": None}
              for s in STAGES}
    for n in range(lines):
        st = stages[rng.choice(STAGES)]
        dept = rng.choice(DEPTS)
        if n < pains:
            words = rng.choice(PROBLEMS).split()
            if rng.random() < 0.5:
                words.insert(rng.randrange(len(words)), rng.choice(FILLERS))
            text = " ".join(words) + (f" ({rng.randrange(1000)})" if rng.random() < 0.3 else "")
            st["pain_points"].append({"id": n, "text": text, "department": dept, "votes": rng.randrange(4)})
        elif n % 2:
            st["touchpoints"].append({"id": n, "text": f"touchpoint {rng.randrange(50)}", "department": dept})
        else:
            st["emotions"].append({"user": f"U{n}", "department": dept, "score": rng.randint(1, 5), "note": None})
    for st in stages.values():
        scores = [e["score"] for e in st["emotions"]]
        if scores:
            st["emotion_average"] = sum(scores) / len(scores)
            st["emotion_spread"] = 1.0
    return {"workshop": {"title": "Big workshop"}, "stages": list(stages.values())}


def measure(kind: str) -> None:
    from bot.synthesis import basic

    data = workshop()
    start = time.perf_counter()
    if kind == "ours":
        result = basic.synthesize(data)
        out = {"clusters": len(result.clusters)}
    else:
        groups: dict[str, list[int]] = {}
        for st in data["stages"]:
            for p in st["pain_points"]:
                groups.setdefault(basic.normalise(p["text"]), []).append(p["id"])
        out = {"clusters": sum(1 for g in groups.values() if len(g) > 1)}
    print(json.dumps({"seconds": time.perf_counter() - start, **out}))


def run(kind: str) -> dict:
    from shutil import which

    cmd = [sys.executable, "-m", "bench.synthesis", "--measure", kind]
    if which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        return 0
    rows = []
    for kind, label in (("baseline", "exact duplicates only"), ("ours", "basic synthesis")):
        runs = [run(kind) for _ in range(3)]
        best = min(runs, key=lambda r: r["seconds"])
        rows.append((label, best["seconds"], best["clusters"]))
    print("2,000 lines (1,200 pain points, 12 problems in many wordings), fresh process on one core, best of 3")
    print(f"{'':<24}{'seconds':>9}{'groups':>8}")
    for label, seconds, clusters in rows:
        print(f"{label:<24}{seconds:>9.2f}{clusters:>8}")
    ours = rows[1][1]
    print(f"\n{'PASS' if ours < 2 else 'FAIL'}  basic synthesis {ours:.2f} s (target < 2 s)")
    return 0 if ours < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
