"""Does ``--drift-weights`` help under covariate shift? Runs the quick preset on hotstar's
synthetic sample with its test users shifted (``shift``), with and without drift weights, and
scores both submissions on held-out labels drawn from the test users' true probabilities.

    python benchmarks/drift.py                 # shift 1.0, 40,000 / 20,000 users, seed 42
    python benchmarks/drift.py --shift 1.5 --models lgbm
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from competitions.hotstar import SAMPLE
from competitions.hotstar_sample import generate
from podium.options import RunOptions
from podium.runner import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shift", type=float, default=1.0)
    parser.add_argument("--train", type=int, default=40_000)
    parser.add_argument("--test", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--models", default="logreg,lgbm")
    args = parser.parse_args()
    sample = generate(args.train, args.test, args.seed, shift=args.shift)
    dataset = SAMPLE.dataset(sample, f"benchmark, shift {args.shift:g}")
    held_out = np.random.default_rng(args.seed + 1).random(args.test) < sample.p_test
    truth = pd.Series(held_out.astype(int), index=sample.test.index)
    oracle = roc_auc_score(held_out, sample.p_test)
    print(f"shift {args.shift:g}: held-out oracle AUC {oracle:.4f}")
    for weigh in (False, True):
        with tempfile.TemporaryDirectory() as out:
            options = RunOptions(
                comp="hotstar", preset="quick", out=Path(out), seed=args.seed,
                models=tuple(args.models.split(",")), progress=False, report=False,
                shap_rows=0, drift_weights=weigh,
            )  # fmt: skip
            result = run(options, dataset=dataset)
            summary = json.loads((result.run_dir / "run.json").read_text())
            board = pd.read_csv(result.run_dir / "leaderboard.csv")
            tests = pd.read_csv(result.run_dir / "test_predictions.csv", index_col=0)
            tests.index = tests.index.astype(str)
            scores = {
                column: roc_auc_score(truth.loc[tests.index], tests[column])
                for column in tests.columns
            }
            sub = pd.read_csv(result.run_dir / "submission.csv", index_col=0)
            sub.index = sub.index.astype(str)
            shipped = roc_auc_score(truth.loc[sub.index], sub.iloc[:, 0])
            adv = summary["adversarial_validation"]
            label = "drift weights" if weigh else "unweighted"
            print(
                f"{label:>13}: adversarial AUC {adv['auc']:.3f}; shipped {summary['shipped']} "
                f"CV {board.iloc[0]['cv_mean']:.4f}, held-out AUC {shipped:.4f}; per model "
                + ", ".join(f"{k} {v:.4f}" for k, v in scores.items())
            )


if __name__ == "__main__":
    main()
