"""A supervised run's report: one self-contained HTML file (:mod:`podium.report_page`), in a
fixed order: the summary card, the leaderboard, the out-of-fold diagnostics, the tuning (tuned
runs), the explanations, the data, the options and timings."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from core.metrics import Metric
from podium import compare_plots, plots
from podium.report_page import (
    figures,
    img,
    key_values,
    note,
    page,
    scrolling,
    table,
)

DRIFT_KS = 0.15  # an OOF-vs-test KS distance worth a look (with the chance level)
MAIN_EXTRA_COLUMNS = 6  # subset and per-class scores beside the CV score; more go to the detail


@dataclass
class ReportInputs:
    title: str
    metric: Metric
    leaderboard: pd.DataFrame
    y: np.ndarray
    classes: tuple[str, ...]
    oof: Mapping[str, np.ndarray]  # entry -> out-of-fold prediction
    data_summary: Mapping[str, object]
    options: Mapping[str, object]
    timings: Mapping[str, float]
    confusion: pd.DataFrame | None = None
    shap_images: Mapping[str, Sequence[bytes]] = field(default_factory=dict)
    shap_note: str = ""
    # Single predictions explained: (caption, waterfall PNG).
    waterfalls: Sequence[tuple[str, bytes]] = ()
    test: Mapping[str, np.ndarray] = field(default_factory=dict)  # entry -> test prediction
    weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # ensembles'
    card: Mapping[str, str] = field(default_factory=dict)  # more summary lines (plain text)
    schedule: pd.DataFrame | None = None  # tuning_schedule.csv
    importances: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    # run.json's adversarial_validation (podium.adversarial); None: it did not run.
    drift: Mapping[str, Any] | None = None


def render(inputs: ReportInputs) -> str:
    sections = [
        ("Leaderboard", leaderboard_section(inputs.leaderboard, inputs.metric)),
        ("Out-of-fold diagnostics", _diagnostics(inputs)),
        ("Train/test drift", _drift(inputs.drift)),
    ]
    if inputs.schedule is not None and len(inputs.schedule):
        sections.append(("Tuning", _tuning(inputs)))
    sections += [
        ("Explanations", _explanations(inputs)),
        ("Data", [key_values(inputs.data_summary)]),
        ("Options and timings", [_options(inputs)]),
    ]
    return page(inputs.title, _card(inputs), sections)


def _card(inputs: ReportInputs) -> dict[str, str]:
    board, metric = inputs.leaderboard, inputs.metric
    shipped = board.loc[board["shipped"]].iloc[0]
    folds = [c for c in board.columns if c.startswith("fold_")]
    direction = "higher" if metric.greater_is_better else "lower"
    kind = str(shipped["kind"])
    share = inputs.weights.get(str(shipped["model"]), {})
    made_of = ", ".join(f"{m} {w:.0%}" for m, w in sorted(share.items(), key=lambda i: -i[1]))
    what = f"{kind}{': ' + made_of if made_of else ''}"
    extra = {k: html.escape(v) for k, v in inputs.card.items()}
    card = {
        **{k: extra.pop(k) for k in ("Competition",) if k in extra},
        "Data": html.escape(str(inputs.data_summary.get("data", ""))),
        "Shipped entry": f"<b>{html.escape(str(shipped['model']))}</b> ({html.escape(what)})",
        "Score": (
            f"<b>{metric.name} {shipped['cv_mean']:.4f} ± {shipped['cv_std']:.4f}</b> "
            f"(mean ± std over {len(folds)} folds; {direction} is better); "
            f"out-of-fold {shipped['oof_score']:.4f}"
        ),
    }
    return card | extra


def leaderboard_section(board: pd.DataFrame, metric: Metric) -> list[str]:
    """The leaderboard that fits the page: the main columns (scores, per-subset and per-class
    scores, trials, fit seconds), the folds as a strip plot, every column in a detail."""
    extra = [c for c in board.columns if c.startswith("oof_") and c != "oof_score"]
    extra += [c for c in board.columns if c.startswith("f1_")]
    shown = pd.DataFrame(
        {
            "#": board["rank"],
            "entry": board["model"],
            "kind": board["kind"],
            f"CV {metric.name}": [
                f"{m:.4f} ± {s:.4f}" for m, s in zip(board["cv_mean"], board["cv_std"], strict=True)
            ],
            "out-of-fold": board["oof_score"],
        }
    )
    for column in extra[:MAIN_EXTRA_COLUMNS]:
        shown[column.removeprefix("oof_")] = board[column]
    if (board["trials"] > 0).any():
        shown["trials"] = board["trials"]
    shown["fit s"] = board["fit_seconds"]
    shown["shipped"] = board["shipped"]
    direction = "higher" if metric.greater_is_better else "lower"
    parts = [
        note(
            f"{metric.name} ({metric.description}; {direction} is better): the mean and standard "
            "deviation over the folds, and the score of all out-of-fold predictions together. "
            "The shipped entry is highlighted."
        ),
        table(
            shown,
            names=("entry", "kind"),
            table_id="leaderboard",
            highlight="shipped",
            digits={"fit s": 2},
        ),  # fmt: skip
    ]
    if any(c.startswith("fold_") for c in board.columns):
        parts.append(img(plots.fold_scores(board, metric.name), "fold scores"))
    every = board.drop(columns=["metric"])
    parts.append(
        scrolling(
            "Every column (per-fold scores, predict seconds, ...)",
            table(every, names=("model", "kind"), highlight="shipped"),
        )  # fmt: skip
    )
    return parts


def _diagnostics(inputs: ReportInputs) -> list[str]:
    ranked = [str(m) for m in inputs.leaderboard["model"]]
    curves = compare_plots.distinct_entries(ranked, inputs.oof, inputs.weights)
    baseline = (
        "logistic regression (grey, dashed) is the baseline"
        if any(c.baseline for c in curves)
        else f"no baseline: this run has no {compare_plots.BASELINE} (add it with --models)"
    )
    out = [
        note(
            "Curves of the best distinct entries, out-of-fold: an ensemble that is almost one "
            "model draws that model's curve and is named beside it (so are entries whose "
            f"predictions are practically the same); {baseline}."
        )
    ]
    images = []
    if inputs.metric.needs == "label" and inputs.confusion is not None:
        shipped = str(inputs.leaderboard.loc[inputs.leaderboard["shipped"], "model"].iloc[0])
        images.append(
            img(plots.confusion_matrix(inputs.confusion, f"{shipped}: confusion"), "confusion")
        )
    if curves and len(inputs.classes) == 2:
        images.append(img(compare_plots.roc_pr(inputs.y, curves, inputs.oof), "ROC and PR curves"))
        images.append(img(compare_plots.gains_lift(inputs.y, curves, inputs.oof), "gains and lift"))
    elif curves:
        roc = compare_plots.roc_per_class(inputs.y, inputs.classes, curves, inputs.oof)
        images.append(img(roc, "ROC per class"))
    if curves:
        shown = {c.label: inputs.oof[c.entry] for c in curves}
        images.append(img(plots.calibration(inputs.y, shown), "calibration"))
    out.append(figures(images))
    shipped = str(inputs.leaderboard.loc[inputs.leaderboard["shipped"], "model"].iloc[0])
    if shipped in inputs.test and shipped in inputs.oof:
        image, distances = compare_plots.oof_vs_test(
            inputs.oof[shipped], inputs.test[shipped], inputs.classes, shipped
        )
        worst = max(distances)
        n, m = len(inputs.oof[shipped]), len(inputs.test[shipped])
        # The two-sample KS distance that chance alone exceeds 1% of the time at these sizes.
        chance = 1.63 * float(np.sqrt((n + m) / (n * m)))
        flag = (
            " That is large: if the test histogram is shifted, not only narrower, the test rows "
            "differ from the training rows (drift); check before trusting the CV score."
            if worst > max(DRIFT_KS, chance)
            else ""
        )
        out.append(
            note(
                "Predicted probabilities of the shipped entry, out-of-fold against test (a drift "
                "check). A test prediction is the mean of the fold models, which narrows its "
                "spread, so the two differ somewhat even when the test rows are like the "
                "training rows. Largest Kolmogorov-Smirnov distance over the panels: "
                f"{worst:.3f} (chance alone at these sizes: up to {chance:.3f}).{flag}"
            )
        )
        out.append(img(image, "out-of-fold against test probabilities"))
    return out


def _drift(drift: Mapping[str, Any] | None) -> list[str]:
    """Adversarial validation: how well a classifier tells training rows from test rows, and
    the features that tell them apart, so a user knows whether the CV score speaks for the
    test set."""
    if drift is None:
        return [note("Adversarial validation did not run (too few rows, or no time left in the "
                     "budget for it): see the run's log.")]  # fmt: skip
    auc = float(drift["auc"])
    verdict = (
        "the test rows look like the training rows: the folds should speak for the test set"
        if auc < 0.6 else "the test rows differ somewhat from the training rows"
    )  # fmt: skip
    parts = [note(
        f"A LightGBM classifier, cross-validated on the run's own features, tells training rows "
        f"from test rows with AUC {auc:.3f} (0.5: indistinguishable; {drift['train_rows']:,} "
        f"training and {drift['test_rows']:,} test rows sampled): {verdict}."
    )]  # fmt: skip
    if drift.get("warning"):
        parts.append(f"<p><b>Warning:</b> {html.escape(str(drift['warning']))}</p>")
    top = pd.DataFrame(list(drift.get("top_features") or []))
    if len(top):
        top.columns = ["feature that separates them", "mean |SHAP|"]
        parts.append(table(top, names=("feature that separates them",)))
    weights = drift.get("drift_weights")
    if isinstance(weights, Mapping):
        parts.append(note(
            f"--drift-weights: every model was fitted with training rows weighted "
            f"{weights['min']:.2f} to {weights['max']:.2f} by their estimated test-likeness "
            f"(effective rows {weights['effective_rows']:,.0f})."
        ))  # fmt: skip
    return parts


def _tuning(inputs: ReportInputs) -> list[str]:
    assert inputs.schedule is not None
    out = [
        note(
            "Each tuned model's best cross-validated score after each of its trials, against "
            "the trial's number and the seconds into tuning (tuning_schedule.csv)."
        ),
        img(
            compare_plots.tuning_history(
                inputs.schedule, inputs.metric.name, inputs.metric.greater_is_better
            ),
            "tuning history",
        ),
    ]
    # A model with one tuned parameter has nothing to rank.
    importances = {m: v for m, v in inputs.importances.items() if len(v) > 1}
    if importances:
        out.append(
            note(
                "Optuna's parameter importances (fANOVA over each study's complete trials): "
                "which parameters moved the score. With a few dozen trials they are rough."
            )
        )
        out.append(img(compare_plots.parameter_importances(importances), "importances"))
    return out


def _explanations(inputs: ReportInputs) -> list[str]:
    if not inputs.shap_images and not inputs.waterfalls:
        return [note("No SHAP plots in this run (--shap-rows 0 or --shap-plots 0).")]
    out = [note(inputs.shap_note)] if inputs.shap_note else []
    if len(inputs.classes) > 2:
        out.append(
            note(
                "Multiclass: the bar adds up |SHAP| over every class; the best explained entry "
                "has a beeswarm per class, the others one of the largest class (named in the "
                "plot's title)."
            )
        )
    # An ensemble that is almost one model has that model's plots: drawn once (the better
    # ranked of the two, :func:`podium.shap_files.distinct`), the other named beside it.
    shown: dict[str, str] = {}  # the model an entry almost is (or itself) -> the entry drawn
    for name in inputs.shap_images:
        shown.setdefault(_mostly(inputs, name)[0], name)
    for name, images in inputs.shap_images.items():
        key, share = _mostly(inputs, name)
        if shown[key] != name:
            continue
        heading = name if key == name else f"{name} ({share:.0%} {key})"
        out.append(f"<h3>{html.escape(heading)}</h3>")
        twins = [
            other for other in map(str, inputs.leaderboard["model"])
            if other != name and _mostly(inputs, other)[0] == key
        ]  # fmt: skip
        if twins:
            out.append(
                note(
                    f"The SHAP plots of {', '.join(twins)} would repeat these almost exactly "
                    f"(each is {key}, or at least {compare_plots.ONE_MODEL:.0%} of its weight "
                    "is), so they are not drawn again; their shap_*.csv files are written."
                )
            )
        out.append(figures([img(image, f"SHAP {name}") for image in images]))
    if inputs.waterfalls:
        out.append("<h3>Single predictions explained</h3>")
        out.append(
            "<p class='note'>Out-of-fold rows with the highest, most typical and lowest "
            "predictions: each feature's push from the base value to the row's output. "
            "<code>python run.py --comp NAME --explain RUN_ID --id ID</code> explains any "
            "training or test ID.</p>"
        )
        out.append(
            figures(
                [
                    f"<div><p>{html.escape(caption)}</p>{img(image, 'waterfall')}</div>"
                    for caption, image in inputs.waterfalls
                ]
            )  # fmt: skip
        )
    return out


def _mostly(inputs: ReportInputs, name: str) -> tuple[str, float]:
    """The model an entry almost is (at least ONE_MODEL of an ensemble's weight) and that
    share; else the entry itself and 1."""
    share = inputs.weights.get(name, {})
    total = sum(share.values())
    if share and total > 0:
        main = max(share, key=lambda m: share[m])
        if share[main] / total >= compare_plots.ONE_MODEL:
            return main, share[main] / total
    return name, 1.0


def _options(inputs: ReportInputs) -> str:
    values = {k: v for k, v in inputs.options.items() if v is not None}
    return key_values({**values, **{f"{k} (s)": round(v, 2) for k, v in inputs.timings.items()}})
