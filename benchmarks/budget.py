"""Does ``run.py --time-budget B`` end within B + 10%? Runs whole CLI processes on a full-scale
synthetic competition, one fresh run area per budget, and prints wall time against budget.

    python benchmarks/budget.py                      # clickstream, budgets 60 180 600
    python benchmarks/budget.py --comp talkingdata --budgets 120 300

The wall time is the child process's, from start to exit, imports included. Full-scale synthetic
hotstar spends about 40 s generating its sample and building features before any model starts,
so with two models it needs budgets well above 60 s (at 60 s it stops with a clear error).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOLERANCE = 0.10


def run_once(comp: str, budget: float, scale: str, out: Path, extra: list[str]) -> dict:
    command = [
        sys.executable, str(ROOT / "run.py"), "--comp", comp, "--synthetic-scale", scale,
        "--time-budget", str(budget), "--out", str(out), "--no-progress", *extra,
    ]  # fmt: skip
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.monotonic() - started
    if done.returncode == 2 and "--time-budget" in done.stderr:  # "too small", said early
        return {"wall": wall, "too_small": done.stderr.strip().splitlines()[-1]}
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        raise SystemExit(f"run with --time-budget {budget:g} failed ({done.returncode})")
    (folder,) = [p for p in out.iterdir() if p.is_dir() and p.name not in ("tuning", ".cache")]
    summary = json.loads((folder / "run.json").read_text())
    tuning = json.loads((folder / "tuning.json").read_text())
    return {"wall": wall, "summary": summary, "tuning": tuning}


def _files(summary: dict) -> str:
    """Seconds writing the run folder: all of it, and without SHAP's tables and plots."""
    if "write_seconds" not in summary:
        return "-"
    write, shap = summary["write_seconds"], summary.get("shap_files_seconds", 0.0)
    return f"{write:.1f} ({write - shap:.1f} without SHAP plots)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comp", default="clickstream")
    parser.add_argument("--budgets", type=float, nargs="+", default=[60, 180, 600])
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="full")
    parser.add_argument("--models", help="comma-separated models (default: the competition's)")
    parser.add_argument("--data-dir", help="real data instead of the synthetic sample")
    args = parser.parse_args()
    extra = ["--models", args.models] if args.models else []
    if args.data_dir:
        extra += ["--data-dir", str(Path(args.data_dir).resolve())]

    rows = []
    for budget in args.budgets:
        with tempfile.TemporaryDirectory(prefix="podium-budget-") as tmp:
            result = run_once(args.comp, budget, args.synthetic_scale, Path(tmp), extra)
        wall = result["wall"]
        if "too_small" in result:
            # Refused early: it must say so within 10 s.
            ok = wall <= 10
            rows.append((budget, wall, ok, "-", result["too_small"], "-", "-", "-"))
            print(f"budget {budget:g} s: refused in {wall:.1f} s: {result['too_small']}")
            continue
        trials = ", ".join(
            f"{name} {t['trials_finished']} ({t['trials_stopped_by_budget']} stopped)"
            for name, t in result["tuning"].items()
        )
        best = ", ".join(
            f"{name} {t['default_value']:.4f}->{t['best_value']:.4f}"
            for name, t in result["tuning"].items()
            if t["best_value"] is not None and t["default_value"] is not None
        )
        ok = wall <= budget * (1 + TOLERANCE)
        summary = result["summary"]
        rows.append(
            (budget, wall, ok, trials, best, summary["shipped"], summary.get("load_seconds"),
             _files(summary))
        )  # fmt: skip
        print(f"budget {budget:g} s: wall {wall:.1f} s ({'ok' if ok else 'OVER'})", flush=True)

    data = args.data_dir or f"{args.synthetic_scale} synthetic"
    print(f"\n{args.comp} ({data}), tolerance +{TOLERANCE:.0%}")
    print(
        "| budget s | wall s | wall/budget | within | trials (stopped) | defaults->best | shipped "
        "| load s | write s |"
    )
    print("|---:|---:|---:|---|---|---|---|---:|---:|")
    for budget, wall, ok, trials, best, shipped, load, write in rows:
        print(
            f"| {budget:g} | {wall:.1f} | {wall / budget:.3f} | {'yes' if ok else 'NO'} | "
            f"{trials} | {best} | {shipped} | {load} | {write} |"
        )
    if not all(row[2] for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
