"""A run's saved explanations and ``--explain RUN_ID --id ID`` on a finished run's folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shap
from scipy.special import expit

from competitions import hotstar
from podium.cli import main
from podium.explain import explanation_info, load
from podium.options import RunOptions
from podium.runner import run

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
    run_dir = finished.run_dir
    args = ["--comp", "hotstar", "--out", str(run_dir.parent)]
    assert main([*args, "--explain", run_dir.name, "--id", "no-such-user"]) != 0
    assert "no training or test ID 'no-such-user'" in capsys.readouterr().err
    assert main([*args, "--explain", "20000101-000000", "--id", "1"]) != 0
    assert "--explain 20000101-000000: no finished run" in capsys.readouterr().err
