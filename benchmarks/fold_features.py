"""Cluster-membership features and target encodings on the same folds: LightGBM with and
without each, CV score per configuration.

    python benchmarks/fold_features.py --data-dir ../shared/data/talkingdata
    python benchmarks/fold_features.py --comp talkingdata --synthetic-scale small

Each configuration is a full run (``podium.runner.run``) in one run area, so the shared
features are built once and then read from the feature store; the folds are the same in all
runs (same seed). Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from common import peak_rss_gib

from competitions import get_competition
from podium.loading import load_dataset
from podium.options import RunOptions
from podium.runner import run

CONFIGS = {
    "shared features only": {"clusters": "none", "target_encoding": "off"},
    "+ clusters (kmeans, gmm)": {"clusters": "kmeans,gmm", "target_encoding": "off"},
    "+ target encoding": {"clusters": "none", "target_encoding": "on"},
    "+ both": {"clusters": "kmeans,gmm", "target_encoding": "on"},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comp", default="talkingdata", help="competition (default talkingdata)")
    parser.add_argument("--data-dir", type=Path, help="the competition's files (else synthetic)")
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="small")
    parser.add_argument("--models", default="lgbm", help="comma-separated models (default lgbm)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--cluster-k", type=int, default=8)
    parser.add_argument("--out", type=Path, help="run area (default: a new temporary folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    out = args.out or Path(tempfile.mkdtemp(prefix="podium-fold-features-"))
    base = RunOptions(
        comp=args.comp, data_dir=args.data_dir, out=out, folds=args.folds, seed=args.seed,
        models=tuple(args.models.split(",")), synthetic_scale=args.synthetic_scale,
        cluster_k=args.cluster_k, progress=False, report=False, shap_rows=0,
    )  # fmt: skip
    spec = get_competition(args.comp)
    dataset, _ = load_dataset(spec, base)
    print(f"data: {dataset.source}; run area {out}")
    rows = []
    for label, changes in CONFIGS.items():
        options = RunOptions(**{**base.__dict__, **changes})
        started = time.perf_counter()
        result = run(options, dataset=dataset)
        wall = time.perf_counter() - started
        for _, entry in result.leaderboard[result.leaderboard["kind"] == "model"].iterrows():
            subsets = {
                c: entry[c] for c in entry.index if c.startswith("oof_") and c != "oof_score"
            }
            rows.append(
                f"| {label} | {entry['model']} | {result.n_features:,} | "
                f"{entry['cv_mean']:.4f} ± {entry['cv_std']:.4f} | "
                + " | ".join(f"{v:.4f}" for v in subsets.values())
                + f" | {result.feature_seconds:.1f} | {entry['fit_seconds']:.1f} | {wall:.0f} |"
            )
            subset_names = [c.removeprefix("oof_") for c in subsets]
        print(rows[-1], flush=True)
    metric = result.leaderboard["metric"].iloc[0]
    print()
    print(
        f"| features | model | columns | CV {metric} (mean ± std) | "
        + " | ".join(subset_names)
        + " | feature s | fit s | wall s |"
    )
    print("|---" * (7 + len(subset_names)) + "|")
    print("\n".join(rows))
    print(f"\npeak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
