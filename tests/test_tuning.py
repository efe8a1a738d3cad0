"""Optuna tuning: seeded studies, reproducible submissions, deadlines, resume and bad storage."""

import hashlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import optuna
import pandas as pd
import pytest
import scipy.sparse as sp
from test_cli import ROOT, cli  # the same run.py runner as the CLI tests

from core.deadlines import OutOfTime, deadline
from core.hashing import fingerprint
from models import make_model
from podium.budget import Budget
from podium.tuning import TrialSeededTPE


def quadratic(trial: optuna.Trial) -> float:
    return (trial.suggest_float("x", -5, 5) - 1) ** 2 + trial.suggest_int("k", 1, 9)


def test_seeded_sampler_continues_a_study_as_if_it_had_not_stopped():
    whole = optuna.create_study(sampler=TrialSeededTPE(7))
    whole.optimize(quadratic, n_trials=12)
    storage = optuna.storages.InMemoryStorage()
    first = optuna.create_study(storage=storage, study_name="s", sampler=TrialSeededTPE(7))
    first.optimize(quadratic, n_trials=7)
    later = optuna.load_study(storage=storage, study_name="s", sampler=TrialSeededTPE(7))
    later.optimize(quadratic, n_trials=5)
    assert [t.params for t in later.trials] == [t.params for t in whole.trials]
    other = optuna.create_study(sampler=TrialSeededTPE(8))
    other.optimize(quadratic, n_trials=3)
    assert [t.params for t in other.trials] != [t.params for t in whole.trials[:3]]


def test_fingerprint_changes_with_any_input():
    X = sp.random(50, 20, density=0.1, format="csr", random_state=0)
    y = np.arange(50) % 2
    base = fingerprint(X, y, "lgbm", {"C": 1})
    assert base == fingerprint(X.copy(), y.copy(), "lgbm", {"C": 1})
    changed = X.copy()
    changed.data[0] += 1e-9
    assert fingerprint(changed, y, "lgbm", {"C": 1}) != base
    assert fingerprint(X, y[::-1].copy(), "lgbm", {"C": 1}) != base
    assert fingerprint(X, y, "lgbm", {"C": 2}) != base


def test_a_deadline_stops_a_fit_instead_of_waiting_for_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 30))
    y = (X[:, 0] + rng.normal(size=20_000) > 0).astype(int)
    slow = {"learning_rate": 0.001, "num_boost_round": 100_000, "early_stopping_rounds": 100_000}
    model = make_model("lgbm", task="binary", n_classes=2, seed=0, **slow)
    started = time.monotonic()
    with pytest.raises(OutOfTime), deadline(started + 0.5):
        model.fit(X, y)
    assert time.monotonic() - started < 5  # thousands of rounds would take minutes
    with pytest.raises(OutOfTime), deadline(time.monotonic() - 1):
        make_model("logreg", task="binary", n_classes=2).fit(X, y)


def test_budget_splits_what_is_left_after_the_reserve():
    now = time.monotonic()
    budget = Budget(started=now - 10, seconds=110)
    left = 100 - budget.reserve
    assert budget.left() == pytest.approx(left, abs=0.5)
    end = budget.share_end(4)
    assert end is not None and end - time.monotonic() == pytest.approx(left / 4, abs=0.5)
    unlimited = Budget(started=now, seconds=None)
    assert unlimited.share_end(3) is None and unlimited.left() == float("inf")


def run_folder(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.name not in ("tuning", ".cache")]
    return folder


