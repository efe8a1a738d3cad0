"""kill -9 at an exact point, then ``--resume``: the same submission bytes as a run that was
never interrupted (``PODIUM_KILL_AT``, :mod:`podium.faults`, places the kill)."""

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_cli import ROOT, cli

from competitions import hotstar

# SHAP and the report are off: they add nothing to the predictions' bytes compared here.
OPTIONS = ("--models", "logreg,lgbm", "--trials", "4", "--folds", "3", "--no-report",
           "--shap-rows", "0")  # fmt: skip
WRITTEN = ("submission.csv", "oof_predictions.csv")


def start(out: Path, data: Path, kill_at: str | None, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PODIUM_KILL_AT"}
    if kill_at is not None:
        env["PODIUM_KILL_AT"] = kill_at
    command = [sys.executable, str(ROOT / "run.py"), "--comp", "hotstar", "--data-dir", str(data)]
    return subprocess.run(
        [*command, "--out", str(out), *OPTIONS], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=300,
    )  # fmt: skip


def trial_states(out: Path) -> list[str]:
    with sqlite3.connect(out / "tuning" / "studies.db") as con:
        return [state for (state,) in con.execute("SELECT state FROM trials ORDER BY trial_id")]


def finished_trials(out: Path) -> list[tuple[str, str, float | None]]:
    """Every finished trial of every study, in order: (study, parameters, value)."""
    with sqlite3.connect(out / "tuning" / "studies.db") as con:
        return con.execute(
            "SELECT s.study_name, group_concat(p.param_name || '=' || p.param_value), v.value "
            "FROM trials t JOIN studies s ON s.study_id = t.study_id "
            "LEFT JOIN trial_params p ON p.trial_id = t.trial_id "
            "LEFT JOIN trial_values v ON v.trial_id = t.trial_id "
            "WHERE t.state IN ('COMPLETE', 'PRUNED') GROUP BY t.trial_id ORDER BY t.trial_id"
        ).fetchall()


def digests(folder: Path) -> dict[str, str]:
    """The predictions' bytes, and the leaderboard without its timings."""
    found = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in WRITTEN}
    board = pd.read_csv(folder / "leaderboard.csv").drop(columns=["fit_seconds", "predict_seconds"])
    found["leaderboard.csv"] = board.to_csv(index=False)
    return found


def finished_run(out: Path) -> Path:
    (folder,) = [p for p in out.iterdir() if p.name not in ("tuning", ".cache")]
    return folder


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_hotstar) -> tuple[Path, dict[str, str], dict, list]:
    tmp_path = tmp_path_factory.mktemp("uninterrupted")
    data = tmp_path / "data"
    hotstar.write_files(tiny_hotstar, data)
    done = start(tmp_path / "out", data, None, tmp_path)
    assert done.returncode == 0, done.stderr
    folder = finished_run(tmp_path / "out")
    tuning = json.loads((folder / "tuning.json").read_text())
    return data, digests(folder), tuning, finished_trials(tmp_path / "out")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("kill_at", "stage"),
    [
        ("features", "features built, no trial yet"),
        ("fold:8", "mid-trial: a trial has finished folds and is left running"),
        ("ensembles", "every trial finished, ensembles built, nothing written"),
        ("write", "the submission written into the staging folder, the rest not"),
    ],
)
def test_kill_9_then_resume_gives_the_uninterrupted_runs_bytes(
    tmp_path, uninterrupted, kill_at, stage
):
    data, expected, expected_tuning, expected_trials = uninterrupted
    out = tmp_path / "out"
    killed = start(out, data, kill_at, tmp_path)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    (partial,) = out.glob(".*.partial")
    states = trial_states(out) if (out / "tuning" / "studies.db").exists() else []
    # The kill landed where the test means it to.
    if kill_at == "features":
        assert not states
    elif kill_at.startswith("fold"):
        assert "RUNNING" in states and "COMPLETE" in states
    else:
        assert "RUNNING" not in states and states.count("COMPLETE") >= 2
        assert (partial / "submission.csv").exists() == (kill_at == "write")

    finished_before = len(finished_trials(out)) if states else 0
    run_id = partial.name[1 : -len(".partial")]
    resumed = cli("--comp", "hotstar", "--out", str(out), "--resume", run_id, cwd=tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    folder = out / run_id
    assert not partial.exists() and folder.is_dir()
    # The same trials with the same parameters and values, in the same order, then the same bytes.
    assert finished_trials(out) == expected_trials, stage
    assert digests(folder) == expected, stage
    tuning = json.loads((folder / "tuning.json").read_text())
    for model, outcome in expected_tuning.items():
        assert tuning[model]["best_params"] == outcome["best_params"], model
        assert tuning[model]["best_value"] == outcome["best_value"], model
    # The resumed run ran only the trials that were missing.
    ran = sum(t["trials_this_run"] for t in tuning.values())
    assert ran == len(expected_trials) - finished_before
    assert "RUNNING" not in trial_states(out)
