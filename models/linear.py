"""Linear baselines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.types import Matrix
from models.base import Model, register_model

if TYPE_CHECKING:
    import optuna
    from sklearn.pipeline import Pipeline


@register_model
class LogisticModel(Model):
    """L2 logistic regression on max-abs-scaled features (keeps sparse input sparse).

    The scaler is part of the model, so in cross-validation it is fitted on each fold's
    training rows only.
    """

    name = "logreg"
    description = "logistic regression (L2, max-abs scaling), sparse-friendly baseline"

    DEFAULTS: ClassVar[dict[str, Any]] = {"C": 1.0, "max_iter": 2000}

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        params = {**self.DEFAULTS, **self.params}
        from sklearn.linear_model import LogisticRegression  # deferred: slow to import
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import MaxAbsScaler

        self.pipeline_: Pipeline = make_pipeline(
            MaxAbsScaler(),
            LogisticRegression(
                C=float(params["C"]),
                max_iter=int(params["max_iter"]),
                tol=1e-4,
                class_weight=self.params.get("class_weight"),
            ),
        )
        rows = self.row_weight()  # class weights go to the regression itself
        self.pipeline_.fit(
            X, y, **({} if rows is None else {"logisticregression__sample_weight": rows})
        )

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {"C": trial.suggest_float("C", 1e-4, 10.0, log=True)}

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        return np.asarray(self.pipeline_.predict_proba(X))

    def linear_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """The decision function on the unscaled features: the max-abs scaling divides each
        column by its scale, so it folds into the coefficients."""
        scaler, logistic = self.pipeline_[0], self.pipeline_[-1]
        coef = np.asarray(logistic.coef_, dtype=np.float64) / scaler.scale_
        return coef, np.asarray(logistic.intercept_, dtype=np.float64)
