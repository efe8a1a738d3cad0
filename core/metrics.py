"""Metrics that know themselves: their direction and the kind of prediction they need.

Everything that depends on a metric's direction (leaderboard order, later the Optuna direction
and early stopping) asks the metric instead of repeating it.

Predictions follow one convention throughout podium: a binary task predicts a 1-D array with the
probability of the positive class; a multiclass task predicts an ``(n, k)`` array of class
probabilities whose columns follow the competition's class order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from core.registry import Registry


def _skm() -> Any:
    """scikit-learn's metrics, imported on first use: importing scikit-learn takes about a
    second, which ``--help`` and an early input error should not pay."""
    from sklearn import metrics

    return metrics


# "clusters": an unsupervised score of cluster labels (y_pred) on the clustered matrix (y_true).
Needs = Literal["proba", "label", "clusters"]

# Probabilities are clipped this far from 0 and 1 before a log loss, as Kaggle does.
LOG_LOSS_EPS = 1e-15


@dataclass(frozen=True)
class Metric:
    """A scoring rule. ``needs`` says whether it scores probabilities or hard labels."""

    name: str
    func: Callable[[np.ndarray, np.ndarray], float]
    greater_is_better: bool
    needs: Needs
    description: str
    # The tasks it can score: "binary", "multiclass" (probabilities or labels of either), or
    # "segmentation" (cluster labels).
    tasks: tuple[str, ...] = ("binary", "multiclass")

    @property
    def direction(self) -> Literal["maximize", "minimize"]:
        return "maximize" if self.greater_is_better else "minimize"

    def score(self, y_true: np.ndarray, y_pred: np.ndarray) -> float:
        """Score predictions in podium's convention (probabilities; see module docstring).

        Label metrics turn probabilities into labels with the plain rule (argmax, or 0.5 for a
        binary task); a tuned decision rule is applied by the caller before scoring.
        """
        y_true = np.asarray(y_true)
        y_pred = np.asarray(y_pred)
        if self.needs == "label" and np.issubdtype(y_pred.dtype, np.floating):
            y_pred = to_labels(y_pred)
        return float(self.func(y_true, y_pred))

    def is_better(self, a: float, b: float) -> bool:
        """True when score ``a`` is strictly better than score ``b``."""
        return a > b if self.greater_is_better else a < b

    def sort_key(self, value: float) -> float:
        """Key for sorting best first with ``sorted``."""
        return -value if self.greater_is_better else value


def to_labels(proba: np.ndarray) -> np.ndarray:
    if proba.ndim == 1:
        return (proba >= 0.5).astype(np.int64)
    return np.asarray(proba.argmax(axis=1), dtype=np.int64)


# The metrics below are vectorised numpy: ensembles score thousands of candidate weightings,
# and scikit-learn's input validation costs more than the arithmetic on small folds. Each
# equals scikit-learn's (tests/test_metrics.py checks roc_auc_score, log_loss and f1_score).


def _roc_auc(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mann-Whitney: the chance that a random positive outranks a random negative (ties
    count half), from average ranks."""
    y_true = np.asarray(y_true)
    positives = y_true == y_true.max()
    n_pos = int(positives.sum())
    n_neg = len(y_true) - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")  # undefined on a single class; shown as NaN, never as a score
    from scipy.stats import rankdata

    ranks = rankdata(np.asarray(y_pred, dtype=np.float64))
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _multi_log_loss(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    proba = np.clip(y_pred, LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    proba = proba / proba.sum(axis=1, keepdims=True)
    picked = proba[np.arange(len(proba)), np.asarray(y_true, dtype=np.int64)]
    return float(-np.mean(np.log(picked)))


def _f1_macro(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Macro F1 over the labels present in either array; a label never predicted scores 0."""
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    labels = np.union1d(y_true, y_pred)
    k = int(labels.max()) + 1
    tp = np.bincount(y_true[y_true == y_pred], minlength=k)[labels]
    actual = np.bincount(y_true, minlength=k)[labels]
    predicted = np.bincount(y_pred, minlength=k)[labels]
    return float(np.mean(2 * tp / (actual + predicted)))


def per_class_f1(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """F1 of each class, from labels or probabilities (plain rule)."""
    labels = to_labels(y_pred) if np.issubdtype(np.asarray(y_pred).dtype, np.floating) else y_pred
    return np.asarray(
        _skm().f1_score(y_true, labels, labels=np.arange(n_classes), average=None, zero_division=0)
    )


def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts with true classes in rows and predicted classes in columns."""
    labels = to_labels(y_pred) if np.issubdtype(np.asarray(y_pred).dtype, np.floating) else y_pred
    return np.asarray(_skm().confusion_matrix(y_true, labels, labels=np.arange(n_classes)))


METRICS: Registry[Metric] = Registry("metric")


def register_metric(metric: Metric) -> Metric:
    return METRICS.add(metric.name, metric)


register_metric(
    Metric(
        "roc_auc", _roc_auc, True, "proba", "area under the ROC curve of P(positive)", ("binary",)
    )
)
register_metric(
    Metric(
        "log_loss",
        _multi_log_loss,
        False,
        "proba",
        f"multiclass log loss, probabilities clipped to [{LOG_LOSS_EPS:g}, 1-{LOG_LOSS_EPS:g}]",
    )
)
register_metric(
    Metric(
        "f1_macro", _f1_macro, True, "label", "F1 averaged over classes with equal weight (macro)"
    )
)


def _silhouette(X: np.ndarray, labels: np.ndarray) -> float:
    if len(np.unique(labels)) < 2:
        return float("nan")
    return float(_skm().silhouette_score(X, labels))


register_metric(
    Metric(
        "silhouette",
        _silhouette,
        True,
        "clusters",
        "mean silhouette of the rows' clusters (cohesion against separation, -1..1)",
        ("segmentation",),
    )  # fmt: skip
)


def get_metric(name: str) -> Metric:
    return METRICS.get(name)
