"""Gradient-boosted trees."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.cpus import fit_threads
from core.deadlines import check_time
from core.types import Matrix
from models.base import Model, register_model

if TYPE_CHECKING:
    import lightgbm as lgb
    import optuna


def threads(n_rows: int) -> int:
    """Threads for a fit on ``n_rows`` rows (:func:`core.cpus.fit_threads`)."""
    return fit_threads(n_rows)


def early_stopping_split(
    y: np.ndarray, fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices to fit on and to early-stop on: a stratified holdout carved from the rows
    given to ``fit``. In cross-validation those are the fold's training rows, so the fold's
    validation rows never choose the number of trees and out-of-fold scores stay honest."""
    from sklearn.model_selection import train_test_split  # deferred: slow to import

    fit_idx, stop_idx = train_test_split(
        np.arange(len(y)), test_size=fraction, stratify=y, random_state=seed
    )
    return np.asarray(fit_idx), np.asarray(stop_idx)


@dataclass(frozen=True)
class BoosterFit:
    """What every booster's ``_fit`` starts from: the library's own parameters (podium's keys
    removed), the round budget, and the rows and class weights to fit on and to early-stop on."""

    params: dict[str, Any]
    rounds: int
    patience: int
    fit_idx: np.ndarray
    stop_idx: np.ndarray
    w_fit: np.ndarray | None
    w_stop: np.ndarray | None


def booster_fit(model: Model, y: np.ndarray, rounds_key: str) -> BoosterFit:
    """Merge ``model``'s DEFAULTS with its params, take out podium's keys (``rounds_key``, the
    early-stopping ones and ``class_weight``) and carve the early-stopping holdout."""
    params = {**model.DEFAULTS, **model.params}
    rounds = int(params.pop(rounds_key))
    patience = int(params.pop("early_stopping_rounds"))
    fraction = float(params.pop("early_stopping_fraction"))
    params.pop("class_weight", None)
    weight = model.sample_weight(y)
    fit_idx, stop_idx = early_stopping_split(y, fraction, model.seed)
    w_fit, w_stop = (None, None) if weight is None else (weight[fit_idx], weight[stop_idx])
    return BoosterFit(params, rounds, patience, fit_idx, stop_idx, w_fit, w_stop)


def _stop_at_deadline(env: lgb.callback.CallbackEnv) -> None:
    check_time()


@register_model
class LightGBMModel(Model):
    """LightGBM with early stopping on an inner holdout carved from the training rows.

    The holdout (``early_stopping_fraction`` of the rows given to ``fit``, stratified) never
    includes the cross-validation fold's validation rows, so out-of-fold scores stay honest.
    """

    name = "lgbm"
    description = "LightGBM gradient boosting, early-stopped on an inner holdout"
    # Threads per fit: chosen from the rows unless given.
    EXTRA_PARAMS: ClassVar[tuple[str, ...]] = ("num_threads",)
    seed_sensitive = True

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.5,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "num_boost_round": 3000,
        "early_stopping_rounds": 100,
        "early_stopping_fraction": 0.1,
    }

    PORTFOLIO: ClassVar[tuple[dict[str, Any], ...]] = (
        {
            "learning_rate": 0.1,
            "num_leaves": 15,
            "min_data_in_leaf": 20,
            "feature_fraction": 0.8,
            "bagging_fraction": 0.9,
            "lambda_l2": 5.0,
        },
    )

    def _fit(self, X: Matrix, y: np.ndarray) -> None:
        setup = booster_fit(self, y, "num_boost_round")
        params, rounds = setup.params, setup.rounds
        fit_idx, stop_idx = setup.fit_idx, setup.stop_idx
        if self.task == "binary":
            params.update(objective="binary", metric="binary_logloss")
        else:
            params.update(objective="multiclass", metric="multi_logloss", num_class=self.n_classes)
        params.update(seed=self.seed, deterministic=True, force_col_wise=True, verbosity=-1)
        params.setdefault("num_threads", threads(len(y)))
        import lightgbm as lgb  # deferred: slow to import, and only needed to fit

        train_set = lgb.Dataset(X[fit_idx], y[fit_idx], weight=setup.w_fit, free_raw_data=True)
        stop_set = lgb.Dataset(X[stop_idx], y[stop_idx], weight=setup.w_stop, reference=train_set)
        self.booster_ = lgb.train(
            params,
            train_set,
            num_boost_round=rounds,
            valid_sets=[stop_set],
            callbacks=[lgb.early_stopping(setup.patience, verbose=False), _stop_at_deadline],
        )
        self.best_iteration_ = int(self.booster_.best_iteration or rounds)

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 7, 255, log=True),
            "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 5, 500, log=True),
            "feature_fraction": trial.suggest_float("feature_fraction", 0.1, 1.0),
            "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
            "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 100.0, log=True),
        }

    def explain(self, X: Matrix) -> tuple[np.ndarray, np.ndarray]:
        """Exact TreeSHAP (Lundberg et al.), LightGBM's own implementation (``pred_contrib``)."""
        raw = self.booster_.predict(X, num_iteration=self.best_iteration_, pred_contrib=True)
        parts = raw if isinstance(raw, list) else [raw]
        dense = [np.asarray(p.todense() if hasattr(p, "todense") else p) for p in parts]
        if len(dense) == 1 and self.task == "multiclass":  # dense input: classes side by side
            dense = np.split(dense[0], self.n_classes, axis=1)
        values = np.stack(dense, axis=1)  # (n, outputs, features + 1): the bias last
        if self.task == "binary":
            values = values[:, 0, :]
        return values[..., :-1].astype(np.float32), values[..., -1].astype(np.float64)

    def _predict_proba(self, X: Matrix) -> np.ndarray:
        return np.asarray(self.booster_.predict(X, num_iteration=self.best_iteration_))
