"""What the command line shows: the run summary, the competitions, past runs and the feature
cache, as text. :mod:`podium.cli` prints it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from competitions import COMPETITIONS
from competitions.files import present_files
from core.metrics import get_metric
from features.store import cache_entries
from podium.featurize import CACHE
from podium.history import run_history
from podium.loading import DATA_ROOT
from podium.presets import PRESETS
from podium.validation import RUNS_ROOT

if TYPE_CHECKING:
    from podium.explain_one import OneExplanation
    from podium.runner import RunResult


def list_competitions() -> str:
    rows = [("name", "task", "metric", "data", "title")]
    COMPETITIONS.load_all()  # installed plugins' too
    for name in COMPETITIONS.names():
        spec = COMPETITIONS.get(name)
        folder = DATA_ROOT / name
        found = present_files(folder, spec.files)
        data = f"real ({folder}/)" if found else "synthetic (no real data found)"
        rows.append((name, spec.task, spec.metric, data, spec.title))
    return _table(rows)


def presets_help() -> str:
    """The presets, two lines each, for ``--help``."""
    lines = []
    for preset in PRESETS.values():
        budget = "no budget" if preset.time_budget is None else f"{preset.time_budget:g} s"
        models = ",".join(preset.models) if preset.models else "the competition's defaults"
        lines.append(f"  {preset.name:<7} {preset.summary}")
        lines.append(
            f"          models {models}; {budget}; SHAP rows {preset.shap_rows}, "
            f"plotted entries {preset.shap_plots}; "
            f"seed bags {preset.seed_bags}"
        )
    return "\n".join(lines)


def present(result: RunResult) -> str:
    board = result.leaderboard
    metric = get_metric(str(board.iloc[0]["metric"]))
    subsets = [c for c in board.columns if c.startswith("oof_") and c != "oof_score"]
    subsets += [c for c in board.columns if c.startswith("f1_")]
    tuned = bool((board["trials"] > 0).any())
    header = (
        "#",
        "model",
        f"CV {metric.name} (mean ± std)",
        *[c.removeprefix("oof_") for c in subsets],
        *(["trials"] if tuned else []),
        "fit s",
        "",
    )
    rows = [header]
    for _, row in board.iterrows():
        rows.append(
            (
                str(row["rank"]),
                str(row["model"]),
                f"{row['cv_mean']:.4f} ± {row['cv_std']:.4f}",
                *[f"{row[c]:.4f}" for c in subsets],
                *([str(row["trials"] or "")] if tuned else []),
                f"{row['fit_seconds']:.1f}",
                "shipped" if row["shipped"] else "",
            )
        )
    lines = [
        "",
        f"Leaderboard ({'higher' if metric.greater_is_better else 'lower'} is better):",
        _table(rows),
    ]
    if result.confusion is not None:
        shipped = board.loc[board["shipped"], "model"].iloc[0]
        lines += [
            "",
            f"Out-of-fold confusion matrix of {shipped}:",
            result.confusion.to_string(),
            "",
        ]
    if result.oracle_score is not None:
        lines.append(
            f"Oracle {metric.name} of the synthetic sample's true probabilities: "
            f"{result.oracle_score:.4f} (the ceiling)"
        )
    if result.tuning:
        lines += ["", "Tuning (seconds spent per model and what they bought):", _tuning(result)]
    if result.preset is not None and result.total_seconds is not None:
        budget = "" if result.time_budget is None else f" of a {result.time_budget:g} s budget"
        lines.append(
            f"Preset {result.preset}: models {', '.join(result.models)}; "
            f"run took {result.total_seconds:.0f} s{budget}"
        )
    if result.shap_seconds is not None and result.total_seconds:
        share = 100 * result.shap_seconds / result.total_seconds
        lines.append(f"SHAP: {result.shap_seconds:.1f} s, {share:.1f}% of the run")
    if result.notes:
        lines += ["", *result.notes, ""]
    if result.synthetic:
        lines.append(
            "Note: this run used synthetic data; its scores say nothing about the real competition."
        )
    lines += [f"Submission: {result.submission}"]
    if result.report is not None:
        lines.append(f"Report: {result.report}")
    lines.append(f"Run folder: {result.run_dir}")
    return "\n".join(lines)


def present_explanation(one: OneExplanation) -> str:
    """One user's prediction and its largest contributions, in words."""
    caveat = f" ({one.caveat})" if one.caveat else ""
    if one.explained_class is None:
        moves = (
            f"The features move the {one.output} from the base value {one.base:+.3f} (the "
            f"average user) to {one.total:+.3f}, a probability of {one.explained_p:.3f}{caveat}."
        )
    else:
        label = one.explained_class
        moves = (
            f"Explained: class {label}, the predicted class. The features move its raw score "
            f"from the base value {one.base:+.3f} (the average user) to {one.total:+.3f}; the "
            f"softmax over the {one.n_classes} classes' raw scores gives P({label}) = "
            f"{one.explained_p:.3f}{caveat}."
        )
    lines = [
        f"{one.split.capitalize()} user {one.user_id}: {one.entry} predicts {one.predicted}.",
        f"Explained by {one.how}.",
        f"{moves} Largest contributions:",
    ]
    for feature, value, contribution in one.top:
        verb = "raises" if contribution > 0 else "lowers"
        lines.append(f"  {feature} = {value:g} {verb} it by {abs(contribution):.3f}")
    lines.append(f"Waterfall: {one.waterfall}")
    return "\n".join(lines)


