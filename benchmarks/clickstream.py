"""ClickStream benchmark: macro F1 of every entry, 5-fold stratified CV repeated with several
seeds, reported as mean ± std over folds and over repeats.

    python benchmarks/clickstream.py --data-dir ../shared/data/clickstream --repeats 3
    python benchmarks/clickstream.py --synthetic-scale small
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path

import numpy as np
from common import cv_report, peak_rss_gib

from competitions import clickstream
from competitions.files import find_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="the challenge's files (else synthetic)")
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="small")
    parser.add_argument("--seed", type=int, default=42, help="first fold seed; repeats add 1")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", default="logreg,lgbm")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    started = time.perf_counter()
    if args.data_dir is not None:
        dataset = clickstream.load(find_files(args.data_dir, clickstream.SPEC.files))
    else:
        dataset = clickstream.synthesize(args.synthetic_scale, args.seed)
    features = clickstream.build_features(dataset)
    print(f"{dataset.source}: load + features {time.perf_counter() - started:.1f} s")

    per_entry: dict[str, list[list[float]]] = {}
    for repeat in range(args.repeats):
        seed = args.seed + repeat
        print(f"-- repeat {repeat + 1}/{args.repeats}: fold seed {seed}")
        scores = cv_report(
            clickstream.SPEC, dataset, features, args.models.split(","),
            folds=args.folds, seed=seed, truth=dataset.truth,
        )  # fmt: skip
        for name, fold_scores in scores.items():
            per_entry.setdefault(name, []).append(fold_scores)
    print(f"\nmacro F1 over {args.repeats} repeats of {args.folds}-fold CV:")
    for name, repeats in sorted(per_entry.items(), key=lambda kv: -np.mean(kv[1])):
        means = [float(np.mean(r)) for r in repeats]
        fold_std = float(np.mean([np.std(r) for r in repeats]))
        print(
            f"  {name:12s} {np.mean(means):.4f}  (std over folds {fold_std:.4f}, "
            f"over repeats {np.std(means):.4f}; repeats {', '.join(f'{m:.4f}' for m in means)})"
        )
    print(f"peak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
