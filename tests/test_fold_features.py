"""Cluster-membership features and target encodings: fitted inside each fold, never on the
rows they encode; a shuffled target scores at chance on them."""

import json
import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from competitions import talkingdata
from core.folds import FoldScheme, make_folds
from core.metrics import get_metric
from features.base import FeatureSet, FoldFeatures
from features.clusters import ClusterView, cluster_features
from features.target_encoding import encode, target_encodings
from models import make_model
from podium.cli import main
from podium.cv import cross_validate
from podium.options import RunOptions
from podium.runner import run


def blobs_with_a_far_fold(seed: int = 0) -> tuple[FeatureSet, np.ndarray]:
    """Three tight blobs; fold 2 is a fourth blob far from the others (and from the test rows)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [5.0, 0.0], [0.0, 5.0]])
    X = np.vstack([centres[i % 3] + rng.normal(scale=0.1, size=2) for i in range(300)])
    fold = np.repeat([0, 1, 2], 100)
    X[fold == 2] = np.array([40.0, 40.0]) + rng.normal(scale=0.1, size=(100, 2))
    X_test = np.vstack([centres[i % 3] + rng.normal(scale=0.1, size=2) for i in range(30)])
    return FeatureSet(sp.csr_matrix(X), sp.csr_matrix(X_test), ("x", "y")), fold


VIEW = ClusterView(kind="scaled", components=2)


def nearest_centroid_distance(block: np.ndarray, k: int) -> np.ndarray:
    return block[:, 1 : 1 + k].min(axis=1)


def test_clusters_are_fitted_on_the_folds_training_rows_only():
    features, fold = blobs_with_a_far_fold()
    inside = cluster_features(features, VIEW, fold, k=4, seed=0, progress=False)
    # In fold 2 the far blob was held out: no centroid sits on it, so its rows are far from all.
    far = nearest_centroid_distance(inside.train[2][fold == 2], 4)
    near = nearest_centroid_distance(inside.train[2][fold != 2], 4)
    assert far.min() > 10 * near.max()
    # In folds 0 and 1 the far blob was a training blob, so it has a centroid of its own.
    assert nearest_centroid_distance(inside.train[0][fold == 2], 4).max() < 1.0

    once = cluster_features(features, VIEW, fold, k=4, seed=0, transductive=True, progress=False)
    assert all(block is once.train[0] for block in once.train)
    assert nearest_centroid_distance(once.train[0][fold == 2], 4).max() < 1.0


def test_cluster_features_name_ids_distances_and_posteriors():
    features, fold = blobs_with_a_far_fold()
    both = cluster_features(features, VIEW, fold, methods=("kmeans", "gmm"), k=3, progress=False)
    assert both.names == (
        "kmeans:cluster", "kmeans:dist_0", "kmeans:dist_1", "kmeans:dist_2",
        "gmm:cluster", "gmm:p_0", "gmm:p_1", "gmm:p_2",
    )  # fmt: skip
    block = both.test[0]
    assert set(np.unique(block[:, 0])) <= {0, 1, 2}
    assert np.allclose(block[:, 5:8].sum(axis=1), 1, atol=1e-5)
    assert np.array_equal(block[:, 4], block[:, 5:8].argmax(axis=1))
    with pytest.raises(ValueError, match="cluster methods"):
        cluster_features(features, VIEW, fold, methods=("dbscan",))


def high_cardinality(n: int = 3000, values: int = 600, seed: int = 0):
    rng = np.random.default_rng(seed)
    cats = pd.DataFrame({"model": rng.integers(0, values, size=n).astype(str)})
    y = rng.integers(0, 2, size=n)  # no relation to the category at all
    fold = make_folds(FoldScheme("stratified"), y, 5, seed)
    return cats, y, fold


def wrong_way_encodings(cats: pd.DataFrame, y: np.ndarray, fold: np.ndarray) -> FoldFeatures:
    """An encoder fitted on every training row, validation rows included: the classic leak."""
    (block,) = encode(cats, y, [cats], [1])
    n_folds = int(fold.max()) + 1
    return FoldFeatures(("te:model",), (block,) * n_folds, (block[:10],) * n_folds)


def shuffled_target_auc(fold_features: FoldFeatures, y: np.ndarray, fold: np.ndarray) -> float:
    X = sp.csr_matrix((len(y), 1), dtype=np.float32)  # the encodings are the only signal
    result = cross_validate(
        "lgbm",
        lambda: make_model("lgbm", task="binary", n_classes=2, seed=0, num_boost_round=50),
        X, y, X[:10], fold, get_metric("roc_auc"), fold_features=fold_features,
    )  # fmt: skip
    return result.oof_score


@pytest.mark.slow
def test_a_shuffled_target_catches_an_encoder_fitted_on_validation_rows():
    cats, y, fold = high_cardinality()
    real = target_encodings(cats, cats.iloc[:10], y, fold, classes=("no", "yes"), progress=False)
    assert abs(shuffled_target_auc(real, y, fold) - 0.5) < 0.04
    assert shuffled_target_auc(wrong_way_encodings(cats, y, fold), y, fold) > 0.6


def test_no_row_is_encoded_by_an_encoder_that_saw_its_label():
    """With a value unique to each row, an encoder that never saw the row can only answer the
    prior: any other value would come from the row's own label."""
    n = 400
    rng = np.random.default_rng(0)
    cats = pd.DataFrame({"id": [f"u{i}" for i in range(n)]})
    y = rng.integers(0, 3, size=n)
    fold = make_folds(FoldScheme("stratified"), y, 4, 0)
    encodings = target_encodings(cats, cats.iloc[:5], y, fold, classes=("a", "b", "c"), seed=1)
    assert encodings.names == ("te:id:a", "te:id:b", "te:id:c")
    for k in range(4):
        block = encodings.train[k]
        assert np.unique(block[fold == k], axis=0).shape[0] == 1  # one prior for the fold
        for c in range(3):  # a row's encoding does not follow its own label
            share_own = block[y == c, c].mean()
            share_other = block[y != c, c].mean()
            assert abs(share_own - share_other) < 0.02


