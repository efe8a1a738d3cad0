"""The scikit-learn baselines (models.classic, models.neural): learning on sparse input, class
weights, the kernel SVM's row cap, missing classes, smoothing, seeds and the MLP's layers."""

from __future__ import annotations

import logging
import time

import numpy as np
import pytest
import scipy.sparse as sp

from core.deadlines import OutOfTime, deadline
from core.metrics import get_metric
from models import make_model
from models.base import Model
from models.classic import stratified_sample
from models.gbm import early_stopping_split
from models.neural import hidden_layers

log_loss = get_metric("log_loss").score

NEW = ["rf", "knn", "svm", "svm-rbf", "mlp", "logreg-kbest", "logreg-pca"]


def sparse_problem(
    n_rows: int, n_classes: int = 3, seed: int = 0, rare: float | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse float32 counts over 300 columns: each row has three hits in its class's block of
    five columns among about six noise counts. ``rare``: the last class's share."""
    rng = np.random.default_rng(seed)
    shares = None
    if rare is not None:
        shares = np.r_[np.full(n_classes - 1, (1 - rare) / (n_classes - 1)), rare]
    y = rng.choice(n_classes, size=n_rows, p=shares)
    noise = sp.random(
        n_rows, 300, density=0.02, format="csr", random_state=seed,
        data_rvs=lambda k: rng.integers(1, 4, k),
    )  # fmt: skip
    rows = np.repeat(np.arange(n_rows), 3)
    cols = 5 * np.repeat(y, 3) + rng.integers(0, 5, 3 * n_rows)
    signal = sp.csr_matrix((np.ones(3 * n_rows), (rows, cols)), shape=(n_rows, 300))
    return sp.csr_matrix(noise + signal, dtype=np.float32), y


def fit(name: str, X: sp.csr_matrix, y: np.ndarray, n_classes: int = 3, **params) -> Model:
    task = "binary" if n_classes == 2 else "multiclass"
    return make_model(name, task=task, n_classes=n_classes, seed=0, **params).fit(X, y)


@pytest.mark.parametrize("name", NEW)
def test_learns_a_signal_on_sparse_input(name):
    X, y = sparse_problem(900)
    proba = fit(name, X[:600], y[:600]).predict_proba(X[600:])
    prior = np.bincount(y[:600]) / 600
    assert proba.shape == (300, 3) and np.allclose(proba.sum(axis=1), 1)
    assert (proba.argmax(axis=1) == y[600:]).mean() > 0.85
    assert log_loss(y[600:], proba) < 0.6 * log_loss(y[600:], np.tile(prior, (300, 1)))


@pytest.mark.parametrize("name", NEW)
def test_balanced_class_weight_raises_the_rare_class_share(name):
    X, y = sparse_problem(1000, n_classes=2, seed=1, rare=0.1)
    plain = fit(name, X[:700], y[:700], n_classes=2).predict_proba(X[700:])
    balanced = fit(name, X[:700], y[:700], n_classes=2, class_weight="balanced")
    assert balanced.predict_proba(X[700:]).mean() > 1.1 * plain.mean()


@pytest.mark.parametrize("name", NEW)
def test_an_unknown_class_weight_is_refused(name):
    X, y = sparse_problem(200)
    with pytest.raises(ValueError, match="class_weight must be None or 'balanced'"):
        fit(name, X, y, class_weight="auto")


@pytest.mark.parametrize("name", NEW)
def test_a_class_missing_from_the_training_rows_still_gets_a_column(name):
    X, y = sparse_problem(600)  # labels 0..2 of 4 classes: class 3 is never seen
    proba = fit(name, X[:400], y[:400], n_classes=4).predict_proba(X[400:])
    assert proba.shape == (200, 4)
    assert np.isfinite(proba).all() and np.allclose(proba.sum(axis=1), 1)
    assert (proba[:, :3].argmax(axis=1) == y[400:]).mean() > 0.8


@pytest.mark.parametrize("name", NEW)
def test_fits_on_sparse_multiclass_rows_are_deterministic(name):
    X, y = sparse_problem(500)
    first = fit(name, X, y).predict_proba(X)
    assert np.array_equal(first, fit(name, X, y).predict_proba(X))


def test_knn_smooths_neighbour_shares_so_no_probability_is_zero():
    X, y = sparse_problem(600)
    model = fit("knn", X, y, n_neighbors=20)
    raw = model.pipeline_.predict_proba(X)
    assert (raw == 0).any()  # the neighbour shares alone would give an infinite log loss
    proba = model.predict_proba(X)
    assert proba.min() > 0
    expected = (raw * 20 + 10.0 * model.prior_) / 30.0
    assert np.allclose(proba, expected)


def test_kernel_svm_fits_on_a_stratified_sample_of_max_rows(caplog):
    X, y = sparse_problem(1000, rare=0.1)
    order = np.argsort(y, kind="stable")  # rows sorted by class: the first 200 are all class 0
    X, y = X[order], y[order]
    with caplog.at_level(logging.INFO, logger="models.classic"):
        model = fit("svm-rbf", X, y, max_rows=200)
    assert "stratified sample of 200 of 1000 rows" in caplog.text
    calibrated = model.pipeline_[-1]
    assert calibrated.calibrated_classifiers_[0].estimator.shape_fit_[0] == 200
    assert model.pipeline_[2].n_samples_seen_ == 200  # the scaler after the SVD: same sample
    assert list(calibrated.classes_) == [0, 1, 2]
    assert (model.predict_proba(X).argmax(axis=1) == y).mean() > 0.85
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="models.classic"):
        fit("svm-rbf", X[::7], y[::7], max_rows=200)
    assert "stratified sample" not in caplog.text


