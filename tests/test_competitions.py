"""Shared end-to-end checks that run on every registered competition by themselves."""

import json

import pytest

import podium.segment
from competitions import COMPETITIONS
from podium.options import RunOptions
from podium.runner import run


@pytest.mark.slow
@pytest.mark.parametrize("name", COMPETITIONS.names())
def test_synthetic_run_is_complete_and_reproducible(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)  # no data/<name>/ here: the synthetic sample is used
    monkeypatch.setattr(podium.segment, "TSNE_ROWS", 300)  # the t-SNE view, kept quick
    spec = COMPETITIONS.get(name)
    submissions = []
    for attempt in ("a", "b"):
        options = RunOptions(
            preset="quick",
            comp=name, out=tmp_path / attempt, folds=3, models=("logreg",), progress=False,
            shap_rows=0,
        )  # fmt: skip
        result = run(options)
        assert result.synthetic
        assert result.submission.name == spec.submission.filename
        submissions.append(result.submission.read_bytes())
        summary = json.loads((result.run_dir / "run.json").read_text())
        assert summary["competition"] == name
        assert spec.task == "segmentation" or summary["oracle_score"] is not None
        assert (result.run_dir / "report.html").exists()
        board = result.leaderboard
        assert board["metric"].eq(spec.metric).all() and board["shipped"].sum() == 1
    assert submissions[0] == submissions[1]
