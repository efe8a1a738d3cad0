"""ClickStream: separators, users without sessions, unknown users, labels, predictions.json."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from competitions import clickstream as cs
from competitions.clickstream_sample import generate
from competitions.files import find_files
from core.decision import tune_class_weights
from core.errors import DataError, SubmissionError
from core.metrics import get_metric
from models import make_model
from models.base import Model
from models.decision import TunedDecision

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    cs.TABLES.write(generate(60, 20, seed=1).tables, tmp_path / "nuwe")
    return tmp_path / "nuwe"


def load(folder: Path):
    return cs.load(find_files(folder, cs.FILES))


def test_reads_semicolon_users_and_comma_sessions_from_sub_folders(folder):
    assert (folder / "train" / "user_train.csv").read_text().splitlines()[0].count(";") == 4
    assert (folder / "test" / "session_test.csv").read_text().splitlines()[0].count(",") == 10
    dataset = load(folder)
    assert len(dataset.train) == 60 and len(dataset.test) == 20
    assert dataset.classes == ("1", "2", "3")
    assert dataset.test_ids == [str(i) for i in range(1, 21)]
    assert len(dataset.tables["sessions"]) > 5 * 80


def test_a_semicolon_session_file_is_read_too(folder):
    path = folder / "train" / "session_train.csv"
    text = path.read_text()
    path.write_text(text.replace(",", ";"))  # no commas inside the synthetic fields
    assert len(load(folder).tables["sessions"]) > 0


def test_user_without_sessions_gets_features(folder):
    path = folder / "test" / "session_test.csv"
    lines = path.read_text().splitlines()
    dataset = load(folder)
    lonely = dataset.test["user_id"].iloc[0]
    path.write_text("\n".join(line for line in lines if not line.startswith(lonely)) + "\n")
    dataset = load(folder)
    features = cs.build_features(dataset)
    row = features.X_test[0].toarray().ravel()
    names = list(features.names)
    assert row[names.index("has_events")] == 0 and row[names.index("page_views:sum")] == 0
    assert row[names.index("age")] == dataset.test["age"].iloc[0]
    assert np.isfinite(features.X_test.data).all()


def test_sessions_of_unknown_users_are_counted_and_dropped(folder, caplog):
    path = folder / "train" / "session_train.csv"
    lines = path.read_text().splitlines()
    stranger = "00000000-0000-4000-8000-000000000000" + lines[1][36:]
    path.write_text("\n".join([*lines, stranger, stranger.replace("-0000-4", "-0001-4")]) + "\n")
    with caplog.at_level(logging.WARNING):
        dataset = load(folder)
    assert "session_train.csv: dropped 2 sessions of users in neither user file" in caplog.text
    assert not dataset.tables["sessions"]["user_id"].str.startswith("00000000").any()


@pytest.mark.parametrize("label", ["0", "4", "high"])
def test_label_outside_the_classes_is_a_clear_error(folder, label):
    path = folder / "train" / "user_train.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].rsplit(";", 1)[0] + f";{label}"
    path.write_text("\n".join(lines) + "\n")
    expected = r"user_train\.csv: line 4, column 'marketing_target'"
    with pytest.raises(DataError, match=expected):
        load(folder)


def test_predictions_json_has_the_exact_shape(tmp_path):
    fmt = cs.SPEC.submission
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]])
    path = fmt.write(tmp_path / "predictions.json", ["1", "2", "3"], proba)
    assert json.loads(path.read_text()) == {"target": {"1": 1, "2": 3, "3": 2}}
    with pytest.raises(SubmissionError, match="test IDs missing"):
        fmt.validate({"target": {"1": 1}}, ["1", "2"])
    with pytest.raises(SubmissionError, match="JSON integers"):
        fmt.validate({"target": {"1": 1, "2": 2.0}}, ["1", "2"])
    with pytest.raises(SubmissionError, match="JSON integers"):
        fmt.validate({"target": {"1": 0, "2": 2}}, ["1", "2"])
    with pytest.raises(SubmissionError, match="expected"):
        fmt.validate({"predictions": {}}, ["1"])


def test_class_weight_tuning_finds_the_rare_classes():
    rng = np.random.default_rng(0)
    y = rng.choice(3, size=900, p=[0.76, 0.15, 0.09])
    # Probabilities that rank the rare classes well but never make them the argmax.
    proba = np.full((900, 3), 0.2)
    proba[:, 0] = 0.6
    proba[np.arange(900), y] += 0.15
    f1 = get_metric("f1_macro").func
    weights = tune_class_weights(proba, y, f1)
    assert f1(y, (proba * weights).argmax(axis=1)) > f1(y, proba.argmax(axis=1)) + 0.3


class Spy(Model):
    """Records the rows it is fitted on (by their first feature, a row number)."""

    name = "spy"
    description = "test double"
    seen: list[set[int]] = []

    def _fit(self, X, y):
        Spy.seen.append(set(np.asarray(X[:, 0]).ravel().astype(int)))

    def _predict_proba(self, X):
        return np.full((X.shape[0], self.n_classes), 1 / self.n_classes)


def test_tuned_decision_fits_only_on_the_rows_it_is_given():
    X = np.arange(200, dtype=float)[:, None]
    y = np.arange(200) % 3
    Spy.seen = []
    base = lambda: Spy(task="multiclass", n_classes=3)  # noqa: E731
    model = TunedDecision(
        task="multiclass", n_classes=3, base=base, score=get_metric("f1_macro").func
    )
    model.fit(X[:150], y[:150])
    assert len(Spy.seen) == 6  # five inner folds and one refit
    assert all(rows <= set(range(150)) for rows in Spy.seen)
    assert model.predict_proba(X[150:]).shape == (50, 3)


def test_class_weight_balanced_changes_the_model():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 3))
    y = (X[:, 0] + rng.normal(size=400) > 1.3).astype(int)
    plain = make_model("lgbm", task="binary", n_classes=2).fit(X, y).predict_proba(X)
    balanced = make_model("lgbm", task="binary", n_classes=2, class_weight="balanced")
    assert balanced.fit(X, y).predict_proba(X).mean() > plain.mean() + 0.1


@pytest.mark.slow
def test_end_to_end_run_writes_predictions_json(tmp_path):
    cs.TABLES.write(generate(150, 40, seed=2).tables, tmp_path / "data")
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--preset", "quick", "--comp", "clickstream",
         "--folds", "3", "--models", "lgbm", "--data-dir", str(tmp_path / "data"),
         "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "confusion matrix" in done.stdout
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if p.name != ".cache"]
    document = json.loads((run_dir / "predictions.json").read_text())
    assert list(document) == ["target"]
    assert list(document["target"]) == [str(i) for i in range(1, 41)]
    assert set(document["target"].values()) <= {1, 2, 3}
    assert (run_dir / "confusion_matrix.csv").exists()
    board = (run_dir / "leaderboard.csv").read_text()
    assert "lgbm+tuned" in board and "f1_3" in board
    assert "alt='confusion'" in (run_dir / "report.html").read_text()


@pytest.mark.slow
def test_studies_of_a_label_metric_optimise_log_loss_and_entries_show_f1(tmp_path):
    cs.TABLES.write(generate(150, 40, seed=2).tables, tmp_path / "data")
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "--preset", "quick", "--comp", "clickstream",
         "--folds", "3", "--models", "lgbm", "--trials", "3", "--no-report", "--shap-rows", "0",
         "--data-dir", str(tmp_path / "data"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (run_dir,) = [p for p in (tmp_path / "out").iterdir() if p.name not in (".cache", "tuning")]
    tuning = json.loads((run_dir / "tuning.json").read_text())["lgbm"]
    assert tuning["study_metric"] == "log_loss" and tuning["best_value"] > 0.5  # a log loss
    board = pd.read_csv(run_dir / "leaderboard.csv").set_index("model")
    tuned = board.loc["lgbm-optuna"]
    assert tuned["metric"] == "f1_macro" and 0 <= tuned["cv_mean"] <= 1
    folds = [tuned[f"fold_{k}"] for k in (1, 2, 3)]
    assert tuned["cv_mean"] == pytest.approx(np.mean(folds), abs=1e-6)  # rescored per fold
    assert "lgbm-optuna+tuned" in board.index