def test_stratified_sample_keeps_class_shares_and_follows_the_seed():
    y = np.repeat([0, 1, 2], [700, 290, 10])
    rows = stratified_sample(y, 100, seed=3)
    assert len(rows) == len(np.unique(rows)) == 100 and np.all(np.diff(rows) > 0)
    assert np.abs(np.bincount(y[rows], minlength=3) - [70, 29, 1]).max() <= 1
    assert np.array_equal(rows, stratified_sample(y, 100, seed=3))
    assert not np.array_equal(rows, stratified_sample(y, 100, seed=4))


def test_svm_leaves_out_a_class_seen_once_and_still_predicts_it(caplog):
    X, y = sparse_problem(300)
    y = np.where(y == 2, 0, y)
    y[7] = 2
    with caplog.at_level(logging.WARNING, logger="models.classic"):
        proba = fit("svm", X, y).predict_proba(X)
    assert "classes [2] have one training row" in caplog.text
    assert proba.shape == (300, 3) and np.all(proba[:, 2] == 0)


@pytest.mark.parametrize(
    ("value", "widths"),
    [("256,128", (256, 128)), (" 64 , 32 ", (64, 32)), ((512,), (512,)), ([8, 4], (8, 4)),
     (16, (16,)), (np.int64(3), (3,))],
)  # fmt: skip
def test_hidden_layers_accepts_tuples_ints_and_strings(value, widths):
    assert hidden_layers(value) == widths


@pytest.mark.parametrize("value", ["", "a,b", "64,0", (64, -1), 1.5, "64.5", ()])
def test_hidden_layers_refuses_anything_else(value):
    with pytest.raises(ValueError, match="hidden_layers must be positive layer widths"):
        hidden_layers(value)


def test_mlp_builds_the_given_layers_and_keeps_its_best_epoch():
    X, y = sparse_problem(600)
    rng = np.random.default_rng(0)
    y = np.where(rng.random(600) < 0.3, rng.integers(0, 3, 600), y)  # noisy: it overfits
    model = fit("mlp", X, y, hidden_layers="16,8", alpha=1e-6, learning_rate_init=0.01)
    network = model.pipeline_[-1]
    assert [c.shape for c in network.coefs_] == [(300, 16), (16, 8), (8, 3)]
    assert network.n_iter_ < 200  # stopped early, on the held-out log loss
    # The restored weights are the best epoch's, not the last one's: they score the holdout
    # at the best loss.
    _, stop_idx = early_stopping_split(y, 0.1, seed=0)
    holdout = network.predict_proba(model.pipeline_[0].transform(X[stop_idx]))
    assert log_loss(y[stop_idx], holdout) == pytest.approx(network.best_validation_loss_, rel=1e-5)


def test_mlp_stops_at_the_deadline():
    X, y = sparse_problem(2000)
    started = time.monotonic()
    with pytest.raises(OutOfTime), deadline(started + 0.2):
        fit("mlp", X, y, max_iter=10_000, n_iter_no_change=10_000)
    assert time.monotonic() - started < 5
