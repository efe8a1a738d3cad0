"""SHAP explanations: every kind adds up to the model's output, the boosters' native TreeSHAP
matches the shap library's, and saved Explanations load back."""

from __future__ import annotations

import time

import numpy as np
import pytest
import scipy.sparse as sp
import shap
from scipy.special import expit, softmax

from core.folds import FoldScheme, make_folds
from core.metrics import get_metric
from core.results import CVResult
from models import make_model
from models.bag import SeedBag
from models.base import Model
from podium import explain as podium_explain
from podium.cv import cross_validate, explain
from podium.explain import (
    Explained,
    level2_shap,
    load,
    mean_abs_shap,
    narrowed,
    save,
    to_explanation,
)
from podium.shapley import explain_model

QUICK = {"lgbm": {"num_boost_round": 60}, "xgb": {"num_boost_round": 60},
         "catboost": {"iterations": 60}}  # fmt: skip


def problem(n_classes: int, n: int = 300, seed: int = 0) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    X[rng.random(X.shape) < 0.3] = 0.0
    scores = X[:, :3] @ rng.normal(size=(3, n_classes)) * 2 + rng.normal(size=(n, n_classes))
    return sp.csr_matrix(X), scores.argmax(axis=1)


def fitted(name: str, n_classes: int) -> tuple[Model, sp.csr_matrix]:
    X, y = problem(n_classes)
    task = "binary" if n_classes == 2 else "multiclass"
    params = QUICK.get(name, {})
    return make_model(name, task=task, n_classes=n_classes, **params).fit(X, y), X


def as_the_booster_sees_it(name: str, X: sp.csr_matrix) -> np.ndarray:
    """Dense rows for shap: podium's XGBoost reads zeros as missing (models/xgb.py), which a
    dense array says with NaN."""
    dense = X.toarray()
    if name == "xgb":
        dense[dense == 0] = np.nan
    return dense


def probabilities(total: np.ndarray, method: str) -> np.ndarray:
    """What base + sum of values must give back, mapped to predict_proba's scale."""
    if total.ndim == 1:
        return expit(total)
    return np.exp(total) if method == "permutation" else softmax(total, axis=1)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "name, method", [("lgbm", "tree"), ("logreg", "linear"), ("knn", "permutation")]
)
def test_every_kind_of_explanation_adds_up_to_the_models_output(name, method, n_classes):
    model, X = fitted(name, n_classes)
    done = explain_model(model, X[:16], X, until=time.monotonic() + 60)
    assert done is not None and done.method == method
    shape = (16, 6) if n_classes == 2 else (16, n_classes, 6)
    assert done.values.shape == shape and done.base.shape == shape[:-1]
    total = done.base + done.values.sum(axis=-1)
    proba = model.predict_proba(X[:16])
    assert np.allclose(probabilities(total, method), proba, atol=1e-5)
    assert np.abs(done.values).max() > 0.01  # not trivially zero


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("name", ["lgbm", "xgb", "catboost"])
def test_native_tree_shap_matches_shaps_tree_explainer(name, n_classes):
    """podium wraps each booster's own TreeSHAP; shap.TreeExplainer must give the same."""
    model, X = fitted(name, n_classes)
    values, base = model.explain(X[:40])
    reference = shap.TreeExplainer(model.booster_)(as_the_booster_sees_it(name, X[:40]))
    expected = np.asarray(reference.values)
    if n_classes > 2:
        expected = expected.transpose(0, 2, 1)  # shap puts the classes last
    assert np.allclose(values, expected, atol=1e-6)
    assert np.allclose(base, np.asarray(reference.base_values), atol=1e-6)


def test_native_tree_shap_matches_shaps_own_algorithm():
    """shap's own TreeSHAP on the trees it parsed ('internal' skips the booster's native call
    that shap.TreeExplainer would otherwise make itself): an independent implementation. (For
    XGBoost, whose zeros podium reads as missing, shap's parsed trees route missing values
    differently, so only LightGBM is compared this way.)"""
    name = "lgbm"
    model, X = fitted(name, 2)
    values, base = model.explain(X[:40])
    explainer = shap.TreeExplainer(model.booster_)
    explainer.model.model_type = "internal"
    reference = explainer(as_the_booster_sees_it(name, X[:40]))
    assert np.allclose(values, reference.values, atol=1e-6)


def test_a_model_agnostic_explanation_stops_at_its_time_limit():
    model, X = fitted("knn", 2)
    assert explain_model(model, X[:40], X, until=time.monotonic() - 1) is None
    started = time.monotonic()
    done = explain_model(model, X[:200], X, until=started + 0.5)
    assert done is not None and 0 < len(done.rows) < 200
    assert time.monotonic() - started < 5


