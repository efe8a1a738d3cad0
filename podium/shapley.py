"""SHAP values of one fitted model, by the explainer that suits it, within a time limit.

- **Tree models** (LightGBM, XGBoost, CatBoost): the booster's own TreeSHAP. It is what
  ``shap.TreeExplainer`` itself calls for these boosters when it is given no background data,
  so the numbers are the same (a test checks they agree to 1e-6), without shap's per-call
  set-up; values are in log-odds (binary) or raw class margins (multiclass).
- **Linear models** (logistic regression): ``shap.LinearExplainer``, interventional, with the
  mean of the fold's training rows as the background; the same raw space.
- **Any other model**: ``shap.PermutationExplainer`` on a small background sample of the fold's
  training rows, explaining the log-odds of ``predict_proba`` (binary) or its log-probabilities
  (multiclass), a few rows at a time until the time runs out.

Every explanation is additive: the base value plus the sum of a row's values is the model's
raw output for that row (tests check it for each kind).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from core.types import Matrix
from models.base import Model

# Background rows of the model-agnostic explainer, and rows it explains per step (it checks
# the time between steps).
BACKGROUND_ROWS = 50
AGNOSTIC_CHUNK = 8
LINEAR_CHUNK = 500  # rows per LinearExplainer call: bounds the dense (rows, features) block
EPS = 1e-7


@dataclass
class Attribution:
    """SHAP values of some rows: ``values`` ``(n, F)`` or ``(n, K, F)`` (float32), ``base``
    ``(n,)`` or ``(n, K)``; ``rows`` says which rows of the explained block they are."""

    values: np.ndarray
    base: np.ndarray
    method: str
    rows: np.ndarray

    @property
    def output(self) -> str:
        return output_of(self.method, self.values.ndim == 3)


def output_of(method: str, multiclass: bool) -> str:
    """What an explainer's values add up to: the model's raw output (tree and linear models),
    or the log of what ``predict_proba`` gives (the model-agnostic explainer)."""
    if multiclass:
        return "log-probability" if method == "permutation" else "raw class score"
    return "log-odds"


def explain_model(
    model: Model, X: Matrix, background: Matrix, until: float, seed: int = 0
) -> Attribution | None:
    """SHAP values of the rows of ``X`` by ``model``; ``background`` is (a sample of) the rows
    the model was fitted on. Tree and linear explanations take every row at once; the
    model-agnostic one stops at ``until`` (a :func:`time.monotonic` value) with the rows done.
    None when no row could be explained in time."""
    native = model.explain(X)
    if native is not None:
        values, base = native
        return Attribution(values.astype(np.float32), base, "tree", np.arange(X.shape[0]))
    if model.linear_terms() is not None:
        return _linear(model, X, background)
    return _permutation(model, X, background, until, seed)


def _linear(model: Model, X: Matrix, background: Matrix) -> Attribution:
    import shap  # deferred: importing shap takes seconds

    terms = model.linear_terms()
    assert terms is not None
    coef, intercept = terms
    mean = np.asarray(background.mean(axis=0)).ravel()
    binary = coef.shape[0] == 1
    explainer = shap.LinearExplainer(
        (coef[0], intercept[0]) if binary else (coef, intercept),
        shap.maskers.Independent({"mean": mean, "cov": None}),
    )
    parts = []
    for start in range(0, X.shape[0], LINEAR_CHUNK):
        chunk = np.asarray(explainer.shap_values(X[start : start + LINEAR_CHUNK]))
        chunk = chunk if binary else chunk.transpose(0, 2, 1)  # (n, F, K) -> (n, K, F)
        parts.append(chunk.astype(np.float32))  # one float32 copy in all, not float64 first
    values = np.concatenate(parts)
    expected = np.asarray(explainer.expected_value, dtype=np.float64)
    base = np.tile(expected, (values.shape[0], *([1] * expected.ndim)))  # the same for every row
    return Attribution(values, base, "linear", np.arange(X.shape[0]))


def _permutation(
    model: Model, X: Matrix, background: Matrix, until: float, seed: int
) -> Attribution | None:
    import shap  # deferred: importing shap takes seconds

    rng = np.random.default_rng(seed)
    take = rng.choice(background.shape[0], min(BACKGROUND_ROWS, background.shape[0]), replace=False)
    binary = model.task == "binary"

    def raw(rows: np.ndarray) -> np.ndarray:
        proba = np.clip(model.predict_proba(sp.csr_matrix(rows, dtype=np.float32)), EPS, 1 - EPS)
        return np.log(proba / (1 - proba)) if binary else np.log(proba)

    explainer = shap.PermutationExplainer(
        raw, shap.maskers.Independent(_dense(background[np.sort(take)])), seed=seed
    )
    n_features = X.shape[1]
    values, bases = [], []
    done = 0
    while done < X.shape[0] and time.monotonic() < until:
        block = _dense(X[done : done + AGNOSTIC_CHUNK])
        result = explainer(block, max_evals=2 * n_features + 1, silent=True)
        chunk = np.asarray(result.values)
        values.append(chunk if binary else chunk.transpose(0, 2, 1))
        bases.append(np.asarray(result.base_values, dtype=np.float64))
        done += block.shape[0]
    if done == 0:
        return None
    return Attribution(
        np.concatenate(values).astype(np.float32), np.concatenate(bases), "permutation",
        np.arange(done),
    )  # fmt: skip


def _dense(X: Matrix) -> np.ndarray:
    if isinstance(X, np.ndarray):
        return X.astype(np.float64)
    return np.asarray(X.toarray(), dtype=np.float64)