def test_fold_matrices_and_the_validation_view():
    train = tuple(np.full((4, 1), k, dtype=np.float32) for k in range(2))
    test = tuple(np.full((2, 1), 10 + k, dtype=np.float32) for k in range(2))
    extra = FoldFeatures(("c",), train, test)
    X = sp.csr_matrix(np.ones((4, 2), dtype=np.float32))
    X_k, X_test_k = extra.matrices(1, X, X[:2])
    assert X_k.toarray()[:, 2].tolist() == [1, 1, 1, 1] and X_test_k.toarray()[:, 2].tolist() == [
        11,
        11,
    ]
    assert extra.validation_view(np.array([0, 1, 1, 0]))[:, 0].tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="names"):
        FoldFeatures(("a", "b"), train, test)


@pytest.mark.slow
def test_a_run_with_clusters_and_target_encoding_explains_them(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    dataset = talkingdata.synthesize("small", 0)
    options = RunOptions(
        preset="quick", comp="talkingdata", out=tmp_path, models=("lgbm",), folds=2, progress=False,
        report=False, shap_rows=300, clusters="kmeans,gmm", cluster_k=4, target_encoding="on",
        transductive_clusters=True,
    )  # fmt: skip
    result = run(options, dataset=dataset)
    summary = json.loads((result.run_dir / "run.json").read_text())
    base = talkingdata.build_features(dataset).n_features
    assert summary["n_features"] == base + 2 * (1 + 4) + 3 * 12
    shap = pd.read_csv(result.run_dir / "shap_lgbm.csv")
    assert shap["feature"].str.startswith("te:model:").any()
    assert shap["feature"].str.startswith(("kmeans:", "gmm:")).any()
    assert any("train and test rows together" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--clusters", "dbscan"], "--clusters must be"),
        (["--cluster-k", "1"], "--cluster-k must be between 2"),
        (["--target-encoding", "on"], "hotstar declares no high-cardinality categoricals"),
    ],
)
def test_bad_feature_options_fail_before_any_work(tmp_path, capsys, args, message):
    assert main(["--preset", "quick", "--comp", "hotstar", "--out", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
