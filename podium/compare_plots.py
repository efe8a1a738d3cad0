"""Report figures that compare entries of a supervised run: ROC and precision-recall curves
(per class for multiclass), cumulative gains and lift, out-of-fold against test probability
distributions, and the tuning history. Every figure goes through :func:`podium.plots.png`,
which refuses an axis without a label.

The curves show the leaderboard's top *distinct* entries (:func:`distinct_entries`): an
ensemble that is almost one model draws that model's curve, so it is drawn once, named as
both; logistic regression is drawn as the baseline whenever the run has it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from podium.plots import png, pyplot

ONE_MODEL = 0.95  # an ensemble with this share of its weight on one model is that model
SAME = 0.9995  # out-of-fold predictions this correlated are drawn as one curve
BASELINE = "logreg"


@dataclass(frozen=True)
class Curve:
    """One curve to draw: the entry whose predictions it uses and the label naming every
    entry it stands for."""

    entry: str
    label: str
    baseline: bool = False


def distinct_entries(
    ranked: Sequence[str],
    oof: Mapping[str, np.ndarray],
    weights: Mapping[str, Mapping[str, float]],
    top: int = 4,
) -> list[Curve]:
    """The best ``top`` entries of ``ranked`` that draw different curves, and the baseline.
    An ensemble with at least :data:`ONE_MODEL` of its weight on one model, or predictions
    correlated above :data:`SAME` with an entry already drawn, joins that entry's label."""
    oof = {name: p for name, p in oof.items() if np.isfinite(p).all()}  # drawable only
    drawn: dict[str, list[str]] = {}
    for name in ranked:
        if name not in oof:
            continue
        share = weights.get(name, {})
        main = max(share, key=lambda m: share[m]) if share else None
        same = None
        if main is not None and share[main] >= ONE_MODEL and main in oof:
            same = main
            if main not in drawn and len(drawn) < top:
                drawn[main] = [main]
            aka = f"{name} ({share[main]:.0%} {main})"
        else:
            aka = name
            for other in drawn:
                if _correlation(oof[name], oof[other]) > SAME:
                    same = other
                    break
        if same is not None and same in drawn:
            if aka not in drawn[same] and name != same:
                drawn[same].append(aka)
        elif len(drawn) < top and name not in drawn:
            drawn[name] = [name]
    for names in drawn.values():
        if names[0] == BASELINE:
            names[0] = f"{BASELINE} (baseline)"
    curves = [
        Curve(entry, " = ".join(names), baseline=entry == BASELINE)
        for entry, names in drawn.items()
    ]
    if BASELINE in oof and BASELINE not in drawn:
        curves.append(Curve(BASELINE, f"{BASELINE} (baseline)", baseline=True))
    return curves


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.reshape(len(a), -1).ravel(), b.reshape(len(b), -1).ravel()
    if a.std() == 0 or b.std() == 0:
        return 1.0 if np.allclose(a, b) else 0.0
    return float(np.corrcoef(a, b)[0, 1])


def _style(curve: Curve) -> dict[str, object]:
    if curve.baseline:
        return {"color": "grey", "linestyle": "--", "linewidth": 1.4}
    return {"linewidth": 1.6}


def roc_pr(y: np.ndarray, curves: Sequence[Curve], oof: Mapping[str, np.ndarray]) -> bytes:
    """Binary: ROC and precision-recall of each curve's out-of-fold predictions."""
    from sklearn.metrics import auc, average_precision_score, roc_curve
    from sklearn.metrics import precision_recall_curve as pr_curve

    fig, (roc, pr) = pyplot().subplots(1, 2, figsize=(12, 4.6))
    for curve in curves:
        p = oof[curve.entry]
        fpr, tpr, _ = roc_curve(y, p)
        roc.plot(fpr, tpr, label=f"{curve.label}: AUC {auc(fpr, tpr):.3f}", **_style(curve))
        precision, recall, _ = pr_curve(y, p, drop_intermediate=True)
        ap = average_precision_score(y, p)
        pr.plot(recall, precision, label=f"{curve.label}: AP {ap:.3f}", **_style(curve))
    roc.plot([0, 1], [0, 1], color="#bbb", linestyle=":", label="chance")
    roc.set(title="ROC (out-of-fold)", xlabel="false positive rate", ylabel="true positive rate")
    pr.axhline(y.mean(), color="#bbb", linestyle=":", label=f"chance ({y.mean():.3f})")
    pr.set(title="Precision-recall (out-of-fold)", xlabel="recall", ylabel="precision")
    roc.legend(fontsize=8, loc="lower right")
    pr.legend(fontsize=8, loc="upper right")
    return png(fig)


