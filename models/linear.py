"""Linear baselines."""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import MaxAbsScaler

from models.base import Matrix, Model, register_model


@register_model
class LogisticModel(Model):
    """L2 logistic regression on max-abs-scaled features (keeps sparse input sparse).

    The scaler is part of the model, so in cross-validation it is fitted on each fold's
    training rows only.
    """

    name = "logreg"
    description = "logistic regression (L2, max-abs scaling), sparse-friendly baseline"

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        C = float(self.params.get("C", 1.0))
        self.pipeline_: Pipeline = make_pipeline(
            MaxAbsScaler(),
            LogisticRegression(
                C=C,
                max_iter=int(self.params.get("max_iter", 2000)),
                tol=1e-4,
                class_weight=self.params.get("class_weight"),
            ),
        )
        self.pipeline_.fit(X, y)

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        return np.asarray(self.pipeline_.predict_proba(X))
