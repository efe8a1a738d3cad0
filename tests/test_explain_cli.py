"""A run's saved explanations and ``--explain RUN_ID --id ID`` on a finished run's folder:
hotstar (binary), talkingdata (12 classes, log loss; a stack over a seed bag) and clickstream
(3 classes, macro F1; class weights tuned after the model)."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shap
from scipy.special import expit, softmax

from competitions import clickstream, clickstream_sample, hotstar, talkingdata, talkingdata_sample
from models.bag import SeedBag
from podium.cli import main
from podium.explain import explanation_info, load
from podium.options import RunOptions
from podium.runner import RunResult, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory, tiny_hotstar):
    """A quick run on the tiny sample written as real files (``--explain`` reloads them)."""
    folder = tmp_path_factory.mktemp("data")
    hotstar.write_files(tiny_hotstar, folder)
    out = tmp_path_factory.mktemp("runs")
    options = RunOptions(
        preset="quick", comp="hotstar", data_dir=folder, out=out, progress=False,
        shap_rows=200, folds=3,
    )  # fmt: skip
    return run(options)


def test_every_entry_has_a_saved_explanation_that_adds_up_to_its_prediction(finished):
    run_dir = finished.run_dir
    oof = pd.read_csv(run_dir / "oof_predictions.csv", dtype={"ID": str}).set_index("ID")
    for entry in finished.leaderboard["model"]:
        expl = load(run_dir, entry)
        assert isinstance(expl, shap.Explanation) and expl.values.shape[0] == 200
        assert not any(name.startswith("f_") for name in expl.feature_names)  # readable
        info = explanation_info(run_dir, entry)
        if info["method"] in ("tree", "linear"):  # exact: they give back the run's predictions
            total = np.asarray(expl.base_values) + expl.values.sum(axis=1)
            expected = oof.loc[list(expl.instance_names), entry].to_numpy()
            assert np.allclose(expit(total), expected, atol=2e-6), entry
    assert explanation_info(run_dir, "logreg")["method"] == "linear"
    assert explanation_info(run_dir, "lgbm")["method"] == "tree"
    names = {p.name for p in run_dir.glob("shap_*.png")}
    for kind in ("bar", "beeswarm", "dependence", "waterfall"):
        assert any(f"_{kind}" in name for name in names), kind
    summary = json.loads((run_dir / "run.json").read_text())
    assert summary["explainable_models"] and 0 < summary["shap_seconds"] < summary["total_seconds"]


def test_explain_one_training_and_one_test_user(finished, capsys):
    run_dir = finished.run_dir
    args = ["--comp", "hotstar", "--out", str(run_dir.parent), "--explain", run_dir.name]
    shipped = str(finished.leaderboard.loc[finished.leaderboard["shipped"], "model"].iloc[0])
    for table, split in (("oof_predictions.csv", "Train"), ("test_predictions.csv", "Test")):
        predictions = pd.read_csv(run_dir / table, dtype={"ID": str})
        user, p = predictions["ID"].iloc[7], predictions[shipped].iloc[7]
        assert main([*args, "--id", user]) == 0
        shown = capsys.readouterr().out
        assert f"{split} user {user}: {shipped} predicts P(" in shown
        assert f") = {p:.3f}." in shown  # the prediction the run saved (and submitted)
        assert "raises it by" in shown or "lowers it by" in shown
        waterfall = run_dir / f"waterfall_{shipped}_id-{user}.png"
        assert waterfall.read_bytes()[:4] == b"\x89PNG" and str(waterfall) in shown


def test_explain_names_an_unknown_id_or_run(finished, capsys):
    unknown_id_and_run("hotstar", finished.run_dir, capsys)


def unknown_id_and_run(comp: str, run_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--comp", comp, "--out", str(run_dir.parent)]
    assert main([*args, "--explain", run_dir.name, "--id", "no-such-user"]) != 0
    assert "no training or test ID 'no-such-user'" in capsys.readouterr().err
    assert main([*args, "--explain", "20000101-000000", "--id", "1"]) != 0
    assert "--explain 20000101-000000: no finished run" in capsys.readouterr().err


# Multiclass. Small samples, three folds, 50 explained rows and no report keep each run short.


def quick_run(comp: str, data: Path, out: Path, **options: object) -> RunResult:
    return run(
        RunOptions(
            preset="quick", comp=comp, data_dir=data, out=out, progress=False, report=False,
            shap_rows=50, folds=3, **options,  # type: ignore[arg-type]
        )
    )  # fmt: skip


@pytest.fixture(scope="module")
def talkingdata_run(tmp_path_factory):
    """One trial per model and two seeds: the shipped entry is a stack whose models include
    the seed bag ``lgbm-bag2`` (checked in the test)."""
    folder = tmp_path_factory.mktemp("talkingdata_data")
    sample = talkingdata_sample.generate(
        600, 150, 5, n_events=20_000, n_app_events=100_000, n_apps=2_000
    )
    talkingdata.TABLES.write(sample.tables, folder)
    out = tmp_path_factory.mktemp("talkingdata_runs")
    return quick_run("talkingdata", folder, out, trials=1, seed_bags=2)


@pytest.fixture(scope="module")
def clickstream_run(tmp_path_factory):
    """Macro F1: the shipped entry is ``logreg+tuned``, class weights tuned after the model."""
    folder = tmp_path_factory.mktemp("clickstream_data")
    clickstream.TABLES.write(clickstream_sample.generate(150, 40, seed=2).tables, folder)
    return quick_run("clickstream", folder, tmp_path_factory.mktemp("clickstream_runs"))


@pytest.fixture(params=["talkingdata", "clickstream"])
def multiclass(request) -> tuple[str, RunResult]:
    return request.param, request.getfixturevalue(f"{request.param}_run")


def explain(
    comp: str, result: RunResult, split: str, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str, np.ndarray, str]:
    """``--explain`` of the 8th training or test ID: the ID, its saved probabilities of the
    shipped entry, the predicted class and what was printed."""
    run_dir, shipped = result.run_dir, shipped_entry(result)
    table = "oof_predictions.csv" if split == "Train" else "test_predictions.csv"
    predictions = pd.read_csv(run_dir / table, dtype={"ID": str})
    columns = [c for c in predictions.columns if c.startswith(f"{shipped}:")]
    user, proba = predictions["ID"].iloc[7], predictions[columns].iloc[7].to_numpy(float)
    label = columns[int(proba.argmax())].removeprefix(f"{shipped}:")
    args = ["--comp", comp, "--out", str(run_dir.parent), "--explain", run_dir.name]
    assert main([*args, "--id", user]) == 0
    return user, label, proba, capsys.readouterr().out


def shipped_entry(result: RunResult) -> str:
    return str(result.leaderboard.loc[result.leaderboard["shipped"], "model"].iloc[0])


def explained_p(shown: str, label: str) -> float:
    pattern = rf"the softmax over the \d+ classes' raw scores gives P\({re.escape(label)}\) = "
    found = re.search(pattern + r"([0-9.]+)", shown)
    assert found, shown
    return float(found.group(1))


def test_explain_one_multiclass_training_and_test_user(multiclass, capsys):
    comp, result = multiclass
    run_dir, shipped = result.run_dir, shipped_entry(result)
    for split in ("Train", "Test"):
        user, label, proba, shown = explain(comp, result, split, capsys)
        # The class the run predicted (and submitted) and its saved probability.
        assert (
            f"{split} user {user}: {shipped} predicts class {label} (P = {proba.max():.3f}" in shown
        )
        assert f"Explained: class {label}, the predicted class." in shown
        assert 0 < explained_p(shown, label) < 1
        assert "raises it by" in shown or "lowers it by" in shown
        waterfall = run_dir / f"waterfall_{shipped}_id-{user}.png"
        assert waterfall.read_bytes()[:4] == b"\x89PNG" and str(waterfall) in shown
    # The test user's class is the one submitted.
    if comp == "clickstream":
        assert str(json.loads((run_dir / "predictions.json").read_text())["target"][user]) == label
    else:
        submission = pd.read_csv(run_dir / "submission.csv", dtype={"device_id": str})
        row = submission.set_index("device_id").loc[user]
        assert row.idxmax() == label and row.max() == pytest.approx(proba.max(), abs=1e-5)


def test_explain_names_an_unknown_multiclass_id_or_run(multiclass, capsys):
    comp, result = multiclass
    unknown_id_and_run(comp, result.run_dir, capsys)


def test_explain_a_stack_over_a_seed_bag(talkingdata_run, capsys):
    run_dir = talkingdata_run.run_dir
    summary = json.loads((run_dir / "run.json").read_text())
    weights = summary["ensemble_weights"][summary["shipped"]]
    assert summary["shipped_kind"] == "ensemble" and weights["lgbm-bag2"] > 0, weights
    weighted = sorted(m for m, w in weights.items() if w > 0)
    assert sorted(summary["explainable_models"]) == weighted  # the bag's models too
    bags = pickle.loads((run_dir / "models" / "lgbm-bag2.pkl").read_bytes())
    assert len(bags) == 3 and all(isinstance(b, SeedBag) and len(b.members) == 2 for b in bags)
    user, label, _, shown = explain("talkingdata", talkingdata_run, "Train", capsys)
    assert f"ensemble's {len(weighted)} explained models" in shown
    assert "lgbm-bag2's fold models are bags of 2 seeds" in shown and "left out" not in shown
    assert "approximate: the ensemble combines its models' probabilities" in shown
    # The explanation adds up to the weighted sum of the models' raw class scores, whose
    # softmax is theirs of the weighted sum of their log-probabilities (the saved out-of-fold
    # ones; a bag's log of mean probabilities stands for its mean raw score).
    oof = pd.read_csv(run_dir / "oof_predictions.csv", dtype={"ID": str}).set_index("ID")
    classes = [c.removeprefix("logreg:") for c in oof.columns if c.startswith("logreg:")]
    mixed = sum(
        w * np.log(oof.loc[user, [f"{m}:{c}" for c in classes]].to_numpy(float))
        for m, w in weights.items()
    ) / sum(weights.values())  # fmt: skip
    assert explained_p(shown, label) == pytest.approx(
        softmax(mixed)[classes.index(label)], abs=1e-3
    )


def test_decision_tuned_entry_is_explained_before_its_class_weights(clickstream_run, capsys):
    """``logreg+tuned`` refits logistic regression on each fold's training rows, as the plain
    ``logreg`` entry does (deterministic), then scales its probabilities by tuned class
    weights: its explanation gives back plain logreg's probability, not the weighted one."""
    assert shipped_entry(clickstream_run) == "logreg+tuned"
    user, label, proba, shown = explain("clickstream", clickstream_run, "Train", capsys)
    assert f"(P = {proba.max():.3f} after its tuned class weights)" in shown
    assert "(before the class weights tuned for f1_macro)" in shown
    oof = pd.read_csv(clickstream_run.run_dir / "oof_predictions.csv", dtype={"ID": str})
    plain = oof.set_index("ID").loc[user, f"logreg:{label}"]
    assert explained_p(shown, label) == pytest.approx(plain, abs=1e-3)
    assert abs(plain - proba.max()) > 0.01  # the weights moved it: the check can tell them apart
