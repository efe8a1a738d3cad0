"""The competitor's loop: --download, --record with --leaderboard, and --submit. The Kaggle
client is never imported: podium.kaggle_client.kaggle_api is replaced by a stand-in."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from competitions import COMPETITIONS
from podium import kaggle_client
from podium.cli import main
from podium.options import RunOptions
from podium.runner import run

TALKINGDATA_FILES = (
    "gender_age_train.csv", "gender_age_test.csv", "phone_brand_device_model.csv", "events.csv",
)  # fmt: skip


@pytest.fixture
def no_credentials(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for name in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(name, raising=False)
    data = tmp_path / "data" / "talkingdata"
    data.mkdir(parents=True)
    (data / "notes.txt").write_text("mine\n")
    return data


def _listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_download_without_credentials_says_what_to_create(no_credentials, capsys):
    before = _listing(no_credentials.parent)
    assert main(["--comp", "talkingdata", "--download"]) != 0
    error = capsys.readouterr().err
    assert "kaggle.json" in error and "KAGGLE_USERNAME" in error and "KAGGLE_KEY" in error
    assert str(Path("home") / ".kaggle" / "kaggle.json") in error
    assert len(error.strip().splitlines()) == 1  # one paragraph
    assert _listing(no_credentials.parent) == before  # data/ untouched, no temporary folder
    assert sorted(p.name for p in no_credentials.parent.iterdir()) == ["talkingdata"]


class FakeKaggle:
    """Stands in for KaggleApi: serves a competition as one zip, and takes submissions."""

    def __init__(self, files: tuple[str, ...] = TALKINGDATA_FILES, fail: bool = False) -> None:
        self.files, self.fail = files, fail
        self.submitted: list[tuple[str, str, str]] = []

    def competition_download_files(self, competition, path, quiet=True, **_):
        if self.fail:
            raise ConnectionError("Name or service not known")
        with zipfile.ZipFile(Path(path) / f"{competition}.zip", "w") as zipped:
            for name in self.files:
                zipped.writestr(name, "device_id\n1\n")

    def competition_submit(self, file_name, message, competition, quiet=False):
        self.submitted.append((Path(file_name).read_text()[:9], message, competition))


def test_download_moves_verified_files_in(no_credentials, monkeypatch, capsys):
    fake = FakeKaggle()
    monkeypatch.setattr(kaggle_client, "kaggle_api", lambda: fake)
    assert main(["--comp", "talkingdata", "--download"]) == 0
    assert sorted(_listing(no_credentials)) == sorted([*TALKINGDATA_FILES, "notes.txt"])
    assert "Downloaded 4 file(s)" in capsys.readouterr().out


@pytest.mark.parametrize("fake", [FakeKaggle(files=TALKINGDATA_FILES[:2]), FakeKaggle(fail=True)])
def test_an_incomplete_or_failed_download_leaves_the_folder_untouched(
    no_credentials, monkeypatch, capsys, fake
):
    before = _listing(no_credentials.parent)
    monkeypatch.setattr(kaggle_client, "kaggle_api", lambda: fake)
    assert main(["--comp", "talkingdata", "--download"]) != 0
    error = capsys.readouterr().err
    assert ("did not provide phone_brand_device_model.csv" in error) or ("network" in error)
    assert _listing(no_credentials.parent) == before


def test_a_competition_without_a_source_says_where_it_was_published(no_credentials, capsys):
    assert main(["--comp", "hotstar", "--download"]) != 0
    error = capsys.readouterr().err
    assert "cannot be downloaded" in error and "HackerEarth" in error
    assert not (no_credentials.parent / "hotstar").exists()


def test_every_competition_declares_its_source():
    for name in COMPETITIONS.names():
        source = COMPETITIONS.get(name).source
        assert source.kind != "none" or source.published, name
    assert COMPETITIONS.get("talkingdata").source.ref == "talkingdata-mobile-user-demographics"
    assert COMPETITIONS.get("taobao").source.kind == "kaggle-dataset"


def test_record_and_leaderboard_over_three_runs(tmp_path, tiny_hotstar, capsys):
    out = tmp_path / "runs"
    ids = []
    for folds in (3, 4, 5):
        options = RunOptions(
            comp="hotstar", preset="quick", out=out, models=("logreg",), folds=folds,
            progress=False, report=False, shap_rows=0, drift_weights=folds == 5,
        )  # fmt: skip
        ids.append(run(options, dataset=tiny_hotstar).run_dir.name)
    cv = [json.loads((out / i / "run.json").read_text()) for i in ids]
    assert all("adversarial_validation" in summary for summary in cv)
    publics = (0.61, 0.63, 0.62)
    for run_id, public in zip(ids, publics, strict=True):
        args = ["--comp", "hotstar", "--out", str(out), "--record", run_id, "--public", str(public)]
        assert main([*args, *(["--private", "0.6"] if public == 0.61 else [])]) == 0
    assert json.loads((out / ids[0] / "public_scores.json").read_text())["private"] == 0.6
    capsys.readouterr()
    assert main(["--comp", "hotstar", "--out", str(out), "--leaderboard"]) == 0
    shown = capsys.readouterr().out
    assert "Leaderboard scores recorded with the runs" in shown
    for run_id, public in zip(ids, publics, strict=True):
        (line,) = [x for x in shown.splitlines() if x.startswith(run_id) and f"{public:.4f}" in x]
    assert line.rstrip().endswith("yes")  # the last run had drift weights
    from podium.scores import rank_correlation, scores_history

    history = scores_history(out, "hotstar")
    rho, n = rank_correlation(history, "public")
    assert n == 3 and rho is not None
    expected = np.corrcoef(history["cv_mean"].rank(), history["public"].rank())[0, 1]
    assert rho == pytest.approx(expected)
    assert f"over 3 runs: {rho:+.3f}" in shown
    assert "private scores recorded for 1 run(s)" in shown
    page = (out / "history.html").read_text()
    assert f"History report (CV against the leaderboard): {out / 'history.html'}" in shown
    assert "data:image/png;base64," in page and ids[2] in page and "Spearman" in page


def test_record_refuses_an_unknown_run_and_a_lone_public(tmp_path, capsys):
    out = tmp_path / "runs"
    out.mkdir()
    assert main(["--comp", "hotstar", "--out", str(out), "--record", "nope", "--public", "1"]) == 2
    assert "no finished run 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--comp", "hotstar", "--out", str(out), "--public", "0.5"])


def _talkingdata_run(folder: Path) -> None:
    spec = COMPETITIONS.get("talkingdata")
    folder.mkdir(parents=True)
    ids = ["11", "12", "13"]
    proba = np.full((3, 12), 1 / 12)
    spec.submission.write(folder / "submission.csv", ids, proba)
    (folder / "test_predictions.csv").write_text("device_id,logreg\n11,0\n12,0\n13,0\n")
    (folder / "run.json").write_text("{}")


def test_submit_sends_the_validated_submission(tmp_path, monkeypatch, capsys):
    out = tmp_path / "runs"
    _talkingdata_run(out / "20260101-000000")
    fake = FakeKaggle()
    monkeypatch.setattr(kaggle_client, "kaggle_api", lambda: fake)
    assert main(["--comp", "talkingdata", "--out", str(out), "--submit", "first try"]) == 0
    assert fake.submitted == [("device_id", "first try", "talkingdata-mobile-user-demographics")]
    assert "--record 20260101-000000 --public SCORE" in capsys.readouterr().out
    # A damaged submission is not sent.
    path = out / "20260101-000000" / "submission.csv"
    path.write_text(path.read_text().replace("\n13,", "\n99,"))
    assert main(["--comp", "talkingdata", "--out", str(out), "--submit", "again"]) != 0
    assert len(fake.submitted) == 1


def test_submit_refuses_a_competition_that_is_not_on_kaggle(tmp_path, capsys):
    assert main(["--comp", "hotstar", "--out", str(tmp_path), "--submit", "x"]) == 2
    assert "not a Kaggle competition" in capsys.readouterr().err


def test_without_the_kaggle_package_it_says_what_to_install(monkeypatch):
    import builtins

    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", "0123")
    real_import = builtins.__import__

    def no_kaggle(name, *args, **kwargs):
        if name.startswith("kaggle"):
            raise ImportError("No module named 'kaggle'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_kaggle)
    with pytest.raises(Exception, match=r"pip install -e \"\.\[kaggle\]\""):
        kaggle_client.kaggle_api()
