"""Cross-validation of one model over a run's saved folds."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np

from models.base import Matrix, Model
from podium.folds import iter_folds
from podium.metrics import Metric


@dataclass
class CVResult:
    """Out-of-fold and test predictions of one model, with its fold scores and timings."""

    model: str
    oof: np.ndarray
    test: np.ndarray
    fold_scores: list[float]
    oof_score: float
    fit_seconds: float
    predict_seconds: float
    params: dict[str, object] = field(default_factory=dict)
    # Out-of-fold score on named subsets of the rows (e.g. devices with / without events).
    subset_scores: dict[str, float] = field(default_factory=dict)
    # Per-class scores of the out-of-fold predictions (F1 per class for label metrics).
    class_scores: dict[str, float] = field(default_factory=dict)
    # SHAP values of the explained out-of-fold rows, each from the fold model that did not
    # train on it: (rows, features) or (rows, classes, features). None without an explainer.
    shap: np.ndarray | None = None
    shap_rows: np.ndarray | None = None
    shap_seconds: float = 0.0
    kind: str = "model"  # "model" or "ensemble"
    tuned: bool = False  # hyperparameters or decision rule tuned (inside the folds)

    @property
    def cv_mean(self) -> float:
        return float(np.mean(self.fold_scores))

    @property
    def cv_std(self) -> float:
        return float(np.std(self.fold_scores))


def cross_validate(
    name: str,
    make: Callable[[], Model],
    X: Matrix,
    y: np.ndarray,
    X_test: Matrix,
    fold: np.ndarray,
    metric: Metric,
    on_fold_done: Callable[[int, float], None] | None = None,
    subsets: Mapping[str, np.ndarray] | None = None,
    explain_rows: np.ndarray | None = None,
    explain_seconds: float = 60.0,
) -> CVResult:
    """Fit one fresh model per fold on that fold's training rows only.

    Every fitted transform lives inside the model, so nothing is fitted on validation rows.
    The test prediction is the mean of the fold models' predictions.
    """
    n_folds = int(fold.max()) + 1
    oof: np.ndarray | None = None
    test_sum: np.ndarray | None = None
    scores: list[float] = []
    fit_seconds = predict_seconds = 0.0
    params: dict[str, object] = {}
    explained = _Explained(explain_rows, explain_seconds)
    for k, train_idx, valid_idx in iter_folds(fold):
        model = make()
        started = time.perf_counter()
        model.fit(X[train_idx], y[train_idx])
        fit_seconds += time.perf_counter() - started
        started = time.perf_counter()
        valid_pred = model.predict_proba(X[valid_idx])
        test_pred = model.predict_proba(X_test)
        predict_seconds += time.perf_counter() - started
        if oof is None:
            oof = np.zeros((len(y), *valid_pred.shape[1:]))
            test_sum = np.zeros_like(test_pred)
        oof[valid_idx] = valid_pred
        test_sum = test_sum + test_pred
        explained.add(model, X, valid_idx)
        scores.append(metric.score(y[valid_idx], valid_pred))
        params = model.get_params()
        if on_fold_done is not None:
            on_fold_done(k, scores[-1])
    assert oof is not None and test_sum is not None
    return CVResult(
        model=name,
        oof=oof,
        test=test_sum / n_folds,
        fold_scores=scores,
        oof_score=metric.score(y, oof),
        fit_seconds=fit_seconds,
        predict_seconds=predict_seconds,
        params=params,
        subset_scores={
            name: metric.score(y[mask], oof[mask]) for name, mask in (subsets or {}).items()
        },
        shap=explained.values(),
        shap_rows=explained.rows(),
        shap_seconds=explained.seconds,
    )


class _Explained:
    """Collects SHAP values of sampled out-of-fold rows, fold by fold, within a time cap."""

    def __init__(self, rows: np.ndarray | None, cap_seconds: float) -> None:
        self.wanted = rows
        self.cap = cap_seconds
        self.seconds = 0.0
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []

    def add(self, model: Model, X: Matrix, valid_idx: np.ndarray) -> None:
        if self.wanted is None or self.seconds >= self.cap:
            return
        rows = np.intersect1d(self.wanted, valid_idx)
        if len(rows) == 0:
            return
        started = time.perf_counter()
        values = model.explain(X[rows])
        self.seconds += time.perf_counter() - started
        if values is not None:
            self.parts.append((rows, values))

    def rows(self) -> np.ndarray | None:
        return np.concatenate([r for r, _ in self.parts]) if self.parts else None

    def values(self) -> np.ndarray | None:
        return np.concatenate([v for _, v in self.parts]) if self.parts else None
