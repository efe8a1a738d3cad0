"""SHAP benchmark: TreeSHAP of LightGBM on sampled out-of-fold rows of a full-scale Hotstar run.

    python benchmarks/shap.py --rows 2000

Cross-validates LightGBM on the full synthetic Hotstar sample (200,000 training users) and
explains ``--rows`` out-of-fold rows, each with the fold model that did not train on it, exactly
as a run does. Prints the SHAP seconds (the target is at most 60 s for 2,000 rows on 2 cores).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from common import peak_rss_gib

from competitions import hotstar
from models import make_model
from podium.cv import cross_validate, explain
from podium.explain import shap_table
from podium.folds import make_folds
from podium.metrics import get_metric


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="full")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()

    dataset = hotstar.synthesize(args.synthetic_scale, args.seed)
    features = hotstar.build_features(dataset)
    fold = make_folds(hotstar.SPEC.folds, dataset.y, args.folds, args.seed)
    rows = np.sort(
        np.random.default_rng(args.seed).choice(len(dataset.y), args.rows, replace=False)
    )
    started = time.perf_counter()
    result = cross_validate(
        "lgbm", lambda: make_model("lgbm", task="binary", n_classes=2, seed=args.seed),
        features.X_train, dataset.y, features.X_test, fold, get_metric("roc_auc"),
        keep_models=True,
    )  # fmt: skip
    total = time.perf_counter() - started
    explain(result, features.X_train, fold, rows, cap=float("inf"))
    assert result.shap is not None
    table = shap_table(result.shap, features.names, dataset.classes)
    print(f"{len(dataset.y):,} training users, {features.n_features:,} features")
    print(
        f"lgbm CV AUC {result.cv_mean:.4f}; fit {result.fit_seconds:.1f} s; CV total {total:.1f} s"
    )
    print(
        f"SHAP of {len(result.shap):,} out-of-fold rows: {result.shap_seconds:.1f} s "
        "(target <= 60 s)"
    )
    print("top features:", ", ".join(table["feature"].head(8)))
    print(f"peak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
