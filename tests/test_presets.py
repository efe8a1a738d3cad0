"""Presets: what each one resolves to, explicit options winning, and the medium preset's whole
AutoML (tuned models sharing one budget, ensembles, schedule) on a tiny sample."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from test_cli import cli, only_run_folder
from test_tuning import run_folder

from core.errors import ConfigError
from models import MODELS
from podium.cli import build_parser
from podium.options import RunOptions
from podium.presets import PRESETS, apply_preset
from podium.validation import validate_options


def test_the_default_preset_is_medium_the_whole_automl():
    assert build_parser().parse_args(["--comp", "hotstar"]).preset == "medium"
    options = apply_preset(RunOptions(comp="hotstar"))
    assert options.models == ("logreg", "lgbm", "xgb", "catboost")
    assert options.time_budget == 300.0 and options.tuning
    assert options.shap_rows == 2000 and options.seed_bags == 1 and options.shap_plots == 4


def test_quick_is_the_competitions_defaults_untuned_and_best_bags_and_adds_baselines():
    quick = apply_preset(RunOptions(comp="hotstar", preset="quick"))
    assert quick.models is None and quick.time_budget is None and not quick.tuning
    assert quick.shap_plots == 1  # a quick run would otherwise be mostly plots
    best = apply_preset(RunOptions(comp="hotstar", preset="best"))
    assert best.time_budget == 1800.0 and best.seed_bags == 3
    assert {"lgbm", "xgb", "catboost", "rf", "knn", "svm", "mlp"} <= set(best.models or ())


def test_explicit_options_override_the_preset_and_applying_twice_changes_nothing():
    given = RunOptions(
        comp="hotstar", models=("lgbm",), time_budget=60.0, shap_rows=0, shap_plots=0
    )
    options = apply_preset(given)
    assert (options.models, options.time_budget, options.shap_rows) == (("lgbm",), 60.0, 0)
    assert options.shap_plots == 0
    assert apply_preset(options) == options


def test_trials_alone_replace_the_budget_so_runs_are_reproducible():
    options = apply_preset(RunOptions(comp="hotstar", trials=5))
    assert options.time_budget is None and options.trials == 5 and options.tuning
    both = apply_preset(RunOptions(comp="hotstar", trials=5, time_budget=99.0))
    assert both.time_budget == 99.0


def test_every_preset_names_registered_models():
    for preset in PRESETS.values():
        for name in preset.models or ():
            MODELS.get(name)


def test_help_explains_every_preset():
    text = build_parser().format_help()
    for name, preset in PRESETS.items():
        assert name in text and preset.summary[:40] in " ".join(text.split())


@pytest.mark.slow
def test_options_json_records_the_preset_and_every_resolved_value(tmp_path, hotstar_dir):
    out = tmp_path / "out"
    args = ("--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out))
    done = cli(*args, "--preset", "quick", "--folds", "2", "--no-report", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    saved = json.loads((only_run_folder(out) / "options.json").read_text())
    assert saved["preset"] == "quick" and saved["models"] == ["logreg", "lgbm"]
    assert saved["time_budget"] is None and saved["shap_rows"] == 1000
    assert saved["seed_bags"] == 1 and saved["shap_plots"] == 1


@pytest.mark.slow
def test_medium_tunes_every_model_within_one_budget_and_stacks_them(tmp_path, hotstar_dir):
    out = tmp_path / "out"
    budget = 45
    started = time.monotonic()
    done = cli(
        "--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out), "--preset",
        "medium", "--time-budget", str(budget), "--folds", "3", "--no-report", cwd=tmp_path,
    )  # fmt: skip
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert elapsed <= budget * 1.1 + 5  # +5: the interpreter's start, outside the budget
    folder = run_folder(out)
    board = pd.read_csv(folder / "leaderboard.csv").set_index("model")
    for model in ("lgbm", "xgb", "catboost"):
        assert board.loc[f"{model}-optuna", "tuned"] and board.loc[f"{model}-optuna", "trials"] >= 1
    assert board.loc["lgbm-optuna", "trials"] > 1  # the cheap booster is tuned for real
    assert {"stack", "blend", "greedy"} <= set(board.index)
    schedule = pd.read_csv(folder / "tuning_schedule.csv")
    models = ["logreg", "lgbm", "xgb", "catboost"]
    assert schedule["model"][:4].tolist() == models  # every model's defaults first, in order
    assert schedule["reason"][:4].tolist() == ["defaults"] * 4
    first = schedule[schedule["reason"] == "first tuned"]["model"].tolist()
    defaults = schedule[schedule["reason"] == "defaults"].groupby("model")["seconds"].mean()
    assert first and first == sorted(first, key=lambda m: -defaults[m])  # the slowest first
    assert set(schedule["reason"][4 + len(first) :]) <= {"eci"}
    tuning = json.loads((folder / "tuning.json").read_text())
    assert sum(t["seconds"] for t in tuning.values()) < budget
    assert all(t["gain_over_defaults"] >= 0 for t in tuning.values())
    assert "Tuning (seconds spent per model" in done.stdout and "Preset medium" in done.stdout


@pytest.mark.slow
def test_seed_bags_average_the_best_trial_refitted_with_other_seeds(tmp_path, hotstar_dir):
    out = tmp_path / "out"
    done = cli(
        "--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out), "--models",
        "lgbm", "--trials", "2", "--seed-bags", "3", "--folds", "3", "--no-report", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    folder = run_folder(out)
    board = pd.read_csv(folder / "leaderboard.csv").set_index("model")
    bag, best = board.loc["lgbm-bag3"], board.loc["lgbm-optuna"]
    assert bag["tuned"] and bag["trials"] == 2
    assert bag["cv_mean"] != best["cv_mean"]  # other seeds, other trees
    oof = pd.read_csv(folder / "oof_predictions.csv")
    assert oof["lgbm-bag3"].between(0, 1).all()
    assert (oof["lgbm-bag3"] - oof["lgbm-optuna"]).abs().max() > 1e-4
    assert list(folder.glob("shap_lgbm-bag3*"))  # the bag is explained too


@pytest.mark.parametrize("field", ["shap_rows", "shap_plots", "shap_seconds"])
def test_a_negative_shap_option_is_a_clear_error(field):
    with pytest.raises(ConfigError, match="must not be negative"):
        validate_options(RunOptions(comp="hotstar", **{field: -1}))