def roc_per_class(
    y: np.ndarray, classes: Sequence[str], curves: Sequence[Curve], oof: Mapping[str, np.ndarray]
) -> bytes:
    """Multiclass: one ROC panel per class (that class against the rest), every curve in each."""
    from sklearn.metrics import roc_auc_score, roc_curve

    n = len(classes)
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    fig, axes = pyplot().subplots(rows, cols, figsize=(3.7 * cols, 3.4 * rows + 0.5),
                                  squeeze=False)  # fmt: skip
    lines = []
    for k, ax in enumerate(axes.ravel()):
        if k >= n:
            ax.axis("off")
            continue
        hit = (y == k).astype(int)
        scores = []
        for curve in curves:
            p = oof[curve.entry][:, k]
            fpr, tpr, _ = roc_curve(hit, p)
            scores.append(roc_auc_score(hit, p) if 0 < hit.sum() < len(hit) else float("nan"))
            (line,) = ax.plot(fpr, tpr, **_style(curve))
            if k == 0:
                lines.append(line)
        ax.plot([0, 1], [0, 1], color="#bbb", linestyle=":")
        # Each curve's AUC in its own colour, in the legend's order (one legend for all).
        for i, (score, line) in enumerate(zip(scores, lines, strict=True)):
            ax.text(
                0.97,
                0.05 + 0.09 * (len(scores) - 1 - i),
                f"AUC {score:.3f}",
                color=line.get_color(),
                fontsize=7,
                ha="right",
                transform=ax.transAxes,
            )
        ax.set_title(f"class {classes[k]} against the rest ({hit.mean():.0%})", fontsize=9)
        ax.set_xlabel("false positive rate", fontsize=8)
        ax.set_ylabel("true positive rate", fontsize=8)
        ax.tick_params(labelsize=7)
    fig.legend(lines, [c.label for c in curves], loc="upper center", ncol=min(len(curves), 3),
               fontsize=8, frameon=False)  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.5 / fig.get_figheight()))
    return png(fig, layout=False)


def gains_lift(y: np.ndarray, curves: Sequence[Curve], oof: Mapping[str, np.ndarray]) -> bytes:
    """Binary: cumulative gains (share of positives found in the top share of rows ranked by
    prediction) and the lift of each tenth of the rows over a random pick."""
    fig, (gains, lift) = pyplot().subplots(1, 2, figsize=(12, 4.2))
    positives = max(float(y.sum()), 1.0)
    width = 0.8 / max(len(curves), 1)
    for i, curve in enumerate(curves):
        order = np.argsort(-oof[curve.entry], kind="stable")
        found = np.concatenate([[0.0], np.cumsum(y[order]) / positives])
        share = np.linspace(0, 1, len(found))
        at = np.unique(np.linspace(0, len(found) - 1, 501).astype(int))  # enough for the eye
        gains.plot(share[at], found[at], label=curve.label, **_style(curve))
        deciles = np.array_split(y[order], 10)
        rates = np.array([d.mean() if len(d) else 0.0 for d in deciles]) / max(y.mean(), 1e-12)
        colour = "grey" if curve.baseline else None
        lift.bar(np.arange(1, 11) + (i - (len(curves) - 1) / 2) * width, rates, width,
                 label=curve.label, color=colour)  # fmt: skip
    gains.plot([0, 1], [0, 1], color="#bbb", linestyle=":", label="random")
    gains.set(title="Cumulative gains (out-of-fold)", xlabel="share of rows, highest first",
              ylabel="share of positives found")  # fmt: skip
    lift.axhline(1, color="#bbb", linestyle=":")
    lift.set(title="Lift per tenth of the rows", xlabel="tenth (1 = highest predictions)",
             ylabel="positive rate / overall rate", xticks=range(1, 11))  # fmt: skip
    gains.legend(fontsize=8, loc="lower right")
    lift.legend(fontsize=8, loc="upper right")
    return png(fig)


