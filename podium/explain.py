"""SHAP tables for the leaderboard's entries.

Tree models are explained by exact TreeSHAP on a sample of out-of-fold rows, each row by the fold
model that did not train on it (see :func:`podium.cv.cross_validate`). Values are in the model's
raw space (log-odds). An ensemble's attribution is the weighted sum of its tree models' SHAP
values, with its level-2 weights renormalised over the tree models it uses: exact for a blend of
log-odds, an approximation for blends of probabilities and for the stacker (whose "weights" are
the shares of its absolute coefficients).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from podium.cv import CVResult

HOW_ENSEMBLES_ARE_EXPLAINED = (
    "weighted sum of the SHAP values of the ensemble's tree models, with the ensemble's level-2 "
    "weights renormalised over those models (an approximation: the ensemble mixes probabilities, "
    "SHAP values are in log-odds)"
)


def shap_table(values: np.ndarray, names: Sequence[str], classes: Sequence[str]) -> pd.DataFrame:
    """Mean |SHAP| per feature (and per class for multiclass), largest first."""
    table = pd.DataFrame({"feature": list(names)})
    if values.ndim == 3:
        per_class = np.abs(values).mean(axis=0)  # (classes, features)
        for c, cls in enumerate(classes):
            table[f"mean_abs_shap[{cls}]"] = per_class[c]
        table.insert(1, "mean_abs_shap", per_class.sum(axis=0))
    else:
        table["mean_abs_shap"] = np.abs(values).mean(axis=0)
    return table.sort_values("mean_abs_shap", ascending=False, kind="stable").reset_index(drop=True)


def ensemble_shap(ensemble: CVResult, results: Sequence[CVResult]) -> np.ndarray | None:
    """Combined SHAP values of an ensemble's explained base models, or None if it has none."""
    weights = ensemble.params.get("weights", {})
    assert isinstance(weights, dict)
    explained = [
        (r, float(weights[r.model]))
        for r in results
        if r.model in weights and r.shap is not None and float(weights[r.model]) > 0
    ]
    if not explained:
        return None
    rows = explained[0][0].shap_rows
    total = sum(w for _, w in explained)
    combined: np.ndarray | None = None
    for result, weight in explained:
        # Every model explains the same sampled rows in the same fold order.
        assert result.shap is not None and result.shap_rows is not None and rows is not None
        assert np.array_equal(result.shap_rows, rows)
        part = (weight / total) * result.shap
        combined = part if combined is None else combined + part
    return combined
