"""Adversarial validation in every supervised run, and --drift-weights."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest
import scipy.sparse as sp

from competitions import hotstar
from core.metrics import get_metric
from models import make_model
from podium.adversarial import WARN_AUC, adversarial_validation, drift_weights
from podium.cv import cross_validate
from podium.options import RunOptions
from podium.runner import run


@pytest.fixture(scope="module")
def shifted():
    return hotstar.synthetic_dataset(3000, 1500, seed=5, shift=1.5)


@pytest.fixture(scope="module")
def unshifted():
    return hotstar.synthetic_dataset(3000, 1500, seed=5)


def _adversarial(dataset, scores=False):
    features = hotstar.build_features(dataset)
    return adversarial_validation(
        features.X_train, features.X_test, features.names, seed=42, scores=scores
    )


def test_a_shifted_test_set_is_told_apart_and_warned_about(shifted):
    result = _adversarial(shifted)
    assert result.auc > 0.9
    assert result.warning is not None and f"{result.auc:.3f}" in result.warning
    # The shift moves sport and soap viewing and watch time: those features separate.
    top = [name for name, _ in result.top_features[:5]]
    assert any(name.startswith(("genre_group=", "genre:", "tod")) for name in top), top


def test_an_unshifted_test_set_is_not(unshifted):
    result = _adversarial(unshifted)
    assert abs(result.auc - 0.5) < 0.03
    assert result.warning is None
    assert result.auc <= WARN_AUC


def test_adversarial_validation_is_deterministic_for_the_seed(shifted):
    first, second = _adversarial(shifted, scores=True), _adversarial(shifted, scores=True)
    assert first.auc == second.auc and first.top_features == second.top_features
    assert first.test_likeness is not None and second.test_likeness is not None
    np.testing.assert_array_equal(first.test_likeness, second.test_likeness)


def test_drift_weights_favour_test_like_rows():
    likeness = np.array([0.01, 0.2, 0.5, 0.5, 0.8, 0.999])
    weight = drift_weights(likeness)
    assert np.all(np.diff(weight) >= 0)  # more test-like, more weight
    assert weight.mean() == pytest.approx(1.0)
    assert weight.max() / weight.min() <= 100 + 1e-9  # clipped


def test_row_weights_reach_every_fold_fit():
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.normal(size=(300, 4)))
    y = (X[:, 0].toarray().ravel() > 0).astype(int)
    fold = np.arange(300) % 3
    metric = get_metric("roc_auc")

    def make():
        return make_model("logreg", task="binary", n_classes=2)

    plain = cross_validate("logreg", make, X, y, X, fold, metric)
    ones = cross_validate("logreg", make, X, y, X, fold, metric, sample_weight=np.ones(300))
    np.testing.assert_allclose(plain.oof, ones.oof, rtol=1e-6)
    # Weight 2 on the rows with a positive second feature: as if they were there twice.
    weight = 1.0 + (X[:, 1].toarray().ravel() > 0)
    weighted = cross_validate("logreg", make, X, y, X, fold, metric, sample_weight=weight)
    assert not np.allclose(plain.oof, weighted.oof)
    train = np.flatnonzero(fold != 0)
    twice = np.r_[train, train[weight[train] > 1]]
    alone = make().fit(X[twice], y[twice])
    np.testing.assert_allclose(
        weighted.oof[fold == 0], alone.predict_proba(X[fold == 0]), rtol=1e-3, atol=1e-5
    )


def test_a_shifted_run_reports_it_and_drift_weights_are_recorded(tmp_path, shifted, caplog):
    caplog.set_level(logging.INFO)
    options = RunOptions(
        comp="hotstar", preset="quick", out=tmp_path, models=("logreg",), folds=3,
        progress=False, report=False, shap_rows=0, drift_weights=True,
    )  # fmt: skip
    result = run(options, dataset=shifted)
    summary = json.loads((result.run_dir / "run.json").read_text())
    adversarial = summary["adversarial_validation"]
    assert adversarial["auc"] > 0.9 and adversarial["warning"]
    assert adversarial["top_features"][0]["mean_abs_shap"] > 0
    assert adversarial["drift_weights"]["effective_rows"] < 3000
    assert json.loads((result.run_dir / "options.json").read_text())["drift_weights"] is True
    from podium.present import present

    shown = present(result)  # the console summary
    assert "Adversarial validation (train vs test): AUC" in shown
    assert "Warning: adversarial validation" in shown and "Drift weights:" in shown
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("adversarial validation" in message for message in warnings)


def test_too_few_rows_to_compare_skip_the_check(unshifted):
    from podium.adversarial import check_drift

    features = hotstar.build_features(unshifted)
    few = type(features)(features.X_train, features.X_test[:3], features.names)
    assert check_drift(few, seed=1, weigh=True) == (None, None)


def test_the_check_is_skipped_when_it_cannot_fit_in_the_budget(unshifted):
    import time

    from podium.adversarial import check_drift

    features = hotstar.build_features(unshifted)
    assert check_drift(features, seed=1, weigh=True, until=time.monotonic()) == (None, None)
