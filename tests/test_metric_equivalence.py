"""podium's vectorised metrics equal scikit-learn's, ties and missing classes included."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score, log_loss, roc_auc_score

from core.metrics import get_metric


@pytest.mark.parametrize("seed", range(30))
def test_metrics_equal_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(5, 400)), int(rng.integers(2, 6))
    y = rng.integers(0, k, n)
    proba = rng.random((n, k))
    if seed % 3 == 0:  # coarse values: many ties
        proba = np.round(proba, 1) + 1e-3
    proba /= proba.sum(axis=1, keepdims=True)
    labels = rng.integers(0, k, n)
    assert get_metric("f1_macro").func(y, labels) == pytest.approx(
        f1_score(y, labels, average="macro", zero_division=0), abs=1e-12
    )
    assert get_metric("log_loss").func(y, proba) == pytest.approx(
        log_loss(y, proba, labels=np.arange(k)), abs=1e-9
    )
    binary = (y == 0).astype(np.int64)
    if 0 < binary.sum() < n:
        score = proba[:, 0] if seed % 3 else np.round(proba[:, 0], 1)
        assert get_metric("roc_auc").func(binary, score) == pytest.approx(
            roc_auc_score(binary, score), abs=1e-12
        )


def test_auc_of_one_class_is_nan_and_f1_counts_a_never_predicted_class_as_zero():
    assert np.isnan(get_metric("roc_auc").func(np.ones(4), np.arange(4.0)))
    f1 = get_metric("f1_macro").func(np.array([0, 0, 1, 2]), np.array([0, 0, 1, 1]))
    assert f1 == pytest.approx((1 + 2 / 3 + 0) / 3)
