"""XGBoost gradient-boosted trees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.deadlines import check_time
from core.types import Matrix
from models.base import Model, register_model
from models.gbm import booster_fit, threads

if TYPE_CHECKING:
    import optuna
    import xgboost as xgb


# Our own keys, consumed before the rest of the parameters go to xgboost (which warns on them).
def _stop_at_deadline() -> xgb.callback.TrainingCallback:
    """A callback that raises OutOfTime after the iteration during which the deadline passed.

    xgboost lets an exception from a callback propagate out of ``xgb.train``, so the fit stops
    with OutOfTime rather than returning a silently truncated booster. (The class is made here
    because xgboost is imported only when a model is fitted: it is slow to import.)
    """
    import xgboost as xgb

    class StopAtDeadline(xgb.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            check_time()
            return False

    return StopAtDeadline()


def _dmatrix(X: Matrix, nthread: int, **kwargs: Any) -> xgb.DMatrix:
    """Zeros count as missing, in a CSR matrix (where they are absent) as in a dense array.

    xgboost's default treats an absent CSR entry as missing but a dense zero as the value 0, so
    a model fitted on CSR rows would predict differently on the same rows densified.
    """
    import xgboost as xgb

    return xgb.DMatrix(X, missing=0.0, nthread=nthread, **kwargs)


@register_model
class XGBoostModel(Model):
    """XGBoost (histogram trees) with early stopping on an inner holdout of the training rows.

    As in LightGBMModel, the holdout (``early_stopping_fraction`` of the rows given to ``fit``,
    stratified) never includes the cross-validation fold's validation rows. Sparse input goes
    to xgboost as CSR, without densifying; zeros are missing values (see :func:`_dmatrix`),
    whose branch direction each split learns.
    """

    name = "xgb"
    description = "XGBoost gradient boosting (hist), early-stopped on an inner holdout"
    # Threads per fit: chosen from the rows unless given.
    EXTRA_PARAMS: ClassVar[tuple[str, ...]] = ("nthread",)
    seed_sensitive = True

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.05,
        "max_depth": 6,
        "min_child_weight": 1.0,
        "subsample": 0.8,
        "colsample_bytree": 0.5,
        "reg_lambda": 1.0,
        "num_boost_round": 3000,
        "early_stopping_rounds": 100,
        "early_stopping_fraction": 0.1,
    }
    PORTFOLIO: ClassVar[tuple[dict[str, Any], ...]] = (
        {
            "learning_rate": 0.1,
            "max_depth": 4,
            "min_child_weight": 3.0,
            "subsample": 0.9,
            "colsample_bytree": 0.8,
            "reg_lambda": 5.0,
        },
    )

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        setup = booster_fit(self, y, "num_boost_round")
        params, fit_idx, stop_idx = setup.params, setup.fit_idx, setup.stop_idx
        if self.task == "binary":
            params.update(objective="binary:logistic", eval_metric="logloss")
        else:
            params.update(objective="multi:softprob", eval_metric="mlogloss")
            params["num_class"] = self.n_classes
        params.update(tree_method="hist", seed=self.seed, verbosity=0)
        params.setdefault("nthread", threads(len(y)))
        self.nthread_ = int(params["nthread"])
        train_set = _dmatrix(X[fit_idx], self.nthread_, label=y[fit_idx], weight=setup.w_fit)
        stop_set = _dmatrix(X[stop_idx], self.nthread_, label=y[stop_idx], weight=setup.w_stop)
        import xgboost as xgb

        self.booster_ = xgb.train(
            params,
            train_set,
            num_boost_round=setup.rounds,
            evals=[(stop_set, "stop")],
            early_stopping_rounds=setup.patience,
            verbose_eval=False,
            callbacks=[_stop_at_deadline()],
        )
        self.best_iteration_ = int(self.booster_.best_iteration)

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
            "max_depth": trial.suggest_int("max_depth", 3, 10),
            "min_child_weight": trial.suggest_float("min_child_weight", 0.1, 100.0, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.1, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 1e-3, 100.0, log=True),
        }

    def _predict(self, X: Matrix, **kwargs: Any) -> np.ndarray:
        return np.asarray(
            self.booster_.predict(
                _dmatrix(X, self.nthread_),
                iteration_range=(0, self.best_iteration_ + 1),
                **kwargs,
            )
        )

    def explain(self, X: Matrix) -> tuple[np.ndarray, np.ndarray]:
        """Exact TreeSHAP, xgboost's own implementation (``pred_contribs``)."""
        values = self._predict(X, pred_contribs=True)  # (n, F+1) or (n, K, F+1): the bias last
        return values[..., :-1].astype(np.float32), values[..., -1].astype(np.float64)

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        proba = self._predict(X).astype(np.float64)
        if self.task == "binary":
            return proba
        # xgboost computes in float32: renormalise so rows sum to 1 to float64 precision (as
        # scikit-learn's log_loss checks).
        return proba / proba.sum(axis=1, keepdims=True)
