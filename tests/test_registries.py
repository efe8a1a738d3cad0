"""Conformance tests, parametrized over every registered metric, model and competition."""

import numpy as np
import optuna
import pytest
import scipy.sparse as sp

from competitions import COMPETITIONS
from core.errors import ConfigError
from core.metrics import METRICS, get_metric
from core.registry import Registry
from models import MODELS, make_model
from models.base import Model, is_tunable


def test_registry_refuses_duplicates_and_explains_unknown_names():
    registry: Registry[int] = Registry("widget")
    registry.add("a", 1)
    with pytest.raises(ValueError, match="already registered.*another name"):
        registry.add("a", 2)
    with pytest.raises(ConfigError, match="unknown widget 'b'; known widgets: a"):
        registry.get("b")


SUPERVISED_METRICS = [n for n in METRICS.names() if get_metric(n).needs != "clusters"]


@pytest.mark.parametrize("name", SUPERVISED_METRICS)
def test_metric_prefers_perfect_to_random_predictions(name):
    metric = get_metric(name)
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, size=300)
    perfect = np.eye(3)[y] * 0.98 + 0.01 / 3 * 2
    noise = rng.dirichlet(np.ones(3), size=300)
    if name == "roc_auc":
        y = (y == 1).astype(int)
        perfect, noise = perfect[:, 1], noise[:, 1]
    assert metric.is_better(metric.score(y, perfect), metric.score(y, noise))
    assert metric.needs in ("proba", "label")
    assert metric.direction == ("maximize" if metric.greater_is_better else "minimize")


def test_silhouette_prefers_the_true_clusters_to_random_labels():
    metric = get_metric("silhouette")
    rng = np.random.default_rng(0)
    truth = np.repeat([0, 1, 2], 50)
    X = np.eye(3)[truth] * 5 + rng.normal(size=(150, 3))
    assert metric.score(X, truth) > 0.5 > metric.score(X, rng.permutation(truth))
    assert np.isnan(metric.score(X, np.zeros(150, dtype=int)))
    assert metric.direction == "maximize"


def test_metric_values_match_known_cases():
    assert (
        get_metric("roc_auc").score(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])) == 0.75
    )
    assert (
        get_metric("log_loss").score(np.array([0, 1]), np.array([[1.0, 0.0], [0.0, 1.0]])) < 1e-12
    )
    labels = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    assert get_metric("f1_macro").score(np.array([0, 1, 1]), labels) == pytest.approx(2 / 3)


def toy_problem(n_classes: int):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 6))
    y = (X[:, 0] > 0).astype(int) if n_classes == 2 else np.digitize(X[:, 0], [-0.5, 0.5])
    return sp.csr_matrix(X), y


@pytest.mark.parametrize("name", MODELS.names())
@pytest.mark.parametrize("n_classes", [2, 3])
def test_model_learns_a_simple_signal_in_the_podium_convention(name, n_classes):
    task = "binary" if n_classes == 2 else "multiclass"
    X, y = toy_problem(n_classes)
    model = make_model(name, task=task, n_classes=n_classes, seed=0)
    assert not any(attr.endswith("_") for attr in vars(model))  # constructor only stores params
    with pytest.raises(RuntimeError, match="not fitted"):
        model.predict_proba(X)
    proba = model.fit(X[:400], y[:400]).predict_proba(X[400:])
    if n_classes == 2:
        assert proba.shape == (200,)
        assert get_metric("roc_auc").score(y[400:], proba) > 0.9
    else:
        assert proba.shape == (200, 3)
        assert np.allclose(proba.sum(axis=1), 1)
        assert (proba.argmax(axis=1) == y[400:]).mean() > 0.8
    assert model.n_features_in_ == 6


@pytest.mark.parametrize("name", MODELS.names())
def test_model_is_deterministic_for_a_seed(name):
    X, y = toy_problem(2)
    a = make_model(name, task="binary", n_classes=2, seed=5).fit(X, y).predict_proba(X)
    b = make_model(name, task="binary", n_classes=2, seed=5).fit(X, y).predict_proba(X)
    assert np.array_equal(a, b)


def test_models_are_registered_as_classes():
    for name in MODELS.names():
        assert issubclass(MODELS.get(name), Model)


@pytest.mark.parametrize("name", COMPETITIONS.names())
def test_competition_spec_is_consistent(name):
    spec = COMPETITIONS.get(name)
    get_metric(spec.metric)
    for model in spec.default_models:
        MODELS.get(model)
    assert set(spec.synthetic_sizes) == {"small", "full"}
    assert spec.files and all(f.names for f in spec.files)


@pytest.mark.parametrize("name", COMPETITIONS.names())
def test_competition_synthetic_sample_builds_features(name):
    spec = COMPETITIONS.get(name)
    dataset = spec.synthesize("small", 0)
    assert dataset.synthetic and len(dataset.train)
    assert len(dataset.test) or spec.task == "segmentation"  # segmentation has no test rows
    features = spec.build_features(dataset)
    assert features.X_train.shape[0] == len(dataset.train)
    assert features.X_test.shape[0] == len(dataset.test)
    assert np.isfinite(features.X_train.data).all()


TUNABLE = [name for name in MODELS.names() if is_tunable(MODELS.get(name))]


def test_the_boosters_and_the_linear_baseline_are_tunable():
    assert {"lgbm", "logreg"} <= set(TUNABLE)


@pytest.mark.parametrize("name", TUNABLE)
def test_search_space_contains_the_defaults(name):
    """The defaults are enqueued as a study's first trial, so a fixed trial of the defaults
    must give them back unchanged."""
    cls = MODELS.get(name)
    trial = optuna.trial.FixedTrial(dict(cls.DEFAULTS))
    params = cls.search_space(trial)
    assert params and params == {k: cls.DEFAULTS[k] for k in params}
    assert trial.params == params


@pytest.mark.parametrize("name", TUNABLE)
def test_sampled_parameters_give_a_model_that_fits(name):
    cls = MODELS.get(name)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    X, y = toy_problem(2)
    params = cls.search_space(study.ask())
    assert params
    model = make_model(name, task="binary", n_classes=2, seed=0, **params)
    proba = model.fit(X[:400], y[:400]).predict_proba(X[400:])
    assert np.isfinite(proba).all() and proba.shape == (200,)


@pytest.mark.parametrize("name", MODELS.names())
def test_model_knows_its_parameters_and_refuses_others(name):
    cls = MODELS.get(name)
    known = set(cls.known_params())
    assert set(cls.DEFAULTS) <= known and "class_weight" in known
    assert all(set(config) <= known for config in cls.PORTFOLIO)
    if is_tunable(cls):
        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        assert set(cls.search_space(study.ask()) or {}) <= known
    with pytest.raises(ConfigError, match=f"model '{name}' has no parameter 'colour'.*: .*"):
        make_model(name, task="binary", n_classes=2, colour="red")


def test_unknown_model_parameter_lists_the_known_ones():
    with pytest.raises(ConfigError) as caught:
        make_model("logreg", task="binary", n_classes=2, c=0.1, max_iters=5)
    assert str(caught.value) == (
        "model 'logreg' has no parameter 'c', 'max_iters'; its parameters are: "
        "C, class_weight, max_iter"
    )
    assert make_model("logreg", task="binary", n_classes=2, C=0.1).params == {"C": 0.1}