def oof_vs_test(
    oof: np.ndarray, test: np.ndarray, classes: Sequence[str], entry: str
) -> tuple[bytes, list[float]]:
    """Histograms of predicted probabilities, out-of-fold against test: different shapes mean
    the test rows differ from the training rows (drift), or the model's folds disagree. Binary:
    P(positive class); multiclass: each class's probability. Also returns, per panel, the
    Kolmogorov-Smirnov distance between the two samples."""
    from scipy.stats import ks_2samp

    panels = [(oof, test, f"P({classes[-1]})")] if oof.ndim == 1 else [
        (oof[:, k], test[:, k], f"P({c})") for k, c in enumerate(classes)
    ]  # fmt: skip
    cols = min(len(panels), 4)
    rows = int(np.ceil(len(panels) / cols))
    size = (6.5, 3.6) if len(panels) == 1 else (3.7 * cols, 3.0 * rows)
    fig, axes = pyplot().subplots(rows, cols, figsize=size, squeeze=False)
    distances = []
    for ax, (a, b, what) in zip(axes.ravel(), panels, strict=False):
        bins = np.linspace(min(a.min(), b.min()), max(a.max(), b.max()) + 1e-9, 31)
        ax.hist(a, bins=bins, density=True, alpha=0.55, label="out-of-fold", color="tab:blue")
        ax.hist(b, bins=bins, density=True, histtype="step", linewidth=1.6, label="test",
                color="tab:orange")  # fmt: skip
        distance = float(ks_2samp(a, b).statistic)
        distances.append(distance)
        ax.set_title(f"{entry}: {what}, KS {distance:.3f}", fontsize=9)
        ax.set_xlabel(what, fontsize=8)
        ax.set_ylabel("density", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=7)
    for ax in axes.ravel()[len(panels) :]:
        ax.axis("off")
    return png(fig), distances


def tuning_history(schedule: pd.DataFrame, metric: str, greater_is_better: bool) -> bytes:
    """Per tuned model, its best score after each trial, against the trial's number and against
    the seconds the run had spent (``tuning_schedule.csv``: model, started_s, seconds, best)."""
    fig, (by_trial, by_time) = pyplot().subplots(1, 2, figsize=(12, 4.0))
    for model, steps in schedule.groupby("model", sort=False):
        best = steps["best"].astype(float).to_numpy()
        trials = np.arange(1, len(steps) + 1)
        by_trial.step(trials, best, where="post", marker=".", label=str(model))
        ends = (steps["started_s"] + steps["seconds"]).to_numpy(dtype=float)
        by_time.step(ends, best, where="post", marker=".", label=str(model))
    better = "higher" if greater_is_better else "lower"
    by_trial.set(title=f"Best {metric} after each trial ({better} is better)",
                 xlabel="trial of the model", ylabel=f"best CV {metric}")  # fmt: skip
    by_time.set(title=f"Best {metric} against the run's clock", xlabel="seconds into tuning",
                ylabel=f"best CV {metric}")  # fmt: skip
    by_trial.xaxis.get_major_locator().set_params(integer=True)
    by_trial.legend(fontsize=8)
    return png(fig)


def parameter_importances(importances: Mapping[str, Mapping[str, float]]) -> bytes:
    """Per tuned model, Optuna's importance of each parameter to its score (fANOVA)."""
    n = len(importances)
    fig, axes = pyplot().subplots(1, n, figsize=(4.2 * n, 3.4), squeeze=False)
    for ax, (model, values) in zip(axes[0], importances.items(), strict=True):
        names = list(values)[:8][::-1]
        ax.barh(names, [values[k] for k in names], color="tab:blue")
        ax.set_title(f"{model}: parameter importance", fontsize=9)
        ax.set_xlabel("importance (share)", fontsize=8)
        ax.set_ylabel("parameter", fontsize=8)
        ax.tick_params(labelsize=7)
    return png(fig)
