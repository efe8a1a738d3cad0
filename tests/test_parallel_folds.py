"""Folds fitted in parallel worker processes give exactly what one process gives, and stop at
the run's deadline; the CPU count follows the affinity mask."""

from __future__ import annotations

import os
import time
from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp

from core import cpus
from core.deadlines import OutOfTime, deadline
from core.metrics import get_metric
from models import make_model
from podium.cv import FoldCheckpoint, cross_validate

ROWS = cpus.PARALLEL_FOLDS_ROWS + 1000  # large enough for worker processes, small for speed


def problem(seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = sp.random(ROWS + 500, 40, density=0.2, format="csr", random_state=seed)
    logit = X[:, :5].toarray().sum(axis=1) * 3 - 1.5
    y = (rng.random(ROWS + 500) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    fold = np.arange(ROWS) % 4
    return X[:ROWS], y[:ROWS], X[ROWS:], fold


def lgbm(**params):
    base = {"num_boost_round": 60, "early_stopping_rounds": 20}
    return partial(make_model, "lgbm", task="binary", n_classes=2, seed=1, **{**base, **params})


def test_parallel_folds_match_one_process_exactly(tmp_path):
    X, y, X_test, fold = problem()
    metric = get_metric("roc_auc")
    with cpus.jobs_limit(1):
        alone = cross_validate("lgbm", lgbm(), X, y, X_test, fold, metric, keep_models=True)
    seen: list[int] = []
    with cpus.jobs_limit(2):
        together = cross_validate(
            "lgbm", lgbm(), X, y, X_test, fold, metric, lambda k, s: seen.append(k),
            keep_models=True, checkpoint=FoldCheckpoint(tmp_path / "ck"),
        )  # fmt: skip
    assert seen == [0, 1, 2, 3]  # reported in fold order, as the pruner needs
    np.testing.assert_array_equal(alone.oof, together.oof)
    np.testing.assert_array_equal(alone.test, together.test)
    assert alone.fold_scores == together.fold_scores and alone.cv_mean > 0.7
    assert together.models is not None and len(together.models) == 4  # for SHAP
    assert len(list((tmp_path / "ck").glob("fold-*.pkl"))) == 4


def test_every_booster_fits_and_predicts_in_fold_workers():
    X, y, _, fold = problem()
    # Over joblib's 1 MB memory-mapping threshold: workers once got read-only maps of it,
    # which CatBoost's predict_proba refuses.
    X_test = sp.random(25_000, 40, density=0.2, format="csr", random_state=1)
    metric = get_metric("roc_auc")
    for name, rounds in (("catboost", "iterations"), ("xgb", "num_boost_round")):
        make = partial(
            make_model, name, task="binary", n_classes=2, seed=1,
            **{rounds: 30, "early_stopping_rounds": 10},
        )  # fmt: skip
        with cpus.jobs_limit(2):
            result = cross_validate(name, make, X, y, X_test, fold, metric)
        assert result.cv_mean > 0.7 and result.test.shape == (X_test.shape[0],)


def test_parallel_folds_stop_at_the_parents_deadline():
    X, y, X_test, fold = problem()
    slow = lgbm(num_boost_round=100_000, early_stopping_rounds=100_000, learning_rate=0.001)
    started = time.monotonic()
    with cpus.jobs_limit(2), pytest.raises(OutOfTime), deadline(time.monotonic() + 3):
        cross_validate("lgbm", slow, X, y, X_test, fold, get_metric("roc_auc"))
    assert time.monotonic() - started < 20  # the workers' start included


def test_usable_cpus_follow_the_affinity_mask():
    if not hasattr(os, "sched_setaffinity"):
        pytest.skip("no affinity masks on this platform")
    before = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(before)})
        assert cpus.usable_cpus() == 1 and cpus.jobs() == 1
    finally:
        os.sched_setaffinity(0, before)
    assert cpus.usable_cpus() == min(len(before), cpus.usable_cpus())


def test_fit_threads_are_one_on_small_data_and_the_workers_share_inside_one():
    assert cpus.fit_threads(100) == 1
    with cpus.jobs_limit(3):
        assert cpus.fit_threads(cpus.SMALL_DATA) == 3


def test_run_py_keeps_openmp_passive_and_numpys_blas_to_one_thread_unless_told_otherwise():
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    probe = (
        "import os, run, numpy, threadpoolctl; "
        "blas = {i['num_threads'] for i in threadpoolctl.threadpool_info() "
        "if i['user_api'] == 'blas'}; print(os.environ['OMP_WAIT_POLICY'], sorted(blas))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.endswith(("_NUM_THREADS", "WAIT_POLICY"))}
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, env=clean, capture_output=True, text=True
    )
    assert done.stdout.split() == ["PASSIVE", "[1]"], done.stderr
    told = dict(clean, OPENBLAS_NUM_THREADS="2", OMP_WAIT_POLICY="ACTIVE")
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, env=told, capture_output=True, text=True
    )
    assert done.stdout.split()[0] == "ACTIVE" and done.stdout.split()[1] != "[1]", done.stdout
