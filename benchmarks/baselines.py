"""Baselines benchmark: each model's CV score and fit time without and with class weights.

    python benchmarks/baselines.py                              # real TalkingData, every baseline
    python benchmarks/baselines.py --models logreg,rf --folds 3

Runs podium's runner (as ``run.py --comp COMP --data-dir DIR --class-weight none``, then
``--class-weight balanced``) with the same seed, hence the same folds, and prints one Markdown
table: model, class weight, CV score mean ± std over the folds, and the seconds spent fitting
and predicting (summed over the folds). The run folders go to a temporary folder, or --out.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from common import ROOT, peak_rss_gib

from competitions import COMPETITIONS
from podium.options import RunOptions
from podium.runner import run

BASELINES = "logreg,logreg-kbest,logreg-pca,svm,svm-rbf,knn,rf,mlp"
CLASS_WEIGHTS = ("none", "balanced")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="Each model is cross-validated once per class weight; ensembles are left out "
        "of the table.",
    )
    parser.add_argument(
        "--comp", choices=COMPETITIONS.names(), default="talkingdata", help="competition"
    )
    parser.add_argument(
        "--data-dir", type=Path, help="the competition's files (default: ../shared/data/COMP)"
    )
    parser.add_argument("--models", default=BASELINES, help=f"comma-separated; default {BASELINES}")
    parser.add_argument("--folds", type=int, default=5, help="CV folds (default 5)")
    parser.add_argument("--seed", type=int, default=42, help="seed of folds and models")
    parser.add_argument("--out", type=Path, help="keep the run folders here (default: temporary)")
    parser.add_argument("--verbose", action="store_true", help="show the runner's log")
    args = parser.parse_args()
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s"
    )
    data_dir = args.data_dir or ROOT.parent / "shared" / "data" / args.comp
    out = args.out or Path(tempfile.mkdtemp(prefix="podium-baselines-"))
    models = tuple(args.models.split(","))

    rows, metric = [], ""
    started = time.perf_counter()
    for class_weight in CLASS_WEIGHTS:
        run_started = time.perf_counter()
        options = RunOptions(
            comp=args.comp, data_dir=data_dir, out=out, folds=args.folds, seed=args.seed,
            models=models, class_weight=class_weight, progress=False, report=False, shap_rows=0,
        )  # fmt: skip
        board = run(options).leaderboard
        print(
            f"--class-weight {class_weight}: {time.perf_counter() - run_started:.0f} s, "
            f"peak RSS so far {peak_rss_gib():.2f} GiB",
            flush=True,
        )
        board = board[board["kind"] == "model"].set_index("model")
        metric = str(board["metric"].iloc[0])
        rows += [(name, class_weight, board.loc[name]) for name in models]

    print(f"\n{args.comp}, {args.folds} folds, seed {args.seed}, data {data_dir}\n")
    print(f"| model | class weight | CV {metric} | fit s | predict s |")
    print("|---|---|---|---:|---:|")
    for name, class_weight, row in sorted(rows, key=lambda r: models.index(r[0])):
        print(
            f"| {name} | {class_weight} | {row['cv_mean']:.4f} ± {row['cv_std']:.4f} "
            f"| {row['fit_seconds']:.1f} | {row['predict_seconds']:.1f} |"
        )
    print(f"\nwall time {time.perf_counter() - started:.0f} s; run folders in {out}")


if __name__ == "__main__":
    main()
