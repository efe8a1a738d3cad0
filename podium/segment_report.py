"""A segmentation run's report (:mod:`podium.report_page`): only what means something for a
clustering. The summary card, the leaderboard of every method at every K, how K was chosen
(the curves with the chosen K and the elbow marked, in words, and a word on BIC outliers), a
section per method (its 2-D views with labelled axes, cluster profiles, the competition's
questions), then the data, options and timings."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from core.metrics import Metric
from podium.report_page import img, key_values, note, page, table
from podium.segment import REG_COVAR

# The options that shape a segmentation; the others (folds, models, tuning, SHAP, class weights,
# encodings) belong to supervised runs and are left out.
OPTIONS = ("comp", "preset", "seed", "data_dir", "synthetic_scale", "out", "run_id", "jobs",
           "cache", "metric", "podium_version", "python")  # fmt: skip
OUTLIER = 3.0  # a BIC this many times the median of the others is an outlier


def render(
    title: str,
    card: Mapping[str, str],
    leaderboard: pd.DataFrame,
    choosing: Sequence[str | bytes],
    methods: Sequence[tuple[str, Sequence[str | bytes]]],
    details: Mapping[str, object],
    metric: Metric,
) -> str:
    """The page: ``card`` (plain text), the leaderboard, the "Choosing K" items, a section per
    method (HTML fragments as str, images as PNG bytes), the details."""
    sections = [
        ("Leaderboard", leaderboard_section(leaderboard, metric)),
        ("Choosing K", [_item(item, "K curves") for item in choosing]),
        *[(heading, [_item(item, heading) for item in items]) for heading, items in methods],
        ("Data, options and timings", [key_values(details)]),
    ]
    return page(title, {k: html.escape(v) for k, v in card.items()}, sections)


def _item(item: str | bytes, alt: str) -> str:
    return img(item, alt) if isinstance(item, bytes) else item


def leaderboard_section(board: pd.DataFrame, metric: Metric) -> list[str]:
    """Method, K, the score (with its spread only where it was sampled), the fit (inertia or
    BIC), rows, seconds, whether it is the method's chosen K; the shipped row highlighted."""
    sampled = bool((board["cv_std"] > 0).any())
    score = [f"{m:.4f} ± {s:.4f}" for m, s in zip(board["cv_mean"], board["cv_std"], strict=True)]
    shown = pd.DataFrame(
        {
            "#": board["rank"],
            "entry": board["model"],
            "method": board["kind"],
            "K": board["k"],
            metric.name: score if sampled else board["cv_mean"],
        }
    )
    for column in ("inertia", "bic"):
        if board[column].notna().any():
            shown[column if column == "inertia" else "BIC"] = board[column]
    shown["rows"] = [f"{int(n):,}" for n in board["rows"]]
    shown["fit s"] = board["fit_seconds"]
    shown["chosen K"] = board["chosen"]
    shown["shipped"] = board["shipped"]
    better = "higher" if metric.greater_is_better else "lower"
    spread = " (mean ± std over samples of rows)" if sampled else " (exact: computed on every row)"
    return [
        note(
            f"Every method at every K, scored by the {metric.name}{spread}; {better} is better. "
            "Each method's chosen K is marked; the shipped clustering (assignments.csv) is "
            "highlighted."
        ),
        table(
            shown,
            names=("entry", "method"),
            table_id="leaderboard",
            highlight="shipped",
            digits={"fit s": 3, "inertia": 1, "BIC": 1},
        ),  # fmt: skip
    ]


def bic_outliers(ks: Sequence[int], bic: Sequence[float], floored: Sequence[bool]) -> str:
    """A sentence on the Ks whose BIC is far above the others', or "" when none is.
    ``floored``: per K, whether a component's variance fell to the mixture's floor."""
    values = np.asarray(bic, dtype=float)
    if len(values) < 3 or np.isnan(values).any():
        return ""
    median = float(np.median(values))
    far = [i for i, v in enumerate(values) if median > 0 and v > OUTLIER * median]
    if not far:
        return ""
    listed = _and([f"K={ks[i]} ({values[i]:,.0f})" for i in far])
    others = [i for i in range(len(ks)) if i not in far]
    start = f"The mixture's BIC at {listed} is far above the others' (median {median:,.0f}). "
    if all(floored[i] for i in others) and not any(floored[i] for i in far):
        return start + (
            f"At every other K one component's variance on some column is at the floor "
            f"({REG_COVAR:g}): it sits on rows where that column takes a single value (a "
            "binary or capped column), its density there is very high, and the likelihood "
            f"jumps; at {_and([f'K={ks[i]}' for i in far])} no component isolates such "
            "a group. The gap is in the fit, not in the number of segments: compare the BIC "
            "only among the other K, and compare methods by the silhouette."
        )
    return start + (
        "BIC is minus twice the log-likelihood plus a penalty that grows slowly with K, so the "
        "jump is in the fit: at those K the EM fit (one initialisation, diagonal covariances) "
        "stopped in a poorer optimum. They are never chosen (the lowest BIC is)."
    )


def _and(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def choice_text(method: str, reason: str, metric: Metric, ks: Sequence[int],
                bic: Sequence[float] | None, floored: Sequence[bool] = ()) -> str:  # fmt: skip
    """Why the method's K was chosen, in words, with the outliers' sentence when there are any."""
    how = (
        "the lowest BIC (the mixture's fit, penalised for its number of parameters)"
        if method.endswith("gmm")
        else f"the best {metric.name}; the elbow of the inertia curve, where adding a cluster "
        "stops paying, is shown beside it as a second opinion"
    )
    text = f"{reason}. {method} chooses K by {how}."
    if bic is not None:
        outliers = bic_outliers(ks, bic, list(floored) or [False] * len(ks))
        if outliers:
            text += " " + outliers
    return text


def details(
    options: Mapping[str, object], data: str, rows: int, columns: int, seconds: float
) -> dict[str, object]:
    """The data, the options that shape a segmentation, and the timings."""
    values: dict[str, object] = {"data": data, "rows": f"{rows:,}", "matrix columns": columns}
    values |= {k: options[k] for k in OPTIONS if options.get(k) is not None}
    values["task"] = "segmentation" + (" (--segment)" if options.get("segment") else "")
    values["matrix seconds"] = round(seconds, 2)
    return values
