"""CatBoost gradient-boosted (oblivious) trees.

The module is not called ``catboost.py``: that would shadow the library it wraps.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.deadlines import OutOfTime, current_deadline, out_of_time
from core.types import Matrix
from models.base import Model, register_model
from models.gbm import booster_fit, threads

if TYPE_CHECKING:
    import optuna


# Our own keys, consumed before the rest of the parameters go to CatBoost (which rejects them).
class _StopAtDeadline:
    """Stops training once the deadline has passed and remembers that it did.

    CatBoost wraps an exception raised in a callback into a CatBoostError, so the callback
    asks to stop (returns False) and the model raises OutOfTime itself after ``fit``.
    """

    def __init__(self) -> None:
        self.stopped = False

    def after_iteration(self, info: Any) -> bool:
        self.stopped = out_of_time()
        return not self.stopped


@register_model
class CatBoostModel(Model):
    """CatBoost with early stopping on an inner holdout carved from the training rows.

    As in LightGBMModel, the holdout (``early_stopping_fraction`` of the rows given to ``fit``,
    stratified) never includes the cross-validation fold's validation rows; the trees past the
    best holdout iteration are dropped (``use_best_model``).
    """

    name = "catboost"
    description = "CatBoost gradient boosting (oblivious trees), early-stopped on an inner holdout"
    # Threads per fit: chosen from the rows unless given.
    EXTRA_PARAMS: ClassVar[tuple[str, ...]] = ("thread_count",)
    seed_sensitive = True

    # learning_rate 0.1 (FLAML starts CatBoost there too) and 50 rounds of patience: CatBoost's
    # iterations cost several times LightGBM's on wide data (hotstar's 2,085 columns: 0.066 s
    # an iteration on 2 threads), and at 0.05 with 100 rounds' patience its 5-fold defaults
    # took 108 s of a 300 s run; at 0.1 and 50 a fold took 14.3 s instead of 25.0 s for a
    # holdout AUC 0.0009 lower. Tuning searches the learning rate from 0.01.
    DEFAULTS: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.1,
        "depth": 6,
        "l2_leaf_reg": 3.0,
        "random_strength": 1.0,
        "rsm": 0.5,
        # Split candidates per feature. CatBoost's CPU default, 254, makes every iteration
        # score 254 borders of every feature: on ClickStream's 448 training rows a 3-class fit
        # took 12 s, 2 s with 32 borders (4.1 s with 64, 13.4 s with 254, two threads).
        "border_count": 64,
        "iterations": 3000,
        "early_stopping_rounds": 50,
        "early_stopping_fraction": 0.1,
    }
    PORTFOLIO: ClassVar[tuple[dict[str, Any], ...]] = (
        {
            "learning_rate": 0.15,
            "depth": 5,
            "l2_leaf_reg": 5.0,
            "random_strength": 1.0,
            "rsm": 0.3,
            "border_count": 32,
        },
    )

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        setup = booster_fit(self, y, "iterations")
        params, fit_idx, stop_idx = setup.params, setup.fit_idx, setup.stop_idx
        if self.task == "binary":
            params.update(loss_function="Logloss")
        else:  # classes_count keeps K outputs even if a class is missing from the fit rows
            params.update(loss_function="MultiClass", classes_count=self.n_classes)
        # allow_writing_files=False: never write catboost_info/ into the working directory.
        params.update(random_seed=self.seed, allow_writing_files=False, verbose=False)
        params.setdefault("thread_count", threads(len(y)))
        import catboost  # deferred: slow to import, and only needed to fit

        train_set = catboost.Pool(X[fit_idx], y[fit_idx], weight=setup.w_fit)
        stop_set = catboost.Pool(X[stop_idx], y[stop_idx], weight=setup.w_stop)
        self.booster_ = catboost.CatBoostClassifier(
            iterations=setup.rounds,
            od_type="Iter",
            early_stopping_rounds=setup.patience,
            use_best_model=True,
            **params,
        )
        # CatBoost passes each callback the whole metric history, so a callback costs more with
        # every iteration: attach it only when a deadline is set.
        stopper = _StopAtDeadline()
        callbacks = [stopper] if current_deadline() is not None else None
        self.booster_.fit(train_set, eval_set=stop_set, callbacks=callbacks)
        if stopper.stopped:
            raise OutOfTime("the time budget ran out during a fit")

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        # Bounded by cost as well as by fit: an oblivious tree's iteration costs about twice as
        # much per level of depth and in proportion to the borders, so depth 10 with 254
        # borders at learning rate 0.01 is hundreds of times the defaults' cost (on hotstar's
        # sample, depth 9 at 0.019 did not finish one fold in 107 s, against 63 s for all five
        # folds of the defaults). AutoGluon searches depth 5-8; FLAML only the learning rate.
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
            "depth": trial.suggest_int("depth", 4, 8),
            "l2_leaf_reg": trial.suggest_float("l2_leaf_reg", 0.1, 100.0, log=True),
            "random_strength": trial.suggest_float("random_strength", 0.1, 10.0, log=True),
            "rsm": trial.suggest_float("rsm", 0.1, 1.0),
            "border_count": trial.suggest_int("border_count", 16, 128, log=True),
        }

    def explain(self, X: Matrix) -> tuple[np.ndarray, np.ndarray]:
        """Exact SHAP values, CatBoost's own implementation (``ShapValues``)."""
        import catboost

        values = self.booster_.get_feature_importance(catboost.Pool(X), type="ShapValues")
        values = np.asarray(values)  # (n, F+1) or (n, K, F+1): the bias last
        return values[..., :-1].astype(np.float32), values[..., -1].astype(np.float64)

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        return np.asarray(self.booster_.predict_proba(X))
