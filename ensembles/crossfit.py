"""Scoring ensembles as honestly as single models, on the run's saved folds.

For each fold ``k`` a combiner is fitted on the out-of-fold predictions of the rows outside
fold ``k`` and predicts the rows of fold ``k``; its fold scores are therefore as comparable
with the base models' as out-of-fold predictions allow. For the test rows, a combiner fitted
on all out-of-fold predictions combines the base models' test predictions. Nothing here ever
sees a base model's prediction of its own training rows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from core.deadlines import OutOfTime, check_time, deadline
from core.folds import iter_folds
from core.metrics import Metric, get_metric
from core.results import CVResult
from ensembles.combine import ENSEMBLES, DecisionTuned, Ensemble

log = logging.getLogger(__name__)

MAX_BASE_MODELS = 8
LOG_LOSS = get_metric("log_loss")


def as_matrix(pred: np.ndarray) -> np.ndarray:
    """Podium's prediction convention to an ``(n, k)`` float32 probability matrix."""
    pred = np.asarray(pred, dtype=np.float32)
    return np.column_stack([1 - pred, pred]) if pred.ndim == 1 else pred


def from_matrix(proba: np.ndarray, binary: bool) -> np.ndarray:
    return proba[:, 1] if binary else proba


def cross_fit(
    name: str,
    make: Callable[[], Ensemble],
    bases: Sequence[CVResult],
    y: np.ndarray,
    fold: np.ndarray,
    metric: Metric,
) -> CVResult:
    binary = bases[0].oof.ndim == 1
    oof_in = [as_matrix(r.oof) for r in bases]
    test_in = [as_matrix(r.test) for r in bases]
    oof = np.zeros(oof_in[0].shape)
    scores: list[float] = []
    started = time.perf_counter()
    for _, train_idx, valid_idx in iter_folds(fold):
        check_time()
        combiner = make().fit([p[train_idx] for p in oof_in], y[train_idx])
        oof[valid_idx] = combiner.predict([p[valid_idx] for p in oof_in])
        scores.append(metric.score(y[valid_idx], from_matrix(oof[valid_idx], binary)))
    final = make().fit(oof_in, y)
    fit_seconds = time.perf_counter() - started
    started = time.perf_counter()
    test = final.predict(test_in)
    weights = {r.model: round(float(w), 4) for r, w in zip(bases, final.weights_, strict=True)}
    return CVResult(
        model=name,
        oof=from_matrix(oof, binary),
        test=from_matrix(test, binary),
        fold_scores=scores,
        oof_score=metric.score(y, from_matrix(oof, binary)),
        fit_seconds=fit_seconds,
        predict_seconds=time.perf_counter() - started,
        params={"weights": weights},
        kind="ensemble",
    )


def build_ensembles(
    results: Sequence[CVResult],
    y: np.ndarray,
    fold: np.ndarray,
    metric: Metric,
    *,
    seed: int = 0,
    max_models: int = MAX_BASE_MODELS,
    until: float | None = None,
) -> list[CVResult]:
    """Every registered combiner over the best ``max_models`` distinct base entries (fewer
    than two: no ensemble). The cap keeps level-2 inputs small for many-class problems. An
    ensemble not finished by ``until`` (a :func:`time.monotonic` value) is left out."""
    ranked: list[CVResult] = []
    for result in sorted(results, key=lambda r: metric.sort_key(r.cv_mean)):
        # A tuned entry whose best trial was the defaults repeats its default entry.
        if not any(np.array_equal(result.oof, kept.oof) for kept in ranked):
            ranked.append(result)
    ranked = ranked[:max_models]
    if len(ranked) < 2:
        return []
    sign = 1.0 if metric.greater_is_better else -1.0
    binary = ranked[0].oof.ndim == 1

    def score(y_true: np.ndarray, proba: np.ndarray) -> float:
        return sign * metric.score(y_true, from_matrix(proba, binary))

    def neg_log_loss(y_true: np.ndarray, proba: np.ndarray) -> float:
        return -LOG_LOSS.score(y_true, proba)

    ensembles = []
    for name in sorted(ENSEMBLES.names(), key=lambda n: ENSEMBLES.get(n).order):
        cls = ENSEMBLES.get(name)
        make: Callable[[], Ensemble]
        if metric.needs == "label":
            # Labels give a flat objective: combine on log loss, then tune the decision rule.
            make = partial(DecisionTuned, score, seed, inner=partial(cls, neg_log_loss, seed))
        else:
            make = partial(cls, score, seed)
        try:
            with deadline(until):
                ensembles.append(cross_fit(name, make, ranked, y, fold, metric))
        except OutOfTime:
            log.warning("%s: no time left in the budget to finish it; left out", name)
    return ensembles
