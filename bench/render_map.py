"""Rendering the journey map picture: an 8-stage map with 40 items in every lane, in both layouts.

    python -m bench.render_map

Each measurement runs in a fresh process pinned to one core that has first imported what a running bot has
loaded (`bot.app`), so "first render" is what the first `/journey map` costs: matplotlib's import (never paid at
start-up), loading the fonts, planning and drawing; "next renders" is the best of the following three. Peak memory
is the process's own (ru_maxrss). A baseline in the same run: a bare matplotlib figure with the same number of
text boxes and no layout logic, to tell the machine's speed apart from ours.
Targets: under 1.5 s and under 250 MB peak, in each layout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

STAGES, ITEMS = 8, 40
DEPARTMENTS = ["Sales", "Support", "Product", "Marketing", "Finance", "Legal"]
STATUSES = ["confirmed", "partly", "not_confirmed", "pending"]


def big_map(map_type: str = "blueprint") -> dict:
    def item(n: int, text: str, **kw) -> dict:
        return {"id": n, "text": text, "author": "U1", "department": "Sales", "created_at": "2026-11-22T10:00:00Z", **kw}

    stages = []
    for s in range(STAGES):
        lanes = {
            key: [item(i, f"{key} {s}.{i}: customers describe this step in a sentence or two of detail")
                  for i in range(ITEMS)]
            for key in ("touchpoints", "opportunities", "frontstage", "backstage", "unsorted")
        }
        lanes["pain_points"] = [item(i, f"pain {s}.{i}: waiting too long for an answer from us", votes=ITEMS - i,
                                     number=s * ITEMS + i + 1, departments=DEPARTMENTS[i % 4: i % 4 + 1 + i % 3],
                                     **({"validation": {"status": STATUSES[i % 4]}} if i % 3 == 0 else {}))
                                for i in range(ITEMS)]
        stages.append({"name": f"Stage {s + 1}", "position": s, **lanes, "emotions": [],
                       "emotion_average": 1 + (s % 5), "emotion_spread": 0.5})
    return {"schema": "journey-map/1", "workshop": {"id": 1, "title": "Benchmark map", "template": "buyer",
                                                     "status": "open"},
            "map_type": map_type, "template": "buyer", "future_of": None,
            "objectives": [item(1, "An objective")], "personas": [{"name": "Olivia", "description": "ops lead"}],
            "stages": stages, "action_items": [], "participants": []}


def measure(kind: str) -> None:
    """One measurement, in this (fresh) process: prints JSON with seconds and peak MB."""
    import resource

    import bot.app  # noqa: F401  (loaded in any running bot; matplotlib is not)

    data = big_map()
    start = time.perf_counter()
    if kind in ("default", "wide"):
        from bot.render.picture import render_map

        png = render_map(data, "png", layout=kind)
        first = time.perf_counter() - start
        again = []
        for _ in range(3):
            t = time.perf_counter()
            render_map(data, "png", layout=kind)
            again.append(time.perf_counter() - t)
        print(json.dumps({"seconds": first, "next": min(again), "peak_mb": _peak_mb(resource), "bytes": len(png)}))
        return
    else:
        import io

        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=(25, 15), dpi=110)
        FigureCanvasAgg(fig)
        for s in range(STAGES):
            for lane in range(6):
                fig.text(0.1 + s * 0.11, 0.9 - lane * 0.15, "\n".join(f"item {i}" for i in range(9)), fontsize=11.5)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        png = buf.getvalue()
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "next": None, "peak_mb": _peak_mb(resource), "bytes": len(png)}))


def _peak_mb(resource) -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(kind: str) -> dict:
    cmd = [sys.executable, "-m", "bench.render_map", "--measure", kind]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", "0", *cmd] if _has_taskset() else cmd
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _has_taskset() -> bool:
    from shutil import which

    return which("taskset") is not None


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
        return 0
    rows = []
    for label, kind in (("bare matplotlib", "bare"), ("ours", "default"), ("ours, wide", "wide")):
        runs = [run(kind) for _ in range(3)]
        best = min(runs, key=lambda r: r["seconds"])
        rows.append((label, best["seconds"], best["next"], max(r["peak_mb"] for r in runs), best["bytes"]))
    print(f"{STAGES} stages x {ITEMS} items in each of 6 lanes (blueprint), fresh process on one core, best of 3")
    print(f"{'renderer':<18} {'first render s':>15} {'next renders s':>15} {'peak MB':>8} {'PNG bytes':>10}")
    for label, first, nxt, peak, size in rows:
        shown = "—" if nxt is None else f"{nxt:.2f}"
        print(f"{label:<18} {first:>15.2f} {shown:>15} {peak:>8.0f} {size:>10}")
    bare, ours = rows[0], rows[1:]
    ok = all(first < 1.5 and peak < 250 for _, first, _, peak, _ in ours)
    slowest = max(first for _, first, _, _, _ in ours)
    print(f"\n{'PASS' if ok else 'FAIL'}  first render {slowest:.2f} s (target < 1.5, {slowest / bare[1]:.1f}x the bare "
          f"baseline), {max(peak for _, _, _, peak, _ in ours):.0f} MB peak (target < 250)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
