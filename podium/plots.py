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


def png(fig: plt.Figure, dpi: int = 90, tight: bool = False, layout: bool = True) -> bytes:
    """The figure as PNG bytes; the figure is closed. Every axis must say what it shows
    (:func:`unlabelled_axes`): a figure with a bare axis is an error, caught by the tests."""
    buffer = io.BytesIO()
    if layout:  # False: the caller laid the figure out itself
        fig.tight_layout()
    bare = unlabelled_axes(fig)
    if bare:
        pyplot().close(fig)
        raise ValueError(f"a report figure has axes without labels: {', '.join(bare)}")
    # ``tight`` crops to what was drawn, so a label longer than shap's fixed-size figure is
    # not cut at its edge (it costs a second drawing; tight_layout fits podium's own figures).
    if tight:
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", pad_inches=0.08)
    else:
        fig.savefig(buffer, format="png", dpi=dpi)
    pyplot().close(fig)
    return buffer.getvalue()


def unlabelled_axes(fig: plt.Figure) -> list[str]:
    """The axes of ``fig`` that show ticks or data without saying what they are: every visible
    x and y axis needs a label. Exempt: an axis turned off, a twin's hidden axis, a colour
    bar's short side, and a twin axis whose ticks are words (shap's waterfall marks E[f(X)]
    and f(x) on two twins)."""
    bare = []
    boxes: list[tuple[float, ...]] = []
    for i, ax in enumerate(fig.axes):
        if not ax.get_visible() or not ax.axison:
            continue
        box = tuple(np.round(ax.get_position().bounds, 3))
        twin = box in boxes
        boxes.append(box)
        title = ax.get_title() or ax.get_label() or f"axes {i + 1}"
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            if not axis.get_visible() or axis.get_label_text().strip():
                continue
            ticks = [t.get_text() for t in axis.get_ticklabels() if t.get_visible()]
            if twin and (not any(ticks) or any(_is_word(t) for t in ticks)):
                continue
            if ax.get_label() == "<colorbar>" and not any(ticks):  # its short side
                continue
            bare.append(f"{title!r} {name}")
    return bare


def _is_word(text: str) -> bool:
    try:
        float(text.replace("\u2212", "-"))
    except ValueError:
        return bool(text)
    return False


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
        style = {"color": "grey", "linestyle": "--"} if "(baseline)" in name else {}
        ax.plot(predicted, observed, marker="o", label=name, **style)
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
    ax.set(title="Calibration (out-of-fold)", xlabel="predicted", ylabel="observed")
    ax.legend(fontsize=8)
    return png(fig)


def confusion_matrix(matrix: pd.DataFrame, title: str) -> bytes:
    fig, ax = pyplot().subplots(figsize=(1.2 * len(matrix) + 2.5, 1.1 * len(matrix) + 1.5))
    values = matrix.to_numpy()
    ax.imshow(values, cmap="Blues")
    for (i, j), value in np.ndenumerate(values):
        dark = value > values.max() / 2  # white on the darkest cells
        ax.text(j, i, str(value), ha="center", va="center", color="white" if dark else "black")
    ax.set_xticks(range(len(matrix.columns)), matrix.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(matrix.index)), matrix.index)
    ax.set(title=title, xlabel="predicted class", ylabel="true class")
    return png(fig)


def fold_scores(board: pd.DataFrame, metric: str) -> bytes:
    folds = [c for c in board.columns if c.startswith("fold_")]
    fig, ax = pyplot().subplots(figsize=(7, 0.35 * len(board) + 1.5))
    for i, (_, row) in enumerate(board.iloc[::-1].iterrows()):
        values = row[folds].to_numpy(dtype=float)
        ax.scatter(values, np.full(len(values), i), s=18, color="tab:blue")
        ax.plot([values.mean()], [i], marker="|", markersize=16, color="black")
    ax.set_yticks(range(len(board)), board["model"].iloc[::-1])
    ax.set(title=f"{metric} per fold (bar: mean)", xlabel=f"{metric} of one fold", ylabel="entry")
    return png(fig)


# Segmentation.