def _tuning(result: RunResult) -> str:
    rows = [("model", "seconds", "trials", "this run", "study metric", "defaults", "best", "gain",
             "best params")]  # fmt: skip
    for name, study in result.tuning.items():
        gain = study.get("gain_over_defaults")
        rows.append(
            (
                name,
                f"{study['seconds']:.0f}",
                f"{study['trials_finished']} ({study['trials_pruned']} pruned)",
                str(study["trials_this_run"]),
                str(study.get("study_metric", "")),
                _value(study["default_value"]),
                _value(study["best_value"]),
                "-" if gain is None else f"{gain:+.4f}",
                ", ".join(f"{k}={_short(v)}" for k, v in study["best_params"].items()),
            )
        )
    return _table(rows)


def _value(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"


def _short(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def present_cache(comp: str | None, out: Path | None) -> str:
    """The feature cache of one competition (or all) under runs/ or --out DIR."""
    if comp is not None:
        COMPETITIONS.get(comp)
    if out is not None:
        roots = [out / CACHE]
    else:
        names = [comp] if comp else COMPETITIONS.names()
        roots = [RUNS_ROOT / name / CACHE for name in names]
    entries = cache_entries(roots)
    where = ", ".join(f"{r}/" for r in roots) if len(roots) == 1 else f"{RUNS_ROOT}/*/{CACHE}/"
    if entries.empty:
        return f"The feature cache is empty ({where})."
    rows = [("competition", "builder", "rows x columns", "MB", "created", "params")]
    for _, row in entries.iterrows():
        rows.append(
            (
                str(row["competition"]), str(row["builder"]), str(row["rows x columns"]),
                f"{row['MB']:.1f}", str(row["created"]), str(row["params"]),
            )
        )  # fmt: skip
    total = entries["MB"].sum()
    return (
        f"Feature cache ({where}): {len(entries)} entries, {total:.1f} MB. Deleting the "
        f"folder is safe: entries are rebuilt when needed.\n" + _table(rows)
    )


def present_history(comp: str, root: Path) -> str:
    history = run_history(root, comp)
    if history.empty:
        return f"No finished runs of {comp} under {root}/ yet: run python run.py --comp {comp}"
    rows = [("run", "best entry", "CV (mean ± std)", "change", "data", "models", "folds", "seed")]
    for _, row in history.iterrows():
        change = "" if np.isnan(row["change"]) else f"{row['change']:+.4f}"
        rows.append(
            (
                str(row["run"]),
                str(row["best"]),
                f"{row['cv_mean']:.4f} ± {row['cv_std']:.4f}",
                change,
                str(row["data"]),
                str(row["models"]),
                str(row["folds"]),
                str(row["seed"]),
            )
        )
    metric = get_metric(str(history["metric"].iloc[0]))
    direction = "higher" if metric.greater_is_better else "lower"
    return f"Runs of {comp} ({metric.name}, {direction} is better):\n" + _table(rows)


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
