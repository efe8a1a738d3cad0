"""A run on a shuffled target must score at chance; the same run on the real target must not."""

import dataclasses

import numpy as np
import pytest

from competitions import hotstar
from podium.options import RunOptions
from podium.runner import run


@pytest.fixture(scope="module")
def medium_hotstar():
    return hotstar.synthetic_dataset(15000, 500, seed=11)


def quick(out):
    """The quick preset without the report and SHAP, which play no part in the scores."""
    return RunOptions(
        preset="quick", comp="hotstar", out=out, progress=False, report=False, shap_rows=0
    )


@pytest.mark.slow
def test_shuffled_target_scores_at_chance(tmp_path, medium_hotstar):
    """Averaged over three shuffles, so the check is ~3 standard errors wide, not ~2."""
    scores: dict[str, list[float]] = {"logreg": [], "lgbm": []}
    for seed in range(3):
        y = np.random.default_rng(seed).permutation(medium_hotstar.y)
        shuffled = dataclasses.replace(medium_hotstar, y=y, truth=None)
        options = quick(tmp_path)
        board = run(options, dataset=shuffled).leaderboard.set_index("model")
        for model in scores:
            scores[model].append(board.loc[model, "cv_mean"])
            assert abs(board.loc[model, "oof_score"] - 0.5) < 0.05, (model, seed)
    for model, values in scores.items():
        assert abs(np.mean(values) - 0.5) < 0.03, (model, values)


@pytest.mark.slow
def test_real_target_is_learned_well_above_chance(tmp_path, medium_hotstar):
    options = quick(tmp_path)
    board = run(options, dataset=medium_hotstar).leaderboard.set_index("model")
    assert board.loc["lgbm", "cv_mean"] > 0.75
    assert board.loc["logreg", "cv_mean"] > 0.72
