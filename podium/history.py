"""The leaderboard across runs: the best entry of every finished run of a competition."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from core.metrics import get_metric

if TYPE_CHECKING:
    import pandas as pd


def run_history(root: Path, comp: str) -> pd.DataFrame:
    """One row per finished run folder under ``root``, oldest first, with the change of its
    best entry against the best earlier run on the same data."""
    import pandas as pd

    rows = []
    folders = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    for folder in folders:
        if folder.name.startswith("."):  # a staging folder of an unfinished run
            continue
        try:
            board = pd.read_csv(folder / "leaderboard.csv")
            summary = json.loads((folder / "run.json").read_text())
            options = json.loads((folder / "options.json").read_text())
        except (OSError, ValueError):
            continue
        if options.get("comp") != comp:
            continue
        best = board.iloc[0]
        rows.append(
            {
                "run": folder.name,
                "best": best["model"],
                "metric": best["metric"],
                "cv_mean": float(best["cv_mean"]),
                "cv_std": float(best["cv_std"]),
                "entries": len(board),
                "data": "synthetic" if summary.get("synthetic") else summary.get("data_source"),
                "models": ",".join(options.get("models") or []),
                "folds": options.get("folds"),
                "seed": options.get("seed"),
            }
        )
    history = pd.DataFrame(rows)
    if history.empty:
        return history
    history["change"] = np.nan
    for _, group in history.groupby("data", sort=False):
        metric = get_metric(str(group["metric"].iloc[0]))
        best_so_far: float | None = None
        for index, value in group["cv_mean"].items():
            if best_so_far is not None:
                history.loc[index, "change"] = value - best_so_far
            if best_so_far is None or metric.is_better(value, best_so_far):
                best_so_far = value
    return history
