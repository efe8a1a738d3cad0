"""End-to-end runs of ``run.py`` on a tiny sample, and its error paths."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from podium.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """``run.py`` with ``args``, in the quick preset unless a preset or ``--resume`` is given."""
    if "--preset" not in args and "--resume" not in args:
        args = ("--preset", "quick", *args)
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def only_run_folder(out: Path) -> Path:
    (run_dir,) = [p for p in out.iterdir() if not p.name.startswith(".")]  # not the cache
    return run_dir


@pytest.mark.slow
def test_end_to_end_run_writes_the_run_folder(tmp_path, hotstar_dir, tiny_hotstar):
    out = tmp_path / "out"
    done = cli("--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Leaderboard" in done.stdout and "Submission:" in done.stdout
    run_dir = only_run_folder(out)
    files = {p.name for p in run_dir.iterdir()}
    assert {
        "submission.csv", "leaderboard.csv", "oof_predictions.csv", "test_predictions.csv",
        "folds.csv", "options.json", "run.json",
    } <= files  # fmt: skip

    submission = pd.read_csv(run_dir / "submission.csv")
    assert list(submission.columns) == ["ID", "segment"]
    assert submission["ID"].tolist() == tiny_hotstar.test_ids
    assert submission["segment"].between(0, 1).all()

    board = pd.read_csv(run_dir / "leaderboard.csv")
    assert {"model", "metric", "cv_mean", "cv_std", "fit_seconds"} <= set(board.columns)
    assert set(board["model"]) == {"logreg", "lgbm", "blend", "greedy", "stack"}
    assert set(board.loc[board["kind"] == "model", "model"]) == {"logreg", "lgbm"}
    assert board["cv_mean"].is_monotonic_decreasing  # AUC: higher is better, best first
    assert board["shipped"].tolist() == [True] + [False] * 4
    assert (board["metric"] == "roc_auc").all()
    assert board["cv_mean"].between(0.6, 1).all()

    folds = pd.read_csv(run_dir / "folds.csv")
    assert sorted(folds["fold"].unique()) == [0, 1, 2, 3, 4]
    oof = pd.read_csv(run_dir / "oof_predictions.csv")
    assert oof["ID"].tolist() == tiny_hotstar.train_ids and {"lgbm", "logreg"} <= set(oof.columns)
    test_pred = pd.read_csv(run_dir / "test_predictions.csv")
    shipped = board.loc[board["shipped"], "model"].item()
    assert test_pred[shipped].round(6).tolist() == submission["segment"].tolist()

    summary = json.loads((run_dir / "run.json").read_text())
    assert summary["shipped"] == shipped and summary["shipped_kind"] in ("model", "ensemble")
    options = json.loads((run_dir / "options.json").read_text())
    assert options["comp"] == "hotstar" and options["folds"] == 5 and options["seed"] == 42
    assert options["models"] == ["logreg", "lgbm"]


@pytest.mark.slow
def test_same_seed_gives_the_same_submission_bytes(tmp_path, hotstar_dir):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        done = cli(
            "--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out),
            "--folds", "3", "--seed", "7", "--no-report", "--shap-rows", "0", cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    a, b = (only_run_folder(out) / "submission.csv" for out in outs)
    assert a.read_bytes() == b.read_bytes()


@pytest.mark.slow
def test_without_data_it_says_it_uses_the_synthetic_sample(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    import competitions.hotstar as hotstar_module

    monkeypatch.setitem(hotstar_module.SIZES, "small", {"n_train": 1200, "n_test": 300})
    code = main(
        [
            "--preset",
            "quick",
            "--comp",
            "hotstar",
            "--models",
            "logreg",
            "--folds",
            "3",
            "--no-progress",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (
        "No data in data/hotstar/: running on podium's built-in synthetic hotstar" in captured.err
    )
    assert "--data-dir" in captured.err
    run_dir = only_run_folder(tmp_path / "runs" / "hotstar")
    assert len(pd.read_csv(run_dir / "submission.csv")) == 300


def test_help_explains_every_option():
    parser = build_parser()
    text = parser.format_help()
    for action in parser._actions:
        assert action.help, action.option_strings
        for flag in action.option_strings:
            assert flag in text
    for flag in ("--comp", "--data-dir", "--out", "--folds", "--seed", "--models", "--list"):
        assert flag in text


def test_list_shows_competitions_task_metric_and_data(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "hotstar" in out and "binary" in out and "roc_auc" in out and "synthetic" in out
    (tmp_path / "data" / "hotstar").mkdir(parents=True)
    (tmp_path / "data" / "hotstar" / "train_data.json").write_text("{}")
    main(["--list"])
    assert "real (data/hotstar/)" in capsys.readouterr().out


def test_unknown_competition_lists_the_known_ones(tmp_path):
    done = cli("--comp", "hotstr", cwd=tmp_path)
    assert done.returncode != 0
    assert "unknown competition 'hotstr'; known competitions: clickstream, hotstar" in done.stderr
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--folds", "1"], "--folds must be between 2 and"),
        (["--models", "lgbm,nope"], "unknown model 'nope'; known models:"),
        (["--data-dir", "does/not/exist"], "is not a folder"),
    ],
)
def test_bad_options_fail_fast_with_a_message(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    assert main(["--preset", "quick", "--comp", "hotstar", *args]) != 0
    assert message in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()


def test_bad_data_exits_non_zero_and_writes_nothing(tmp_path, hotstar_dir):
    (hotstar_dir / "test_data.json").write_text('{"test-0": {"titles": "A:1"', encoding="utf-8")
    out = tmp_path / "out"
    done = cli("--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out), cwd=tmp_path)
    assert done.returncode != 0
    assert "test_data.json: malformed JSON at line 1" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())


def test_missing_files_in_the_default_folder_are_an_error_not_synthetic(tmp_path):
    (tmp_path / "data" / "hotstar").mkdir(parents=True)
    (tmp_path / "data" / "hotstar" / "train_data.json").write_text("{}")
    done = cli("--comp", "hotstar", cwd=tmp_path)
    assert done.returncode != 0
    assert "missing test_data.json" in done.stderr


@pytest.mark.slow
def test_run_history_shows_each_run_and_the_change(tmp_path, hotstar_dir):
    out = tmp_path / "out"
    for folds in ("3", "4"):
        done = cli(
            "--comp", "hotstar", "--data-dir", str(hotstar_dir), "--out", str(out),
            "--folds", folds, "--models", "logreg", "--no-report", "--shap-rows", "0",
            cwd=tmp_path,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    (out / ".20990101-000000.partial").mkdir()  # an unfinished run is not listed
    done = cli("--comp", "hotstar", "--leaderboard", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("Runs of hotstar (roc_auc, higher is better)")
    assert len(lines) == 4  # title, header, two runs
    first, second = sorted(p for p in out.iterdir() if not p.name.startswith("."))
    scores = [pd.read_csv(run / "leaderboard.csv")["cv_mean"].iloc[0] for run in (first, second)]
    assert f"{scores[1] - scores[0]:+.4f}" in lines[3]
    assert lines[2].split()[:2] == [first.name, "logreg"]
    assert (first / "leaderboard.md").read_text().startswith("| rank | model |")
