"""The history report: ``history.html`` in the run area, written by ``--leaderboard`` once a run
has a recorded leaderboard score. One self-contained page: CV against the public (and private)
score of every run that has one, with their rank correlation, and the table of runs. A user
sees at a glance when CV and the leaderboard disagree.

Uses :func:`podium.plots.pyplot` and :func:`podium.plots.png` only; the run report
(:mod:`podium.report`) is untouched.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import TYPE_CHECKING

from core.atomic import write_text
from podium.scores import rank_correlation

if TYPE_CHECKING:
    import pandas as pd

HISTORY_FILE = "history.html"


def cv_vs_public(history: pd.DataFrame, metric: str) -> bytes:
    """A scatter of each run's best CV against its public (and private) leaderboard score,
    labelled by run, with the diagonal where the two would agree."""
    from podium.plots import png, pyplot

    fig, ax = pyplot().subplots(figsize=(6.4, 5))
    values = []
    for column, marker in (("public", "o"), ("private", "s")):
        rows = history[["run", "cv_mean", column]].dropna()
        if rows.empty:
            continue
        rho, n = rank_correlation(history, column)
        label = f"{column} ({n} runs" + (f", Spearman {rho:+.2f})" if rho is not None else ")")
        ax.scatter(rows["cv_mean"], rows[column], marker=marker, label=label)
        for _, row in rows.iterrows():
            ax.annotate(str(row["run"]), (row["cv_mean"], row[column]), fontsize=7)
        values += [*rows["cv_mean"], *rows[column]]
    low, high = min(values), max(values)
    pad = (high - low) * 0.05 or 0.01
    ax.plot([low - pad, high + pad], [low - pad, high + pad], color="grey", linestyle=":")
    ax.set(
        title="CV against the leaderboard", xlabel=f"CV {metric} (best entry)",
        ylabel=f"leaderboard {metric}",
    )  # fmt: skip
    ax.legend(fontsize=8)
    return png(fig)


def write_history_report(area: Path, comp: str, history: pd.DataFrame) -> Path | None:
    """``history.html`` under ``area`` when a run has a recorded public score, else None."""
    if history.empty or not history["public"].notna().any():
        return None
    metric = str(history["metric"].iloc[0])
    image = base64.b64encode(cv_vs_public(history, metric)).decode("ascii")
    columns = ["run", "best", "cv_mean", "cv_std", "public", "private", "drift_weights", "data"]
    table = history[columns].to_html(index=False, na_rep="", float_format="%.4f", border=0)
    notes = []
    for column in ("public", "private"):
        rho, n = rank_correlation(history, column)
        if rho is not None:
            notes.append(
                f"Spearman rank correlation of CV and {column} score: {rho:+.3f} ({n} runs)"
            )
    body = "".join(f"<p>{html.escape(note)}</p>" for note in notes)
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>podium: {html.escape(comp)} "
        "history</title><style>body{font-family:sans-serif;margin:2em}td,th{padding:2px 8px}"
        f"</style></head><body><h1>{html.escape(comp)}: CV against the leaderboard</h1>{body}"
        f"<img alt='CV against public score' src='data:image/png;base64,{image}'>"
        f"<h2>Runs</h2>{table}</body></html>\n"
    )
    path = area / HISTORY_FILE
    write_text(path, page)
    return path
