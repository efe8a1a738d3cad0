"""Adversarial validation: can a classifier tell the training rows from the test rows?

A LightGBM classifier learns ``is_test`` from the run's own feature matrices, cross-validated
on a seeded subsample of both sides (at most :data:`MAX_ROWS` rows of each, :data:`ROUNDS`
trees, one thread), so it costs seconds whatever the data's size. Its out-of-fold AUC says how
far apart the two sets are: 0.5 when they come from one distribution, near 1 when they do not,
in which case the folds may not reflect the test set (a warning above :data:`WARN_AUC`). The
features that separate them most are ranked by mean |SHAP| (LightGBM's own ``pred_contrib``)
over the out-of-fold rows.

For ``--drift-weights`` it also gives every training row its estimated test-likeness, out of
fold for the subsampled rows and from the fold models for the others (which none of them saw),
turned into importance weights p / (1 - p), clipped and normalised to mean 1
(:func:`drift_weights`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from core.deadlines import OutOfTime, check_time, deadline
from core.types import Matrix

log = logging.getLogger(__name__)

WARN_AUC = 0.7
MAX_ROWS = 4_000  # per side
FOLDS = 3
ROUNDS = 80
TOP = 10
MIN_ROWS = 2 * FOLDS  # per side; fewer rows cannot be cross-validated usefully
# Importance weights p / (1 - p) of the test-likeness p, clipped to this range (relative to
# the train/test size ratio) so that a few rows that look like nothing but test rows cannot
# carry the whole fit.
CLIP = (0.1, 10.0)
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "force_row_wise": True,
    "verbose": -1,
}


@dataclass(frozen=True)
class Adversarial:
    """The outcome: out-of-fold AUC, the top separating features, and what it cost."""

    auc: float
    top_features: tuple[tuple[str, float], ...]  # (name, mean |SHAP|), largest first
    train_rows: int  # rows of each side the classifier used
    test_rows: int
    seconds: float
    # P(test) of every training row (None unless asked for, see module docstring).
    test_likeness: np.ndarray | None = None

    @property
    def warning(self) -> str | None:
        if self.auc <= WARN_AUC:
            return None
        names = ", ".join(name for name, _ in self.top_features[:3])
        return (
            f"adversarial validation: a classifier tells training rows from test rows with AUC "
            f"{self.auc:.3f} (> {WARN_AUC}): the test set is not drawn like the training set, "
            f"so the folds may not reflect it; most separating: {names}. Consider "
            "--drift-weights or dropping those features"
        )

    def line(self) -> str:
        names = ", ".join(f"{name} ({value:.3f})" for name, value in self.top_features[:3])
        return (
            f"Adversarial validation (train vs test): AUC {self.auc:.3f} on "
            f"{self.train_rows:,} + {self.test_rows:,} rows, {self.seconds:.1f} s; "
            f"most separating: {names or 'none'}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "auc": round(self.auc, 6),
            "warning": self.warning,
            "warn_above": WARN_AUC,
            "top_features": [
                {"feature": name, "mean_abs_shap": round(value, 6)}
                for name, value in self.top_features
            ],
            "train_rows": self.train_rows,
            "test_rows": self.test_rows,
            "folds": FOLDS,
            "rounds": ROUNDS,
            "seconds": round(self.seconds, 3),
        }


def adversarial_validation(
    X_train: Matrix,
    X_test: Matrix,
    names: tuple[str, ...],
    seed: int,
    *,
    scores: bool = False,
    max_rows: int = MAX_ROWS,
) -> Adversarial:
    """Cross-validate a train-vs-test classifier on a seeded subsample of each side; with
    ``scores``, also estimate every training row's test-likeness."""
    import lightgbm as lgb  # deferred: slow to import
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    take_train = _subsample(rng, X_train.shape[0], max_rows)
    take_test = _subsample(rng, X_test.shape[0], max_rows)
    X = _vstack(X_train[take_train], X_test[take_test])
    y = np.r_[np.zeros(len(take_train)), np.ones(len(take_test))]
    oof = np.zeros(len(y))
    shap_sum = np.zeros(X.shape[1])
    boosters = []
    splitter = StratifiedKFold(FOLDS, shuffle=True, random_state=seed)
    for fit_idx, valid_idx in splitter.split(np.zeros(len(y)), y):
        data = lgb.Dataset(X[fit_idx], y[fit_idx], free_raw_data=True)
        booster = lgb.train(
            {**PARAMS, "seed": seed}, data, num_boost_round=ROUNDS, callbacks=[_check_time]
        )
        oof[valid_idx] = booster.predict(X[valid_idx])
        contrib = booster.predict(X[valid_idx], pred_contrib=True)
        shap_sum += _abs_column_sums(contrib)[: X.shape[1]]
        boosters.append(booster)
    auc = float(roc_auc_score(y, oof))
    mean_abs = shap_sum / len(y)
    order = np.argsort(-mean_abs, kind="stable")[:TOP]
    top = tuple((names[i], float(mean_abs[i])) for i in order if mean_abs[i] > 0)
    likeness = None
    if scores:
        likeness = np.zeros(X_train.shape[0])
        unseen = np.setdiff1d(np.arange(X_train.shape[0]), take_train)
        if len(unseen):
            X_unseen = X_train[unseen]
            likeness[unseen] = np.mean([b.predict(X_unseen) for b in boosters], axis=0)
        likeness[take_train] = oof[: len(take_train)]
    return Adversarial(
        auc, top, len(take_train), len(take_test), time.perf_counter() - started, likeness
    )


