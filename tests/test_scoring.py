"""One scoring step: every kind of entry gets the same subset and per-class scores."""

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from core.metrics import get_metric
from core.results import CVResult
from features.base import FeatureSet
from podium.leaderboard import build_leaderboard
from podium.scoring import Scorer


def test_a_model_and_an_ensemble_are_scored_alike():
    y = np.array([0, 1, 2, 0, 1, 2, 0, 1])
    oof = np.eye(3)[[0, 1, 1, 0, 1, 2, 2, 1]]  # rows 2 and 6 wrong
    first = np.arange(8) < 4
    scorer = Scorer(
        metric=get_metric("f1_macro"), y=y, classes=("a", "b", "c"), fold=np.arange(8) % 2,
        features=FeatureSet(sp.csr_matrix((8, 1)), sp.csr_matrix((2, 1)), ("x",)),
        subsets={"first": first},
    )  # fmt: skip
    model = CVResult("m", oof, oof[:2], [0.7, 0.7], 0.7, 1.0, 0.1)
    ensemble = dataclasses.replace(model, model="e", kind="ensemble", params={"weights": {}})
    for entry in (model, ensemble):
        scorer.score(entry)
    f1 = get_metric("f1_macro")
    assert model.subset_scores == ensemble.subset_scores == {"first": f1.score(y[:4], oof[:4])}
    assert model.class_scores == ensemble.class_scores
    assert model.class_scores["f1_a"] == pytest.approx(0.8)  # 2 of 3 found, none wrong
    assert model.class_scores["f1_b"] == pytest.approx(6 / 7)  # 3 found, one wrong
    board = build_leaderboard([model, ensemble], f1)
    assert list(board["model"]) == ["m", "e"]  # a tie ranks the single model first
    assert {"oof_first", "f1_a", "f1_c", "fold_2"} <= set(board.columns)
