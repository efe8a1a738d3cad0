"""The run's leaderboard: one row per model, best first in the metric's own direction."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.metrics import Metric
from core.results import CVResult

# Other tools read these columns; add new ones, never rename.
CONTRACT_COLUMNS = ("model", "metric", "cv_mean", "cv_std", "fit_seconds")


def build_leaderboard(results: Sequence[CVResult], metric: Metric) -> pd.DataFrame:
    """Best first. On a tie a single model ranks above an ensemble, so an ensemble is shipped
    only when it strictly beats every single model on CV."""
    ranked = sorted(results, key=lambda r: (metric.sort_key(r.cv_mean), r.kind == "ensemble"))
    rows = []
    for rank, result in enumerate(ranked, start=1):
        row: dict[str, object] = {
            "rank": rank,
            "model": result.model,
            "kind": result.kind,
            "tuned": result.tuned,
            "trials": result.trials,
            "metric": metric.name,
            "cv_mean": result.cv_mean,
            "cv_std": result.cv_std,
            "fit_seconds": round(result.fit_seconds, 3),
            "predict_seconds": round(result.predict_seconds, 3),
            "oof_score": result.oof_score,
        }
        for name, score in result.subset_scores.items():
            row[f"oof_{name}"] = score
        row.update(result.class_scores)
        for k, score in enumerate(result.fold_scores, start=1):
            row[f"fold_{k}"] = score
        row["shipped"] = rank == 1
        rows.append(row)
    return pd.DataFrame(rows)


def to_markdown(board: pd.DataFrame) -> str:
    """The leaderboard as a Markdown table (main columns and fold scores)."""
    columns = [c for c in board.columns if c not in ("metric",)]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in board.iterrows():
        cells = [f"{v:.4f}" if isinstance(v, float) else str(v) for v in row[columns]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
