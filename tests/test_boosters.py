"""The XGBoost and CatBoost wrappers: learning, SHAP values, search space, seeds, deadlines."""

from __future__ import annotations

import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
import scipy.sparse as sp
import xgboost
from scipy.special import expit, softmax
from sklearn.metrics import log_loss, roc_auc_score

from core.deadlines import OutOfTime, deadline
from models import CatBoostModel, XGBoostModel, make_model
from models.base import Model

NAMES = ["xgb", "catboost"]
ROUNDS = {"xgb": "num_boost_round", "catboost": "iterations"}


def quick(name: str, rounds: int = 60, patience: int = 20) -> dict[str, Any]:
    """Few rounds, so each fit takes a fraction of a second."""
    return {ROUNDS[name]: rounds, "early_stopping_rounds": patience}


def problem(n_classes: int, n: int = 1500, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    """A learnable problem on a CSR matrix with about 30% of its entries left out."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 10))
    X[rng.random(X.shape) < 0.3] = 0.0
    scores = X[:, :4] @ rng.normal(size=(4, n_classes)) * 2 + rng.normal(size=(n, n_classes))
    return sp.csr_matrix(X), scores.argmax(axis=1)


def fitted(name: str, n_classes: int, **params: Any) -> tuple[Model, sp.csr_matrix, np.ndarray]:
    X, y = problem(n_classes)
    task = "binary" if n_classes == 2 else "multiclass"
    model = make_model(name, task=task, n_classes=n_classes, seed=0, **{**quick(name), **params})
    return model.fit(X[:1000], y[:1000]), X[1000:], y[1000:]


def raw_margin(model: Model, X: sp.csr_matrix) -> np.ndarray:
    """The booster's raw (log-odds) output, read from the library itself."""
    if isinstance(model, XGBoostModel):
        rows = (0, model.best_iteration_ + 1)
        dmatrix = xgboost.DMatrix(X, missing=0.0)
        return np.asarray(model.booster_.predict(dmatrix, output_margin=True, iteration_range=rows))
    assert isinstance(model, CatBoostModel)
    return np.asarray(model.booster_.predict(X, prediction_type="RawFormulaVal"))


@pytest.mark.parametrize("name", NAMES)
def test_binary_fit_on_csr_beats_chance_on_held_out_rows(name):
    model, X_test, y_test = fitted(name, 2)
    proba = model.predict_proba(X_test)
    assert proba.shape == (500,)
    assert roc_auc_score(y_test, proba) > 0.85


@pytest.mark.parametrize("name", NAMES)
def test_multiclass_fit_on_csr_beats_chance_on_held_out_rows(name):
    model, X_test, y_test = fitted(name, 3)
    proba = model.predict_proba(X_test)
    assert proba.shape == (500, 3)
    assert np.allclose(proba.sum(axis=1), 1)
    assert log_loss(y_test, proba) < 0.7 * np.log(3)


@pytest.mark.parametrize("name", NAMES)
def test_dense_rows_predict_as_their_csr_form(name):
    """xgboost's default would read a CSR gap as missing but a dense zero as the value 0."""
    model, X_test, _ = fitted(name, 3)
    assert np.array_equal(model.predict_proba(X_test), model.predict_proba(X_test.toarray()))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("n_classes", [2, 3])
def test_shap_values_add_up_to_the_raw_margin(name, n_classes):
    model, X_test, _ = fitted(name, n_classes)
    shap, base = model.explain(X_test)
    expected_shape = (500, 10) if n_classes == 2 else (500, n_classes, 10)
    assert shap.shape == expected_shape and shap.dtype == np.float32
    assert base.shape == expected_shape[:-1]
    assert np.isfinite(shap).all()
    margin = raw_margin(model, X_test)
    proba = model.predict_proba(X_test)
    assert np.allclose(expit(margin) if n_classes == 2 else softmax(margin, axis=1), proba)
    assert np.allclose(base + shap.sum(axis=-1), margin, atol=1e-4)
    assert np.allclose(base, base[0], atol=1e-6)  # the expected value: the same for every row


@pytest.mark.parametrize("cls", [XGBoostModel, CatBoostModel])
def test_search_space_gives_back_the_defaults(cls):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # FixedTrial warns on a value outside its range
        space = cls.search_space(optuna.trial.FixedTrial(dict(cls.DEFAULTS)))
    assert space == {key: cls.DEFAULTS[key] for key in space}
    assert len(space) >= 5


@pytest.mark.parametrize(
    "name, values",
    [
        (
            "xgb",
            {
                "learning_rate": 0.15,
                "max_depth": 3,
                "min_child_weight": 5.0,
                "subsample": 0.6,
                "colsample_bytree": 0.9,
                "reg_lambda": 10.0,
            },
        ),
        (
            "catboost",
            {
                "learning_rate": 0.15,
                "depth": 4,
                "l2_leaf_reg": 10.0,
                "random_strength": 0.3,
                "rsm": 0.9,
                "border_count": 32,
            },
        ),
    ],
)
def test_searched_parameters_make_a_model_that_fits(name, values):
    cls = type(make_model(name, task="binary", n_classes=2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        params = cls.search_space(optuna.trial.FixedTrial(values))
    assert params == values
    assert all(params[key] != cls.DEFAULTS[key] for key in params)
    model, X_test, y_test = fitted(name, 2, **params)
    assert roc_auc_score(y_test, model.predict_proba(X_test)) > 0.85


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_predictions_other_seed_other_predictions(name):
    X, y = problem(3)

    def predict(seed: int) -> np.ndarray:
        model = make_model(name, task="multiclass", n_classes=3, seed=seed, **quick(name))
        return model.fit(X, y).predict_proba(X)

    first = predict(1)
    assert np.array_equal(first, predict(1))
    assert not np.array_equal(first, predict(2))


@pytest.mark.parametrize("name", NAMES)
def test_class_weight_balanced_raises_the_minority_class_probability(name):
    X, y = problem(2)
    y = y & (np.arange(len(y)) % 4 == 0)  # about 12% positives

    def mean_proba(**params: Any) -> float:
        model = make_model(name, task="binary", n_classes=2, **quick(name), **params)
        return float(model.fit(X, y).predict_proba(X).mean())

    assert mean_proba(class_weight="balanced") > mean_proba() + 0.1


@pytest.mark.parametrize("name", NAMES)
def test_deadline_in_the_past_stops_the_fit(name):
    X, y = problem(2)
    model = make_model(name, task="binary", n_classes=2, **quick(name))
    with deadline(time.monotonic() - 1), pytest.raises(OutOfTime):
        model.fit(X, y)


@pytest.mark.parametrize("name", NAMES)
def test_deadline_passing_during_training_stops_it_promptly(name):
    X, y = problem(2, n=4000)
    # A hundred thousand rounds that never early-stop would take minutes.
    model = make_model(name, task="binary", n_classes=2, **quick(name, 100_000, 100_000))
    start = time.monotonic()
    with deadline(start + 0.3), pytest.raises(OutOfTime):
        model.fit(X, y)
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize("name", NAMES)
def test_fit_writes_nothing_into_the_working_directory(name, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    fitted(name, 3)
    assert list(tmp_path.iterdir()) == []
