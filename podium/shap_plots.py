"""shap's own plots of a ``shap.Explanation``, as PNG bytes, with readable names on every axis:
bar (mean |SHAP|), beeswarm, dependence (scatter) of one feature, and the waterfall of one row.
Multiclass explanations are drawn one class at a time, :func:`for_class` naming it."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from podium.plots import png, pyplot

if TYPE_CHECKING:
    import shap

MAX_DISPLAY = 15


def for_class(expl: shap.Explanation, k: int) -> shap.Explanation:
    """One class's slice of a multiclass explanation (values ``(rows, features)``)."""
    return expl[:, :, k]


def all_classes(expl: shap.Explanation) -> shap.Explanation:
    """|SHAP| summed over the classes of a multiclass explanation: how much each feature moves
    the prediction of any class, for one bar plot of the whole model."""
    import shap

    return shap.Explanation(
        values=np.abs(np.asarray(expl.values)).sum(axis=2),
        base_values=np.zeros(len(expl.values)),
        data=expl.data,
        feature_names=expl.feature_names,
    )


def strength_of(expl: shap.Explanation) -> np.ndarray:
    """Mean |SHAP| per feature of a one-output explanation; -1 for a column without data (the
    sum of the features a narrowed explanation left out), which no dependence plot can show."""
    strength = np.abs(np.asarray(expl.values)).mean(axis=0)
    strength[np.isnan(np.asarray(expl.data, dtype=np.float64)).all(axis=0)] = -1.0
    return strength


def _draw(
    plot: Callable[[], object],
    title: str,
    xlabel: str | None = None,
    ylabel: str | None = None,
    xlabel_pad: float | None = None,
    colour_bar: bool = False,
) -> bytes:
    """Draw shap's ``plot`` with our title and axis labels; ``colour_bar``: the plot must have
    drawn one (a beeswarm without it shows colours that mean nothing)."""
    pyplot().figure()
    state = np.random.get_state()  # shap jitters and shuffles points with numpy's global RNG:
    np.random.seed(0)  # seeded, the same plot is the same image, in any process
    try:
        with warnings.catch_warnings():
            # shap's colour scale takes percentiles of every column's data, and the column
            # summing the features a narrowed explanation left out has none (NaN).
            warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
            plot()
    finally:
        np.random.set_state(state)
    fig = pyplot().gcf()
    ax = fig.axes[0]
    if colour_bar and not any(a.get_label() == "<colorbar>" for a in fig.axes):
        pyplot().close("all")
        raise ValueError(f"shap drew no colour bar for {title!r}")
    ax.set_title(title, fontsize=10)
    if xlabel is not None:
        ax.set_xlabel(xlabel, labelpad=xlabel_pad)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    image = png(fig, tight=True)
    pyplot().close("all")  # shap's scatter opens a figure of its own
    return image


def bar(expl: shap.Explanation, title: str, units: str, rows: str = "feature") -> bytes:
    """Mean |SHAP| per feature (``rows``: what the bars are, e.g. an ensemble's base models)."""
    import shap

    return _draw(
        lambda: shap.plots.bar(expl, max_display=MAX_DISPLAY, show=False),
        title, f"mean |SHAP value| ({units})", rows,
    )  # fmt: skip


def beeswarm(expl: shap.Explanation, title: str, units: str) -> bytes:
    import shap

    return _draw(
        lambda: shap.plots.beeswarm(expl, max_display=MAX_DISPLAY, show=False, plot_size=(8, 6),
                                    color_bar_label="the feature's value"),
        title, f"SHAP value ({units})", "feature", colour_bar=True,
    )  # fmt: skip


def strongest_other(strength: np.ndarray, feature: int) -> int:
    """The strongest feature other than ``feature``, by ``strength`` (:func:`strength_of`)."""
    others = strength.copy()
    others[feature] = -1.0
    return int(np.argmax(others))


def scatter(expl: shap.Explanation, feature: int, other: int, title: str) -> bytes:
    """How one feature's value moves its SHAP value (dependence), coloured by the value of
    ``other``, the strongest other feature (:func:`strongest_other`). (shap's own choice of
    colour, ``color=expl``, searches every feature for the strongest interaction: 13 s on
    hotstar's 2,085 columns.)"""
    import shap

    def plot() -> None:
        # shap still rates the colour column's interaction, by correlations over windows of
        # rows, and a window where a column is constant divides by zero (a NaN it skips).
        with np.errstate(invalid="ignore", divide="ignore"):
            shap.plots.scatter(expl[:, feature], color=expl[:, other], show=False)

    return _draw(plot, title)


def waterfall(row: shap.Explanation, title: str) -> bytes:
    """One prediction: from the base value, each feature's push, to the model's output."""
    import shap

    def plot() -> None:
        shap.plots.waterfall(row, max_display=MAX_DISPLAY - 3, show=False)

    # The padding keeps the label clear of shap's E[f(X)] mark below the axis.
    return _draw(plot, title, "contribution to the model's output", "feature = its value", 16)


def typical_and_extreme(output: np.ndarray, typical: int = 2) -> list[tuple[str, int]]:
    """Rows to show one at a time: the highest and the lowest output (extreme) and the
    ``typical`` rows nearest the median, as (label, index)."""
    order = np.argsort(output, kind="stable")
    median = np.argsort(np.abs(output - np.median(output)), kind="stable")
    picked: list[tuple[str, int]] = []
    for label, rows in (
        ("highest", order[::-1][:1]),
        ("typical", median[:typical]),
        ("lowest", order[:1]),
    ):
        for row in rows:
            if all(int(row) != i for _, i in picked):
                picked.append((label, int(row)))
    return picked