def k_curves(scans: Sequence[tuple[str, pd.DataFrame, int, int | None]], metric: str) -> bytes:
    """Per method (a row of two panels): the ``metric`` score against K, and inertia (with its
    elbow) or BIC against K; the chosen K marked in both. ``scans``: (method, table with k,
    score, score_std, inertia, bic; the chosen K; the elbow or None)."""
    fig, axes = pyplot().subplots(len(scans), 2, figsize=(12, 3.3 * len(scans)), squeeze=False)
    for (left, right), (method, table, chosen, knee) in zip(axes, scans, strict=True):
        ks = table["k"].to_numpy()
        at = table["k"] == chosen
        left.errorbar(ks, table["score"], yerr=table["score_std"], marker="o", color="tab:blue")
        left.plot(ks[at], table.loc[at, "score"], marker="*", markersize=16, color="tab:red",
                  linestyle="none", label=f"chosen K={chosen}")  # fmt: skip
        left.set(title=f"{method}: {metric} against K", xlabel="K (clusters)", ylabel=metric)
        left.legend(fontsize=8)
        other = "inertia" if table["inertia"].notna().any() else "bic"
        if table[other].notna().any():
            name = "inertia" if other == "inertia" else "BIC"
            about = "within-cluster sum of squares" if other == "inertia" else "lower is better"
            right.plot(ks, table[other], marker="o", color="tab:grey")
            right.plot(ks[at], table.loc[at, other], marker="*", markersize=16,
                       color="tab:red", linestyle="none", label=f"chosen K={chosen}")  # fmt: skip
            if knee is not None:
                right.axvline(knee, color="tab:green", linestyle="--", label=f"elbow K={knee}")
            right.set(title=f"{method}: {name} against K", xlabel="K (clusters)",
                      ylabel=f"{name} ({about})")  # fmt: skip
            right.legend(fontsize=8)
        else:
            right.axis("off")
        for ax in (left, right):
            ax.set_xticks(ks)
    return png(fig)


def scatter_2d(
    coords: np.ndarray, labels: np.ndarray, title: str, axis_names: Sequence[str]
) -> bytes:
    """A 2-D view of the rows coloured by cluster; ``axis_names`` label its two axes."""
    fig, ax = pyplot().subplots(figsize=(6.2, 5))
    points = ax.scatter(coords[:, 0], coords[:, 1], c=labels, s=5, cmap="tab10", alpha=0.65)
    ax.legend(*points.legend_elements(), title="cluster", fontsize=8, loc="best")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(axis_names[0])
    ax.set_ylabel(axis_names[1])
    ax.tick_params(labelsize=8)
    return png(fig)


def cluster_lifts(table: pd.DataFrame, top: int = 8) -> bytes:
    """One bar chart per cluster: its size, and the numeric columns whose mean departs most
    from the population's (lift - 1)."""
    lifts = table[[c for c in table.columns if c.endswith(" lift")]]
    n = len(table)
    cols = min(n, 2)
    rows = int(np.ceil(n / cols))
    fig, axes = pyplot().subplots(
        rows, cols, figsize=(6.5 * cols, 3.0 * rows), squeeze=False, sharex=True
    )
    for ax, (cluster, row) in zip(axes.ravel(), lifts.iterrows(), strict=False):
        change = (row - 1).dropna()
        change = change.reindex(change.abs().sort_values(ascending=False).index[:top])[::-1]
        colours = ["#2a7" if v > 0 else "#c44" for v in change]
        ax.barh([c.removesuffix(" lift") for c in change.index], change.to_numpy(), color=colours)
        ax.axvline(0, color="grey", linewidth=0.8)
        share = float(table.loc[cluster, "share"]) if "share" in table else float("nan")
        ax.set_title(f"cluster {cluster}: {int(table.loc[cluster, 'size']):,} rows "
                     f"({share:.0%})", fontsize=11)  # fmt: skip
        ax.set_xlabel("cluster mean / population mean - 1", fontsize=10)
        ax.set_ylabel("column", fontsize=10)
        ax.tick_params(labelsize=10)
        ax.xaxis.set_tick_params(labelbottom=True)
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    return png(fig)


def question_bars(values: pd.Series, title: str, measure: str) -> bytes:
    fig, ax = pyplot().subplots(figsize=(6, 3.4))
    best = values.idxmax()
    colours = ["#2a7" if c == best else "#9ab" for c in values.index]
    ax.bar([str(c) for c in values.index], values.to_numpy(), color=colours)
    ax.set(title=title, xlabel="cluster", ylabel=measure)
    ax.title.set_fontsize(10)
    return png(fig)
