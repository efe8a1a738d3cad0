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


def ensemble_shap(
    ensemble: CVResult, results: Sequence[CVResult]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows and combined SHAP values of an ensemble's explained base models (None if it has
    none). The rows are those every weighted model explained: a model whose SHAP time ran out
    explained fewer folds."""
    weights = ensemble.params.get("weights", {})
    assert isinstance(weights, dict)
    weighted = [
        (r.shap, r.shap_rows, float(weights[r.model])) for r in results if r.model in weights
    ]
    parts = [(v, rws, w) for v, rws, w in weighted if v is not None and rws is not None and w > 0]
    if not parts:
        return None
    rows = parts[0][1]
    for _, other, _ in parts[1:]:
        rows = np.intersect1d(rows, other)
    if len(rows) == 0:
        return None
    total = sum(w for _, _, w in parts)
    combined = np.zeros((len(rows), *parts[0][0].shape[1:]))
    for values, explained_rows, weight in parts:
        position = {row: i for i, row in enumerate(explained_rows.tolist())}
        take = np.array([position[row] for row in rows.tolist()])
        combined += (weight / total) * values[take]
    return rows, combined
