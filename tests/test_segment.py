"""Segmentation: the choice of K, profiles with lifts, answers to questions, and a run."""

import json

import numpy as np
import pandas as pd
import pytest

import podium.segment
from competitions import talkingdata
from core.metrics import Metric, get_metric
from podium.cli import main
from podium.options import RunOptions
from podium.runner import run
from podium.segment import elbow, profile_table, segment
from podium.segment_run import leaderboard

SILHOUETTE = get_metric("silhouette")


def blobs(k: int = 4, per: int = 150, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=10, size=(k, 5))
    truth = np.repeat(np.arange(k), per)
    return centres[truth] + rng.normal(size=(k * per, 5)), truth


@pytest.fixture(autouse=True)
def small_tsne(monkeypatch):
    monkeypatch.setattr(podium.segment, "TSNE_ROWS", 300)


def test_kmeans_and_gmm_find_the_true_number_of_blobs():
    X, truth = blobs()
    result = segment(X, ("kmeans", "gmm"), (2, 8), seed=0, metric=SILHOUETTE, progress=False)
    for method in result.methods:
        assert method.chosen.k == 4, method.reason
        agreement = pd.crosstab(method.chosen.labels, truth).max(axis=1).sum() / len(truth)
        assert agreement > 0.98
    kmeans = result.methods[0]
    assert "highest silhouette" in kmeans.reason and "elbow" in kmeans.reason
    assert "lowest BIC" in result.methods[1].reason
    assert kmeans.chosen.score > 0.6
    assert result.pca.shape == (len(X), 2) and result.tsne.shape == (300, 2)


def test_the_segmentation_metric_scores_chooses_and_ranks():
    """A registered clustering metric is used as declared, its direction included: here the
    negative silhouette, which picks the same K as its lowest."""
    negative = Metric(
        "neg_silhouette", lambda X, labels: -SILHOUETTE.func(X, labels), False, "clusters", ""
    )
    X, _ = blobs()
    result = segment(X, ("kmeans",), (2, 8), seed=0, metric=negative, progress=False)
    kmeans = result.methods[0]
    assert kmeans.chosen.k == 4 and kmeans.chosen.score < -0.6
    assert "lowest neg_silhouette" in kmeans.reason
    board = leaderboard(result, negative)
    assert set(board["metric"]) == {"neg_silhouette"}
    assert board["cv_mean"].is_monotonic_increasing and board.loc[0, "model"] == "kmeans-k4"


def test_structureless_data_has_a_low_silhouette():
    X = np.random.default_rng(0).normal(size=(600, 5))
    result = segment(X, ("kmeans",), (2, 6), seed=0, metric=SILHOUETTE, progress=False)
    assert max(c.score for c in result.methods[0].candidates) < 0.25


def test_tsne_gmm_covers_its_sample_and_is_not_shipped_over_a_full_method():
    X, _ = blobs()
    result = segment(
        X, ("pca+kmeans", "tsne+gmm"), (2, 6), seed=0, metric=SILHOUETTE, progress=False
    )
    tsne = result.methods[1]
    assert len(tsne.rows) == 300 and len(tsne.chosen.labels) == 300
    assert result.shipped.method == "pca+kmeans"
    board = leaderboard(result, SILHOUETTE)
    assert board["shipped"].sum() == 1 and board["chosen"].sum() == 2
    assert board["cv_mean"].is_monotonic_decreasing


def test_elbow_is_the_knee_of_the_inertia_curve():
    assert elbow([2, 3, 4, 5, 6, 7], [100, 60, 20, 17, 15, 14]) == 4


def test_profile_sizes_means_lifts_and_top_categories():
    profile = pd.DataFrame(
        {"spend": [10.0, 30.0, 20.0, 20.0], "city": ["a", "a", "b", "b"]}, index=list("wxyz")
    )
    table = profile_table(profile, np.array([0, 0, 1, 1]))
    assert table["size"].tolist() == [2, 2] and table["share"].tolist() == [0.5, 0.5]
    assert table["spend"].tolist() == [20.0, 20.0] and table["spend lift"].tolist() == [1.0, 1.0]
    assert table["city top"].tolist() == ["a (100%, lift 2.00)", "b (100%, lift 2.00)"]


@pytest.mark.slow
def test_talkingdata_segment_run_answers_its_questions(tmp_path):
    dataset = talkingdata.synthesize("small", 0)
    options = RunOptions(
        preset="quick", comp="talkingdata", out=tmp_path, segment=True, progress=False
    )
    result = run(options, dataset=dataset)
    folder = result.run_dir
    assignments = pd.read_csv(folder / "assignments.csv", dtype={"device_id": str})
    assert assignments["device_id"].tolist() == dataset.train_ids
    assert assignments["cluster"].between(0, 9).all()
    assert assignments["cluster"].nunique() >= 4  # K >= 4 for the questions
    answers = json.loads((folder / "answers.json").read_text())
    assert set(answers) == {"pca+kmeans", "tsne+gmm"}
    for found in answers.values():
        assert len(found) == 2
        usage = found[0]
        assert usage["value"] == max(usage["per_cluster"].values())
        assert str(usage["cluster"]) in usage["per_cluster"]
    # The usage answer is the F27-32 devices' events in the shipped clustering.
    shipped = answers["pca+kmeans"][0]
    events = dataset.tables["events"].groupby("device_id").size()
    groups = pd.Series(np.asarray(talkingdata.GROUPS)[dataset.y], index=dataset.train.index)
    women = groups.isin(["F27-28", "F29-32"]).to_numpy()
    labels = assignments["cluster"].to_numpy()
    counts = events.reindex(dataset.train.index, fill_value=0).to_numpy()
    assert shipped["value"] == counts[women & (labels == shipped["cluster"])].sum()
    files = {p.name for p in folder.iterdir()}
    assert {"leaderboard.csv", "k_scan.png", "report.html", "profile_pca_kmeans.csv"} <= files
    assert {"question_1_pca_kmeans.png", "question_2_tsne_gmm.png", "tsne_tsne_gmm.png"} <= files
    assert any("highest silhouette" in note for note in result.notes)

    # The chosen segmentation feeds the supervised run's cluster features (fitted per fold).
    k = int(result.leaderboard.loc[result.leaderboard["shipped"], "k"].iloc[0])
    supervised = run(
        RunOptions(
            preset="quick",
            comp="talkingdata", out=tmp_path, models=("logreg",), folds=2, progress=False,
            report=False, shap_rows=0, clusters_from=str(folder),
        ),
        dataset=dataset,
    )  # fmt: skip
    summary = json.loads((supervised.run_dir / "run.json").read_text())
    assert summary["n_features"] == talkingdata.build_features(dataset).n_features + 1 + k


def test_segment_needs_a_declared_segmentation(tmp_path, capsys):
    assert (
        main(["--preset", "quick", "--comp", "hotstar", "--segment", "--out", str(tmp_path)]) == 2
    )
    assert "hotstar declares no segmentation" in capsys.readouterr().err


def test_clusters_from_needs_a_segmentation_run_of_the_same_competition(tmp_path, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "run.json").write_text(
        json.dumps({"competition": "statso", "metric": "silhouette", "shipped": "kmeans-k3"})
    )
    for folder, message in ((other, "not a segmentation run of talkingdata"),
                            (tmp_path / "missing", "not a finished segmentation run")):  # fmt: skip
        args = ["--comp", "talkingdata", "--clusters-from", str(folder), "--out", str(tmp_path)]
        assert main(args) == 2
        assert message in capsys.readouterr().err
