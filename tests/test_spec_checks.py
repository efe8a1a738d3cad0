"""A CompetitionSpec checks itself when it is built: each mistake names the competition and the
field, and every registered competition passes."""

import dataclasses

import pytest

from competitions import COMPETITIONS
from competitions.hotstar import SPEC as HOTSTAR
from competitions.statso import SPEC as STATSO
from core.errors import ConfigError


@pytest.mark.parametrize("name", COMPETITIONS.names())
def test_every_registered_competition_passes_its_own_checks(name):
    spec = COMPETITIONS.get(name)
    assert dataclasses.replace(spec) == spec  # building it again runs the checks again


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "hot-star"}, "competition 'hot-star': name must be a Python identifier"),
        ({"metric": "auc"}, "'hotstar': metric: unknown metric 'auc'; known: f1_macro, log_loss"),
        ({"metric": "silhouette"}, "metric: silhouette .* does not score a binary task; use "),
        ({"task": "multiclass"}, "metric: roc_auc .* does not score a multiclass task"),
        ({"task": "regression"}, "task: must be one of binary, multiclass, segmentation"),
        ({"files": ()}, "'hotstar': files: declare at least one DataFile"),
        ({"default_models": ("lgbm", "lgbmm")}, "default_models: unknown model 'lgbmm'; known"),
        ({"default_models": ()}, "default_models: name at least one model"),
        ({"model_params": {"logreg": {"c": 1.0}}}, "model_params: model 'logreg' has no param"),
        ({"model_params": {"svc": {}}}, "model_params: unknown model 'svc'"),
        ({"synthetic_sizes": {"small": (10, 5)}}, "synthetic_sizes: .* both scales.* missing full"),
        ({"synthetic_sizes": {"small": (0, 5), "full": (9, 9)}}, "small must be .*got \\(0, 5\\)"),
        ({"build_features": None}, "'hotstar': build_features: must be a function, got None"),
        ({"write_files": "files"}, "write_files: must be a function or None"),
        ({"title": ""}, "'hotstar': title: must be a non-empty string"),
    ],
)
def test_a_wrong_field_is_named_when_the_spec_is_built(changes, message):
    with pytest.raises(ConfigError, match=message):
        dataclasses.replace(HOTSTAR, **changes)


def test_a_segmentation_competition_declares_its_segmentation_and_no_models():
    with pytest.raises(ConfigError, match="'statso': segmentation: a segmentation competition"):
        dataclasses.replace(STATSO, segmentation=None)
    with pytest.raises(ConfigError, match="'statso': default_models: .* fits no models"):
        dataclasses.replace(STATSO, default_models=("lgbm",))
    with pytest.raises(ConfigError, match="'statso': metric: roc_auc .* segmentation task"):
        dataclasses.replace(STATSO, metric="roc_auc")
    bad = dataclasses.replace(STATSO.segmentation, metric="roc_auc")
    with pytest.raises(
        ConfigError, match="'statso': segmentation.metric: 'roc_auc' does not score"
    ):
        dataclasses.replace(STATSO, segmentation=bad)
