"""SHAP benchmark: seconds per explained model at ``--rows`` out-of-fold rows, the seconds of the
explanation files and plots, SHAP's share of the run and the run folder's size.

    python benchmarks/shap.py --comp hotstar                  # the synthetic small sample
    python benchmarks/shap.py --comp talkingdata --data-dir ../shared/data/talkingdata

Runs ``run.py --preset quick`` (each model with its defaults, no tuning) with ``--shap-rows
ROWS`` into a temporary folder: every model is explained on ROWS sampled out-of-fold rows,
each by the fold model that did not train on it (TreeSHAP, shap's LinearExplainer or its
PermutationExplainer), exactly as a run does.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

from common import peak_rss_gib

# This script's folder leaves the import path: this file would otherwise be imported as the
# shap library itself.
HERE = Path(__file__).resolve().parent
sys.path[:] = [entry for entry in sys.path if Path(entry or ".").resolve() != HERE]

from podium.options import RunOptions  # noqa: E402
from podium.runner import run  # noqa: E402


def folder_mib(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comp", default="hotstar")
    parser.add_argument("--data-dir", type=Path, help="real files (default: the synthetic sample)")
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="small")
    parser.add_argument("--models", default="logreg,lgbm,xgb,catboost")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--jobs", type=int, help="fold worker processes (default: podium's)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    with tempfile.TemporaryDirectory() as out:
        options = RunOptions(
            comp=args.comp, preset="quick", data_dir=args.data_dir, out=Path(out),
            synthetic_scale=args.synthetic_scale, models=tuple(args.models.split(",")),
            shap_rows=args.rows, seed=args.seed, progress=False, jobs=args.jobs,
        )  # fmt: skip
        started = time.perf_counter()
        result = run(options)
        wall = time.perf_counter() - started
        summary = json.loads((result.run_dir / "run.json").read_text())
        print(f"{args.comp}: {summary['data_source']}; {summary['train_rows']:,} training rows, "
              f"{summary['n_features']:,} features; run {wall:.1f} s")  # fmt: skip
        for entry, seconds in summary["shap_seconds_by_entry"].items():
            if seconds:
                print(f"  {entry:14s} SHAP of {args.rows:,} OOF rows: {seconds:6.2f} s")
        print(f"  explanation files and plots: {summary['shap_files_seconds']:.1f} s")
        share = 100 * summary["shap_seconds"] / summary["total_seconds"]
        print(f"  SHAP in all: {summary['shap_seconds']:.1f} s, {share:.1f}% of the run")
        sizes = {name: folder_mib(result.run_dir / name) for name in ("explanations", "models")}
        print(f"  run folder {folder_mib(result.run_dir):.1f} MiB: explanations/ "
              f"{sizes['explanations']:.1f} MiB, models/ {sizes['models']:.1f} MiB "
              f"({', '.join(summary['explainable_models'])})")  # fmt: skip
        print(f"  peak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
