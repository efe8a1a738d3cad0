"""The run's leaderboard: one row per entry, best first in the metric's own direction.

Every entry of every run is a row: a model, a tuned model, an ensemble (each a
:class:`~core.results.CVResult`, scored by :mod:`podium.scoring`) or a segmentation method at
one K (:mod:`podium.segment_run`). All rows share the columns other tools read, then add their
own: subset scores, per-class scores and fold scores, or K and the clustering's fit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from core.metrics import Metric
from core.results import CVResult

# Other tools read these columns; add new ones, never rename.
CONTRACT_COLUMNS = ("model", "metric", "cv_mean", "cv_std", "fit_seconds")


@dataclass(frozen=True)
class Row:
    """What the leaderboard shows of one entry: the columns every entry has, then its own."""

    model: str
    kind: str
    cv_mean: float
    cv_std: float
    oof_score: float
    fit_seconds: float
    predict_seconds: float = 0.0
    tuned: bool = False
    trials: int = 0
    columns: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def of(cls, result: CVResult) -> Row:
        """A cross-validated entry: its subset, per-class and fold scores as its own columns."""
        columns: dict[str, object] = {f"oof_{n}": s for n, s in result.subset_scores.items()}
        columns.update(result.class_scores)
        columns.update({f"fold_{k}": s for k, s in enumerate(result.fold_scores, start=1)})
        return cls(
            model=result.model, kind=result.kind, cv_mean=result.cv_mean, cv_std=result.cv_std,
            oof_score=result.oof_score, fit_seconds=result.fit_seconds,
            predict_seconds=result.predict_seconds, tuned=result.tuned, trials=result.trials,
            columns=columns,
        )  # fmt: skip


def build_leaderboard(
    entries: Sequence[CVResult | Row], metric: Metric, shipped: str | None = None
) -> pd.DataFrame:
    """Best first; an undefined (NaN) score last. On a tie a single model ranks above an
    ensemble, so an ensemble is shipped only when it strictly beats every single model on CV.
    ``shipped`` names the entry whose predictions were written; by default the first."""
    rows = [entry if isinstance(entry, Row) else Row.of(entry) for entry in entries]
    ranked = sorted(
        rows,
        key=lambda r: (math.isnan(r.cv_mean), metric.sort_key(r.cv_mean), r.kind == "ensemble"),
    )
    shipped = ranked[0].model if shipped is None else shipped
    table = []
    for rank, entry in enumerate(ranked, start=1):
        row: dict[str, object] = {
            "rank": rank,
            "model": entry.model,
            "kind": entry.kind,
            "tuned": entry.tuned,
            "trials": entry.trials,
            "metric": metric.name,
            "cv_mean": entry.cv_mean,
            "cv_std": entry.cv_std,
            "fit_seconds": round(entry.fit_seconds, 3),
            "predict_seconds": round(entry.predict_seconds, 3),
            "oof_score": entry.oof_score,
            **entry.columns,
            "shipped": entry.model == shipped,
        }
        table.append(row)
    return pd.DataFrame(table)


def to_markdown(board: pd.DataFrame) -> str:
    """The leaderboard as a Markdown table (main columns and fold scores)."""
    columns = [c for c in board.columns if c not in ("metric",)]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for _, row in board.iterrows():
        cells = [_cell(v) for v in row[columns]]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return str(value)
