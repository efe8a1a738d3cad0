"""Decision rules for label metrics (F1), tuned without looking at validation or test rows."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from core.decision import tune_class_weights
from core.types import Matrix
from models.base import Model


class TunedDecision(Model):
    """A base model whose per-class decision weights are tuned on inner out-of-fold predictions.

    ``fit`` sees only the rows it is given (in cross-validation, the fold's training rows):
    an inner stratified K-fold of the base model gives inner out-of-fold probabilities, the
    weights ``w`` maximise ``score(y, argmax(p * w))`` on them, and the base model is refit on
    all the rows. ``predict_proba`` returns ``p * w`` renormalised, so its argmax is the tuned
    decision. Built by the runner around a registered model, so it is not registered itself.
    """

    name = "tuned_decision"
    description = "per-class decision weights tuned on inner out-of-fold probabilities"

    def __init__(
        self,
        *,
        task: str,
        n_classes: int,
        seed: int = 0,
        base: Callable[[], Model],
        score: Callable[[np.ndarray, np.ndarray], float],
        inner_folds: int = 5,
    ) -> None:
        super().__init__(task=task, n_classes=n_classes, seed=seed)  # type: ignore[arg-type]
        self.base = base
        self.score = score
        self.inner_folds = inner_folds

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        inner = np.zeros((len(y), self.n_classes))
        from sklearn.model_selection import StratifiedKFold  # deferred: slow to import

        splitter = StratifiedKFold(self.inner_folds, shuffle=True, random_state=self.seed)
        rows = self.row_weight()
        for train_idx, valid_idx in splitter.split(np.zeros(len(y)), y):
            weight = None if rows is None else rows[train_idx]
            model = self.base().fit(X[train_idx], y[train_idx], sample_weight=weight)
            inner[valid_idx] = _as_matrix(model.predict_proba(X[valid_idx]))
        self.weights_ = tune_class_weights(inner, y, self.score)
        self.model_ = self.base().fit(X, y, sample_weight=rows)

    def explain(self, X: Matrix) -> tuple[np.ndarray, np.ndarray] | None:
        """The refit base model's SHAP values (the decision weights act after the model)."""
        return self.model_.explain(X)

    def linear_terms(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.model_.linear_terms()

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        proba = _as_matrix(self.model_.predict_proba(X)) * self.weights_
        return proba / proba.sum(axis=1, keepdims=True)


def _as_matrix(proba: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - proba, proba]) if proba.ndim == 1 else proba
