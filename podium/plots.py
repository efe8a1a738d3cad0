"""Figures for the run report, as PNG bytes (matplotlib's Agg backend: no display needed)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import matplotlib.pyplot as plt

# Feature names may hold characters the bundled font lacks (TalkingData's Chinese brand names);
# they are drawn as boxes, which is harmless, so the per-glyph warnings are not shown.
warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)


@cache
def pyplot() -> ModuleType:
    """matplotlib's pyplot on the Agg backend, imported at the first figure: importing it
    takes half a second, which runs without a report (and --help) should not pay."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot

    return matplotlib.pyplot


def png(fig: plt.Figure) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=90)
    pyplot().close(fig)
    return buffer.getvalue()


def roc_pr_curves(y: np.ndarray, predictions: dict[str, np.ndarray]) -> bytes:
    from sklearn.metrics import precision_recall_curve, roc_curve

    fig, (roc, pr) = pyplot().subplots(1, 2, figsize=(10, 4.2))
    for name, p in predictions.items():
        fpr, tpr, _ = roc_curve(y, p)
        roc.plot(fpr, tpr, label=name)
        precision, recall, _ = precision_recall_curve(y, p)
        pr.plot(recall, precision, label=name)
    roc.plot([0, 1], [0, 1], color="grey", linestyle=":")
    roc.set(title="ROC (out-of-fold)", xlabel="false positive rate", ylabel="true positive rate")
    pr.axhline(y.mean(), color="grey", linestyle=":")
    pr.set(title="Precision-recall (out-of-fold)", xlabel="recall", ylabel="precision")
    roc.legend(fontsize=8)
    return png(fig)


def calibration(y: np.ndarray, predictions: dict[str, np.ndarray]) -> bytes:
    """Reliability: predicted probability against observed frequency (for multiclass, the
    top class's probability against how often the top class is right)."""
    from sklearn.calibration import calibration_curve

    fig, ax = pyplot().subplots(figsize=(5, 4.2))
    for name, p in predictions.items():
        if p.ndim == 2:
            hit, p = (p.argmax(axis=1) == y).astype(int), p.max(axis=1)
        else:
            hit = y
        observed, predicted = calibration_curve(hit, p, n_bins=10, strategy="quantile")
        ax.plot(predicted, observed, marker="o", label=name)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.set(title="Calibration (out-of-fold)", xlabel="predicted", ylabel="observed")
    ax.legend(fontsize=8)
    return png(fig)


def confusion_matrix(matrix: pd.DataFrame, title: str) -> bytes:
    fig, ax = pyplot().subplots(figsize=(1.2 * len(matrix) + 2.5, 1.1 * len(matrix) + 1.5))
    ax.imshow(matrix.to_numpy(), cmap="Blues")
    for (i, j), value in np.ndenumerate(matrix.to_numpy()):
        ax.text(j, i, str(value), ha="center", va="center")
    ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(matrix.index)), matrix.index)
    ax.set_title(title)
    return png(fig)


def fold_scores(board: pd.DataFrame, metric: str) -> bytes:
    folds = [c for c in board.columns if c.startswith("fold_")]
    fig, ax = pyplot().subplots(figsize=(7, 0.35 * len(board) + 1.5))
    for i, (_, row) in enumerate(board.iloc[::-1].iterrows()):
        values = row[folds].to_numpy(dtype=float)
        ax.scatter(values, np.full(len(values), i), s=18, color="tab:blue")
        ax.plot([values.mean()], [i], marker="|", markersize=16, color="black")
    ax.set_yticks(range(len(board)), board["model"].iloc[::-1])
    ax.set(title=f"{metric} per fold (bar: mean)", xlabel=metric)
    return png(fig)


# Segmentation.


def k_scan(scans: Sequence[tuple[str, pd.DataFrame]], metric: str) -> bytes:
    """Per method, the ``metric`` score against K, with inertia (elbow) or BIC on a second
    axis."""
    fig, axes = pyplot().subplots(1, len(scans), figsize=(5 * len(scans), 3.6), squeeze=False)
    for ax, (method, table) in zip(axes[0], scans, strict=True):
        ax.errorbar(table["k"], table["score"], yerr=table["score_std"], marker="o")
        ax.set(title=method, xlabel="K", ylabel=metric)
        other = "inertia" if table["inertia"].notna().any() else "bic"
        if table[other].notna().any():
            twin = ax.twinx()
            twin.plot(table["k"], table[other], color="grey", linestyle="--", marker=".")
            twin.set_ylabel(f"{other} (dashed)")
    return png(fig)


def scatter_2d(coords: np.ndarray, labels: np.ndarray, title: str) -> bytes:
    fig, ax = pyplot().subplots(figsize=(6, 5))
    points = ax.scatter(coords[:, 0], coords[:, 1], c=labels, s=4, cmap="tab10", alpha=0.6)
    ax.legend(*points.legend_elements(), title="cluster", fontsize=7, loc="best")
    ax.set(title=title, xticks=[], yticks=[])
    return png(fig)


def cluster_lifts(table: pd.DataFrame, top: int = 8) -> bytes:
    """One bar chart per cluster: its size, and the numeric columns whose mean departs most
    from the population's (lift - 1)."""
    lifts = table[[c for c in table.columns if c.endswith(" lift")]]
    n = len(table)
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axes = pyplot().subplots(
        rows, cols, figsize=(5 * cols, 3.2 * rows), squeeze=False, sharex=True
    )
    for ax, (cluster, row) in zip(axes.ravel(), lifts.iterrows(), strict=False):
        change = (row - 1).dropna()
        change = change.reindex(change.abs().sort_values(ascending=False).index[:top])[::-1]
        colours = ["#2a7" if v > 0 else "#c44" for v in change]
        ax.barh([c.removesuffix(" lift") for c in change.index], change.to_numpy(), color=colours)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set_title(f"cluster {cluster}: {int(table.loc[cluster, 'size']):,} rows", fontsize=9)
        ax.set_xlabel("lift - 1 (mean against population)", fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    return png(fig)


def question_bars(values: pd.Series, title: str, measure: str) -> bytes:
    fig, ax = pyplot().subplots(figsize=(6, 3.4))
    best = values.idxmax()
    colours = ["#2a7" if c == best else "#9ab" for c in values.index]
    ax.bar([str(c) for c in values.index], values.to_numpy(), color=colours)
    ax.set(title=title, xlabel="cluster", ylabel=measure)
    ax.title.set_fontsize(9)
    return png(fig)
