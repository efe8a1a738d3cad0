"""Ensembles: fitted only on out-of-fold predictions, scored over the same folds."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from core.folds import FoldScheme, make_folds
from core.metrics import get_metric
from core.results import CVResult
from ensembles import ENSEMBLES, build_ensembles, cross_fit
from ensembles.combine import GreedySelection, WeightedBlend
from ensembles.crossfit import MAX_BASE_MODELS, as_matrix
from models import make_model
from podium.cv import cross_validate
from podium.explain import ensemble_shap

AUC = get_metric("roc_auc")


def base_results(X, y, fold, names=("logreg", "lgbm")) -> list[CVResult]:
    X_test = X[:50]
    return [
        cross_validate(
            name,
            lambda name=name: make_model(name, task="binary", n_classes=2),
            X,
            y,
            X_test,
            fold,
            AUC,
        )
        for name in names
    ]


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3000, 20))
    logit = X[:, 0] + np.sin(3 * X[:, 1]) + X[:, 2] * X[:, 3]
    y = (rng.random(3000) < 1 / (1 + np.exp(-logit))).astype(int)
    fold = make_folds(FoldScheme(), y, 5, seed=0)
    return sp.csr_matrix(X), y, fold


@pytest.mark.parametrize("name", ENSEMBLES.names())
def test_each_ensemble_is_scored_over_the_same_folds_and_reports_weights(problem, name):
    X, y, fold = problem
    bases = base_results(X, y, fold)
    result = cross_fit(
        name, lambda: ENSEMBLES.get(name)(lambda a, b: AUC.score(a, b[:, 1])), bases, y, fold, AUC
    )
    assert len(result.fold_scores) == 5 and result.kind == "ensemble"
    weights = np.array(list(result.params["weights"].values()))
    assert (weights >= 0).all() and weights.sum() == pytest.approx(1, abs=1e-3)
    assert result.oof.shape == (3000,) and result.test.shape == (50,)
    assert result.cv_mean > min(b.cv_mean for b in bases)


def test_blend_and_greedy_lean_on_the_better_model():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 2000)
    good = as_matrix(np.clip(y * 0.6 + rng.random(2000) * 0.4, 0, 1))
    bad = as_matrix(rng.random(2000))
    score = lambda a, b: AUC.score(a, b[:, 1])  # noqa: E731
    for cls in (WeightedBlend, GreedySelection):
        weights = cls(score).fit([good, bad], y).weights_
        assert weights[0] > 0.8, cls.__name__


def test_level_two_inputs_are_float32_and_base_models_are_capped(problem):
    X, y, fold = problem
    (base,) = base_results(X, y, fold, names=("logreg",))
    assert as_matrix(base.oof).dtype == np.float32
    many = [
        dataclasses.replace(base, model=f"m{i}", fold_scores=[0.5 + i / 100] * 5) for i in range(12)
    ]
    ensembles = build_ensembles(many, y, fold, AUC)
    for ensemble in ensembles:
        used = ensemble.params["weights"]
        assert len(used) == MAX_BASE_MODELS
        assert "m11" in used and "m0" not in used  # the best ones are kept


def test_stacking_on_in_fold_predictions_is_caught_by_a_shuffled_target(problem):
    """The honest path (out-of-fold level-1 predictions) scores at chance on a shuffled
    target; the leaky path (level-1 models predicting their own training rows) does not."""
    X, y, fold = problem
    y = np.random.default_rng(5).permutation(y)
    honest = base_results(X, y, fold)
    leaky = []
    for result in honest:
        model = make_model(result.model, task="binary", n_classes=2).fit(X, y)
        leaky.append(dataclasses.replace(result, oof=model.predict_proba(X)))
    stack = ENSEMBLES.get("stack")
    score = lambda a, b: AUC.score(a, b[:, 1])  # noqa: E731
    honest_score = cross_fit("stack", lambda: stack(score), honest, y, fold, AUC).cv_mean
    leaky_score = cross_fit("stack", lambda: stack(score), leaky, y, fold, AUC).cv_mean
    assert abs(honest_score - 0.5) < 0.04
    assert leaky_score > 0.6


def test_fewer_than_two_entries_make_no_ensemble(problem):
    X, y, fold = problem
    assert build_ensembles(base_results(X, y, fold, names=("logreg",)), y, fold, AUC) == []


def test_ensemble_shap_combines_only_rows_every_model_explained():
    """Under a time budget one model may explain fewer folds than another."""

    def explained(name: str, rows: list[int], value: float) -> CVResult:
        shap = np.full((len(rows), 3), value)
        return CVResult(name, np.zeros(6), np.zeros(2), [0.5], 0.5, 0.0, 0.0, shap=shap,
                        shap_rows=np.array(rows), shap_base=np.full(len(rows), -value))  # fmt: skip

    a = explained("a", [4, 5, 0, 1], 1.0)
    b = explained("b", [0, 1, 2, 3], 3.0)
    ensemble = CVResult("blend", np.zeros(6), np.zeros(2), [0.5], 0.5, 0.0, 0.0,
                        params={"weights": {"a": 0.75, "b": 0.25}}, kind="ensemble")  # fmt: skip
    combined = ensemble_shap(ensemble, [a, b])
    assert combined is not None and combined.rows.tolist() == [0, 1]
    assert np.allclose(combined.values, 0.75 * 1.0 + 0.25 * 3.0)
    assert np.allclose(combined.base, -(0.75 * 1.0 + 0.25 * 3.0))


def test_ensembles_are_built_cheapest_and_most_distinct_first(problem):
    """Under a deadline the ones built first are the ones that finish: greedy, then stack."""
    X, y, fold = problem
    ensembles = build_ensembles(base_results(X, y, fold), y, fold, AUC)
    assert [e.model for e in ensembles] == ["greedy", "stack", "blend"]


def test_a_many_class_stack_is_penalised_per_row():
    """12 classes, 4 noisy base models: the stacker's 576 weights overfit 2,400 rows under
    scikit-learn's default C = 1, and its per-row penalty does better (one train/valid split)."""
    from scipy.special import softmax

    from ensembles.combine import Stacker

    log_loss = get_metric("log_loss")
    rng = np.random.default_rng(0)
    n, k = 3000, 12
    signal = rng.normal(size=(n, k))
    y = np.array([rng.choice(k, p=p) for p in softmax(0.5 * signal, axis=1)])
    bases = [softmax(0.5 * signal + rng.normal(size=(n, k)) * 0.7, axis=1) for _ in range(4)]
    train, valid = np.arange(n) < 2400, np.arange(n) >= 2400

    class Default(Stacker):
        l2 = 1 / (2 * 2400)  # scikit-learn's C = 1 on 2,400 training rows

    def held_out(cls: type[Stacker]) -> float:
        fitted = cls(lambda a, b: -log_loss.score(a, b)).fit([p[train] for p in bases], y[train])
        return log_loss.score(y[valid], fitted.predict([p[valid] for p in bases]))

    penalised = held_out(Stacker)
    assert penalised < min(log_loss.score(y[valid], p[valid]) for p in bases) - 0.02
    assert penalised < held_out(Default) - 0.004