@pytest.mark.slow
def test_same_seed_and_trials_give_the_same_submission_bytes(tmp_path, hotstar_dir):
    """Two independent run areas (separate studies and caches), the same seed and --trials."""
    digests, boards = [], []
    for name in ("a", "b"):
        out = tmp_path / name
        args = ("--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out))
        options = ("--models", "logreg,lgbm", "--trials", "3", "--no-report", "--shap-rows", "0")
        done = cli(*args, *options, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        folder = run_folder(out)
        digests.append(hashlib.sha256((folder / "submission.csv").read_bytes()).hexdigest())
        boards.append(pd.read_csv(folder / "leaderboard.csv"))
        tuning = json.loads((folder / "tuning.json").read_text())
        assert {m["trials_finished"] for m in tuning.values()} == {3}
        assert tuning["lgbm"]["best_params"] and tuning["lgbm"]["default_value"] is not None
    assert digests[0] == digests[1]
    board = boards[0].set_index("model")
    assert {"logreg", "logreg-optuna", "lgbm", "lgbm-optuna"} <= set(board.index)
    assert board.loc["lgbm-optuna", "tuned"] and not board.loc["lgbm", "tuned"]
    assert board.loc["lgbm-optuna", "trials"] == 3 and board.loc["lgbm", "trials"] == 0
    # The tuned entry is the study's best trial, which includes the defaults as trial 0.
    assert board.loc["lgbm-optuna", "cv_mean"] >= board.loc["lgbm", "cv_mean"]


def finished_trials(db: Path) -> list[tuple[int, str, str]]:
    try:
        with sqlite3.connect(db) as con:
            rows = con.execute(
                "SELECT t.number, t.state, group_concat(p.param_name || '=' || p.param_value) "
                "FROM trials t LEFT JOIN trial_params p ON p.trial_id = t.trial_id "
                "GROUP BY t.trial_id ORDER BY t.number"
            ).fetchall()
    except sqlite3.OperationalError:  # polled while Optuna is still creating the tables
        return []
    return [(n, state, params) for n, state, params in rows]


@pytest.mark.slow
@pytest.mark.parametrize(("sent", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_keeps_the_run_resumable_and_says_how(tmp_path, hotstar_dir, sent, code):
    out = tmp_path / "out"
    args = [
        "--preset",
        "quick",
        "--comp",
        "hotstar",
        "--data-dir",
        str(hotstar_dir),
        "--out",
        str(out),
    ]
    command = [sys.executable, str(ROOT / "run.py"), *args, "--trials", "50", "--no-report"]
    process = subprocess.Popen(command, cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    db = out / "tuning" / "studies.db"
    deadline_at = time.monotonic() + 240
    while time.monotonic() < deadline_at and not (db.exists() and finished_trials(db)):
        time.sleep(0.2)
    process.send_signal(sent)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == code, stderr
    (stage,) = out.glob(".*.partial")
    run_id = stage.name[1 : -len(".partial")]
    assert f"--resume {run_id}" in stderr
    assert (stage / "options.json").exists()


def test_bad_storage_and_unknown_resume_are_clear_errors(tmp_path, hotstar_dir):
    out = tmp_path / "out"
    base = ("--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out))
    bad = cli(*base, "--trials", "1", "--storage", "not-a-url", cwd=tmp_path)
    assert bad.returncode != 0 and "not a database URL" in bad.stderr
    unreachable = tmp_path / "missing" / "dir" / "studies.db"
    bad = cli(*base, "--trials", "1", "--storage", f"sqlite:///{unreachable}", cwd=tmp_path)
    assert bad.returncode != 0 and "cannot be opened" in bad.stderr
    assert not unreachable.parent.exists()

    # An existing study is left exactly as it was by a bad --resume.
    db = tmp_path / "studies.db"
    study = optuna.create_study(storage=f"sqlite:///{db}", study_name="kept")
    study.optimize(quadratic, n_trials=2)
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    resume = ("--comp", "hotstar", "--out", str(out), "--resume")
    bad = cli(*resume, "20000101-000000", "--storage", f"sqlite:///{db}", cwd=tmp_path)
    assert bad.returncode != 0 and "no interrupted run" in bad.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    bad = cli(*resume, "x", "--seed", "3", cwd=tmp_path)
    assert bad.returncode != 0 and "drop --seed" in bad.stderr
    assert not any(p.name.endswith(".partial") for p in out.glob(".*"))


@pytest.mark.parametrize("direction", ["maximize", "minimize"])
def test_under_a_budget_a_trial_behind_the_defaults_at_its_first_fold_stops(direction):
    import optuna

    from podium.samplers import pruner

    sign = 1.0 if direction == "maximize" else -1.0

    def pruned(racing: bool, first_fold: float) -> bool:
        study = optuna.create_study(direction=direction, pruner=pruner(racing))
        defaults = study.ask()
        defaults.report(0.80 * sign, 0)
        study.tell(defaults, 0.80 * sign)
        trial = study.ask()
        trial.report(first_fold * sign, 0)
        return trial.should_prune()

    assert pruned(racing=True, first_fold=0.79)  # behind the only finished trial: stops
    assert not pruned(racing=True, first_fold=0.81)  # ahead: runs on
    assert not pruned(racing=False, first_fold=0.79)  # the median pruner waits for 2 trials


@pytest.mark.parametrize(
    ("racing", "n_trials", "queued"),
    [(True, None, [0.5, 0.1]), (True, 5, [0.5]), (False, None, [0.5])],
)
def test_under_a_budget_the_portfolio_is_queued_right_after_the_defaults(
    tmp_path, racing, n_trials, queued
):
    import optuna

    from core.metrics import get_metric
    from podium.storage import open_storage
    from podium.tuning import ModelTuner

    tuner = ModelTuner(
        name="m", make=lambda **params: None, space=lambda t: {"x": t.suggest_float("x", 0, 1)},
        defaults={"x": 0.5, "fixed": 1}, X=None, y=None, X_test=None, fold=None,  # type: ignore[arg-type]
        metric=get_metric("roc_auc"), storage=open_storage(f"sqlite:///{tmp_path / 's.db'}"),
        study_name="s", cache=tmp_path, worker="here", seed=0, n_trials=n_trials,
        racing=racing, portfolio=({"x": 0.1, "fixed": 1},),
    )  # fmt: skip
    tuner.open()
    waiting = tuner.study.get_trials(states=(optuna.trial.TrialState.WAITING,))
    assert [
        t.system_attrs["fixed_params"]["x"] for t in waiting
    ] == queued  # a trial target keeps to the sampler
    tuner.open()  # joining the study again queues nothing twice
    assert len(tuner.study.get_trials(states=(optuna.trial.TrialState.WAITING,))) == len(queued)