def test_cross_validated_explanations_use_the_fold_model_that_did_not_see_the_row():
    X, y = problem(2, n=400)
    fold = make_folds(FoldScheme("stratified"), y, 4, seed=0)

    def make() -> Model:
        return make_model("logreg", task="binary", n_classes=2)

    result = cross_validate("logreg", make, X, y, X[:10], fold, get_metric("roc_auc"),
                            keep_models=True)  # fmt: skip
    rows = np.arange(0, 400, 7)
    explain(result, X, fold, rows, cap=60)
    assert result.shap_method == "linear" and result.shap_rows is not None
    assert sorted(result.shap_rows.tolist()) == rows.tolist()
    assert result.shap is not None and result.shap_base is not None
    total = result.shap_base + result.shap.sum(axis=1)
    assert np.allclose(expit(total), result.oof[result.shap_rows], atol=1e-5)


def test_saved_explanations_load_back_and_still_add_up(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    values = rng.normal(size=(5, 3, 8)).astype(np.float32)
    done = Explained(np.arange(5), values, rng.normal(size=(5, 3)), "tree", "raw class score")
    names = [f"feature {j}" for j in range(8)]
    expl = to_explanation(done, rng.normal(size=(5, 8)), names, ("a", "b", "c"), list("vwxyz"))
    assert expl.values.shape == (5, 8, 3)  # shap's layout: classes last
    monkeypatch.setattr(podium_explain, "SAVED_FEATURES", 3)
    save(tmp_path / "explanations" / "m.npz", expl, {"method": "tree"})
    back = load(tmp_path, "m")
    assert isinstance(back, shap.Explanation)
    assert back.values.shape == (5, 4, 3) and back.feature_names[-1] == "sum of 5 other features"
    assert back.output_names == ["a", "b", "c"] and list(back.instance_names) == list("vwxyz")
    strongest = np.argsort(-np.abs(values).mean(axis=0).sum(axis=0))[:3]
    assert set(back.feature_names[:3]) == {names[j] for j in strongest}
    assert np.allclose(back.values.sum(axis=1), values.sum(axis=2), atol=1e-5)
    assert np.allclose(back.base_values, done.base)
    with pytest.raises(FileNotFoundError, match="'other'.*saved ones: m"):
        load(tmp_path, "other")


def test_the_level2_explanation_says_which_model_drove_a_blend():
    oof_a, oof_b = np.array([0.1, 0.9, 0.5, 0.3]), np.array([0.2, 0.4, 0.8, 0.6])
    a = CVResult("a", oof_a, oof_a, [0.5], 0.5, 0.0, 0.0)
    b = CVResult("b", oof_b, oof_b, [0.5], 0.5, 0.0, 0.0)
    blend = CVResult("blend", 0.75 * oof_a + 0.25 * oof_b, oof_a, [0.5], 0.5, 0.0, 0.0,
                     params={"weights": {"a": 0.75, "b": 0.25}}, kind="ensemble")  # fmt: skip
    level2 = level2_shap(blend, [a, b], np.arange(4))
    assert level2 is not None
    done, names = level2
    assert names == ["a", "b"] and done.values.shape == (4, 2)
    assert np.allclose(done.base + done.values.sum(axis=1), blend.oof)
    assert np.allclose(done.values[:, 0], 0.75 * (oof_a - oof_a.mean()))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_a_seed_bag_predicts_and_explains_the_mean_of_its_seeds(n_classes):
    X, y = problem(n_classes)
    task = "binary" if n_classes == 2 else "multiclass"
    seeds = [
        make_model("lgbm", task=task, n_classes=n_classes, seed=s, **QUICK["lgbm"]).fit(X, y)
        for s in (1, 2)
    ]
    assert not np.allclose(seeds[0].predict_proba(X), seeds[1].predict_proba(X))  # they differ
    bag = SeedBag.of(seeds)
    assert np.allclose(bag.predict_proba(X), np.mean([m.predict_proba(X) for m in seeds], axis=0))
    done = explain_model(bag, X[:20], X, time.monotonic() + 30)
    assert done is not None and done.method == "tree"
    own = [m.explain(X[:20]) for m in seeds]
    assert np.allclose(done.values, np.mean([v for v, _ in own], axis=0), atol=1e-6)
    raw = done.base + done.values.sum(axis=-1)  # the mean of the seeds' raw outputs
    mean_raw = np.mean([b + v.sum(axis=-1) for v, b in own], axis=0)
    assert np.allclose(raw, mean_raw, atol=1e-5)
    assert np.allclose(probabilities(raw, "tree"), bag.predict_proba(X[:20]), atol=0.02)


def test_a_wide_explanation_is_cut_to_its_strongest_features_and_still_adds_up(monkeypatch):
    monkeypatch.setattr(podium_explain, "SAVED_FEATURES", 4)
    rng = np.random.default_rng(1)
    values = rng.normal(size=(6, 3, 10)).astype(np.float32)  # (rows, classes, features)
    values[:, :, 7] *= 50  # the strongest feature, by far
    done = Explained(np.arange(6), values, rng.normal(size=(6, 3)), "tree", "raw class score")
    names = [f"f{j}" for j in range(10)]
    cut, columns, short = narrowed(done, names, mean_abs_shap(values))
    assert cut.values.shape == (6, 3, 5) and len(columns) == 4 and 7 in columns
    assert short[:4] == [names[j] for j in columns] and short[4] == "sum of 6 other features"
    assert np.allclose(cut.values.sum(axis=2), values.sum(axis=2), atol=1e-4)
    narrow_enough = Explained(np.arange(6), values[:, :, :5], done.base, "tree", "raw")
    narrow_mean_abs = mean_abs_shap(narrow_enough.values)  # 5 = 4 + 1: nothing to sum
    assert narrowed(narrow_enough, names[:5], narrow_mean_abs)[0] is narrow_enough


def test_wide_values_are_summarised_a_block_of_rows_at_a_time(monkeypatch):
    """A transposed view (shap's (rows, features, classes) read as (rows, classes, features)),
    summed in blocks of a few rows, gives what whole-array arithmetic gives."""
    monkeypatch.setattr(podium_explain, "SAVED_FEATURES", 4)
    monkeypatch.setattr(podium_explain, "BLOCK_BYTES", 200)  # 2 rows of 3 x 10 float32 a block
    rng = np.random.default_rng(2)
    values = rng.normal(size=(7, 10, 3)).astype(np.float32).transpose(0, 2, 1)
    mean_abs = mean_abs_shap(values)
    assert np.allclose(mean_abs, np.abs(values).mean(axis=0), atol=1e-6)
    done = Explained(np.arange(7), values, rng.normal(size=(7, 3)), "tree", "raw class score")
    cut, columns, _ = narrowed(done, [f"f{j}" for j in range(10)], mean_abs)
    rest = np.setdiff1d(np.arange(10), columns)
    assert np.array_equal(cut.values[:, :, :4], values[:, :, columns])
    assert np.allclose(cut.values[:, :, 4], values[:, :, rest].sum(axis=2), atol=1e-5)
    assert mean_abs_shap(values[:0]).shape == (3, 10)
    empty = Explained(np.arange(0), values[:0], done.base[:0], "tree", "raw class score")
    assert narrowed(empty, [f"f{j}" for j in range(10)], mean_abs)[0].values.shape == (0, 3, 5)


def test_plots_drawn_by_worker_processes_are_those_drawn_here(tmp_path, monkeypatch):
    """On large data the plots are drawn by worker processes: the same images, in order,
    each saved under its own name."""
    from core import cpus
    from podium import shap_files
    from podium.shap_files import _draw_all, _Plot

    rng = np.random.default_rng(3)
    expl = shap.Explanation(
        values=rng.normal(size=(40, 5)), base_values=np.zeros(40),
        data=rng.normal(size=(40, 5)), feature_names=[f"f{j}" for j in range(5)],
    )  # fmt: skip
    plots = [
        _Plot(tmp_path / "bar.png", "bar", expl, ("bar", "log-odds")),
        _Plot(tmp_path / "beeswarm.png", "beeswarm", expl, ("beeswarm", "log-odds")),
        _Plot(tmp_path / "scatter.png", "scatter", expl, (0, 1, "f0")),
        _Plot(tmp_path / "waterfall.png", "waterfall", expl[3], ("row 3",)),
    ]
    with cpus.jobs_limit(1):
        here = _draw_all(plots, train_rows=10**6)
    saved = [p.path.read_bytes() for p in plots]
    monkeypatch.setattr(shap_files, "MIN_PLOTS_PER_WORKER", 1)
    with cpus.jobs_limit(2):
        in_workers = _draw_all(plots, train_rows=10**6)
    assert in_workers == here == saved
    assert len(set(here)) == len(plots) and all(image[:4] == b"\x89PNG" for image in here)