def drift_weights(likeness: np.ndarray) -> np.ndarray:
    """Importance weights of the training rows, p / (1 - p) of their test-likeness corrected
    for the classifier's train/test mix, clipped to :data:`CLIP` and normalised to mean 1."""
    p = np.clip(likeness, 1e-6, 1 - 1e-6)
    ratio = p / (1 - p)
    ratio = ratio / max(float(np.median(ratio)), 1e-12)  # the subsample's class mix cancels
    ratio = np.clip(ratio, *CLIP)
    return np.asarray(ratio / ratio.mean(), dtype=np.float64)


def _check_time(env: Any) -> None:
    check_time()  # after every boosting round


def _subsample(rng: np.random.Generator, n: int, most: int) -> np.ndarray:
    if n <= most:
        return np.arange(n)
    return np.sort(rng.choice(n, size=most, replace=False))


def _vstack(a: Matrix, b: Matrix) -> Matrix:
    if sp.issparse(a) or sp.issparse(b):
        return sp.vstack([sp.csr_matrix(a), sp.csr_matrix(b)], format="csr")
    return np.vstack([np.asarray(a), np.asarray(b)])


def _abs_column_sums(contrib: Any) -> np.ndarray:
    """Column sums of |SHAP| from LightGBM's ``pred_contrib`` (dense, or sparse for sparse
    input), without densifying a wide sparse matrix."""
    if sp.issparse(contrib):
        return np.asarray(abs(contrib).sum(axis=0)).ravel()
    return np.abs(np.asarray(contrib)).sum(axis=0)


def check_drift(
    features: Any, seed: int, weigh: bool, until: float | None = None
) -> tuple[Adversarial | None, np.ndarray | None]:
    """The run's adversarial validation on its feature matrices (logged, with a warning above
    :data:`WARN_AUC`) and, when ``weigh`` (``--drift-weights``), the training rows' weights.
    Skipped, with a warning, if it cannot finish by ``until`` (a :func:`time.monotonic` value:
    a run's time budget)."""
    smaller = min(features.X_train.shape[0], features.X_test.shape[0])
    if features.X_train.shape[1] == 0 or smaller < MIN_ROWS:
        log.info("Adversarial validation skipped: fewer than %d rows on one side", MIN_ROWS)
        return None, None
    try:
        with deadline(until):
            result = adversarial_validation(
                features.X_train, features.X_test, features.names, seed, scores=weigh
            )
    except OutOfTime:
        log.warning("Adversarial validation skipped: it did not fit in its share of the budget")
        return None, None
    log.info("%s", result.line())
    if result.warning is not None:
        log.warning("%s", result.warning)
    if not weigh:
        return result, None
    assert result.test_likeness is not None
    weight = drift_weights(result.test_likeness)
    log.info(
        "Drift weights: training rows weighted by test-likeness p/(1-p), clipped to %g..%g of "
        "the median and normalised to mean 1 (min %.3f, max %.3f, effective rows %s of %s)",
        *CLIP, weight.min(), weight.max(), f"{effective_rows(weight):,.0f}", f"{len(weight):,}",
    )  # fmt: skip
    return result, weight


def effective_rows(weight: np.ndarray) -> float:
    """Kish's effective sample size of weighted rows: (sum w)^2 / sum w^2."""
    return float(weight.sum() ** 2 / max(float(np.square(weight).sum()), 1e-12))


def drift_summary(result: Adversarial, weight: np.ndarray | None) -> dict[str, Any]:
    """``run.json``'s ``adversarial_validation``: the outcome and, with ``--drift-weights``,
    a description of the weights every model was fitted with."""
    values = result.to_json()
    values["drift_weights"] = None
    if weight is not None:
        values["drift_weights"] = {
            "min": round(float(weight.min()), 6),
            "max": round(float(weight.max()), 6),
            "effective_rows": round(effective_rows(weight), 1),
            "clip_of_median": list(CLIP),
        }
    return values


def drift_notes(result: Adversarial | None, weight: np.ndarray | None) -> tuple[str, ...]:
    """What the run's console summary says of it: the AUC line, the warning, the weights."""
    if result is None:
        return ()
    notes = [result.line()]
    if result.warning is not None:
        notes.append("Warning: " + result.warning)
    if weight is not None:
        notes.append(
            f"Drift weights: every model fitted with training rows weighted {weight.min():.2f} to "
            f"{weight.max():.2f} (effective rows {effective_rows(weight):,.0f} of {len(weight):,})"
        )
    return tuple(notes)
