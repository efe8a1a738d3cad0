"""A run's SHAP files: a saved ``shap.Explanation`` per explained entry
(``explanations/<entry>.npz``, see :func:`podium.explain.load`), the ``shap_<entry>.csv``
tables, shap's plots, and the fold models that ``--explain RUN_ID --id ID`` reuses."""

from __future__ import annotations

import pickle
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from competitions.spec import Dataset
from core import cpus
from core.atomic import write_bytes
from core.results import CVResult
from features.base import FeatureSet
from podium import shap_plots
from podium.compare_plots import ONE_MODEL
from podium.explain import (
    FOLDER,
    HOW_ENSEMBLES_ARE_EXPLAINED,
    Explained,
    explained,
    level2_shap,
    mean_abs_shap,
    narrowed,
    save,
    shap_table,
    to_explanation,
)

if TYPE_CHECKING:
    import shap

MODELS_FOLDER = "models"  # fold models of the shipped entry (or its base models), pickled
DEPENDENCE_FEATURES = 3
MIN_PLOTS_PER_WORKER = 4  # fewer plots than this per worker process: drawn in this process


@dataclass
class ShapFigures:
    """The plots for the report: per entry, and single predictions (caption, waterfall)."""

    by_entry: dict[str, list[bytes]] = field(default_factory=dict)
    single: list[tuple[str, bytes]] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class _Plot:
    """One of shap's plots to draw, ``shap_plots.<kind>(expl, *args)``, saved as ``path``."""

    path: Path
    kind: str
    expl: shap.Explanation
    args: tuple[object, ...] = ()


def write_explanations(
    stage: Path,
    results: list[CVResult],
    features: FeatureSet,
    dataset: Dataset,
    ranked: Sequence[str],
    plotted_entries: int,
) -> ShapFigures:
    """Every explained entry's table and saved Explanation; bar and beeswarm plots of the best
    ``plotted_entries`` explained entries in ``ranked``, the leaderboard's order
    (``--shap-plots``: each entry costs about 1.5 s of plots, and a tuned run has a dozen);
    for the best of them also dependence plots of its top features, per class for multiclass,
    and waterfalls of a few typical and extreme rows."""
    started = time.perf_counter()
    figures = ShapFigures()
    # First every explained entry's table and saved file, each cut to its strongest features
    # as soon as it is made: full-width values of a wide multiclass entry take a gigabyte.
    done: dict[str, tuple[Explained, shap.Explanation]] = {}
    for result in results:
        entry = explained(result, results)
        if entry is None:
            continue
        mean_abs = mean_abs_shap(entry.values)
        table = shap_table(mean_abs, features.names, dataset.classes)
        table.to_csv(stage / f"shap_{result.model}.csv", index=False, float_format="%.6g")
        entry, columns, names = narrowed(entry, features.names, mean_abs)
        expl = _explanation(entry, columns, names, features, dataset)
        note = HOW_ENSEMBLES_ARE_EXPLAINED if result.kind == "ensemble" else ""
        info = {"entry": result.model, "method": entry.method, "output": entry.output,
                "note": note, "rows": "out-of-fold"}  # fmt: skip
        save(stage / FOLDER / f"{result.model}.npz", expl, info)
        done[result.model] = (entry, expl)
    by_name = {r.model: r for r in results}
    plotted = distinct([name for name in ranked if name in done], by_name, plotted_entries)
    featured = plotted[0] if plotted else None
    plans: dict[str, list[_Plot]] = {}
    single: list[tuple[str, _Plot]] = []
    for result in results:
        if result.model not in done:
            continue
        entry, expl = done[result.model]
        plot = result.model in plotted
        plan = _entry_plots(stage, result.model, expl, entry, dataset, featured) if plot else []
        if result.kind == "ensemble":
            plan += _level2(stage, result, results, entry.rows, dataset, plot)
        if result.model == featured:
            single = _waterfalls(stage, result, expl, entry, dataset)
        plans[result.model] = plan
    todo = [item for name in plotted for item in plans[name]] + [item for _, item in single]
    drawn = iter(_draw_all(todo, len(dataset.y)))
    figures.by_entry = {name: [next(drawn) for _ in plans[name]] for name in plotted}  # best first
    figures.single = [(caption, next(drawn)) for caption, _ in single]
    figures.seconds = time.perf_counter() - started
    return figures


def distinct(ranked: Sequence[str], by_name: dict[str, CVResult], n: int) -> list[str]:
    """The best ``n`` entries of ``ranked`` whose plots differ: an ensemble with at least
    :data:`ONE_MODEL` of its weight on one model draws that model's plots again, so of the two
    only the better ranked is plotted (the report names the other)."""
    seen: set[str] = set()
    out: list[str] = []
    for name in ranked:
        key = mostly(by_name[name]) or name
        if key in seen:
            continue
        seen.add(key)
        out.append(name)
        if len(out) == n:
            break
    return out


def mostly(result: CVResult) -> str | None:
    """The model an ensemble almost is (:data:`ONE_MODEL` of its weight), or None."""
    weights = result.params.get("weights", {}) if result.kind == "ensemble" else {}
    if not isinstance(weights, dict) or not weights:
        return None
    total = sum(float(w) for w in weights.values())
    main = max(weights, key=lambda m: float(weights[m]))
    return str(main) if total > 0 and float(weights[main]) / total >= ONE_MODEL else None


def _draw_all(plots: list[_Plot], train_rows: int) -> list[bytes]:
    """Draw and save the plots, in order. On data large enough for the folds' worker processes
    (which are still running) the plots are drawn by them, side by side: full-scale talkingdata's
    20 figures take about 0.5 s each."""
    workers = min(cpus.jobs(), len(plots) // MIN_PLOTS_PER_WORKER)
    if workers > 1 and train_rows >= cpus.PARALLEL_FOLDS_ROWS:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=workers, backend="loky", max_nbytes=None)
        images = parallel(delayed(_draw)(plot.kind, plot.expl, plot.args) for plot in plots)
    else:
        images = [_draw(plot.kind, plot.expl, plot.args) for plot in plots]
    for plot, image in zip(plots, images, strict=True):
        write_bytes(plot.path, image)
    return images


def _draw(kind: str, expl: shap.Explanation, args: tuple[object, ...]) -> bytes:
    draw: Callable[..., bytes] = getattr(shap_plots, kind)
    return draw(expl, *args)


def _explanation(
    entry: Explained,
    columns: np.ndarray,
    names: list[str],
    features: FeatureSet,
    dataset: Dataset,
) -> shap.Explanation:
    """The (narrowed) entry as a ``shap.Explanation``: the data of its kept ``columns``, and
    no data (NaN) under the column that sums the others."""
    data = features.X_train[entry.rows][:, columns].toarray().astype(np.float32, copy=False)
    if len(names) > len(columns):
        data = np.column_stack([data, np.full(len(data), np.nan, dtype=np.float32)])
    ids = np.asarray(dataset.train_ids)[entry.rows]
    return to_explanation(entry, data, names, dataset.classes, ids)


def _entry_plots(
    stage: Path,
    name: str,
    expl: shap.Explanation,
    entry: Explained,
    dataset: Dataset,
    featured: str | None,
) -> list[_Plot]:
    """Bar and beeswarm, and for the ``featured`` entry dependence plots of its top features."""
    is_featured = name == featured
    units = entry.output
    about = f"{name}: {len(entry.rows):,} out-of-fold rows"
    if entry.values.ndim == 2:
        plots = _bar_and_beeswarm(stage, name, expl, about, units, "")
        return plots + (_dependence(stage, name, expl, "") if is_featured else [])
    # Multiclass: one bar of |SHAP| summed over the classes; beeswarms of every class for the
    # featured entry (of the largest class for the others); dependence of the largest class.
    all_classes = shap_plots.all_classes(expl)
    plots = [_Plot(stage / f"shap_{name}_bar.png", "bar", all_classes,
                   (f"{about}, all classes", f"{units}, summed"))]  # fmt: skip
    largest = _largest(dataset)
    for k in range(len(dataset.classes)) if is_featured else [largest]:
        view, label = shap_plots.for_class(expl, k), dataset.classes[k]
        plots += _bar_and_beeswarm(stage, name, view, f"{about}, class {label}", units, label)
        if is_featured and k == largest:
            plots += _dependence(stage, name, view, label)
    return plots


def _bar_and_beeswarm(
    stage: Path, name: str, view: shap.Explanation, about: str, units: str, label: str
) -> list[_Plot]:
    """The beeswarm, and for a binary task the bar (a class's bar adds little to its beeswarm)."""
    suffix = f"_{safe_name(label)}" if label else ""
    plots = []
    if not label:
        plots.append(_Plot(stage / f"shap_{name}_bar.png", "bar", view, (about, units)))
    path = stage / f"shap_{name}_beeswarm{suffix}.png"
    plots.append(_Plot(path, "beeswarm", view, (about, units)))
    return plots


def _dependence(stage: Path, name: str, view: shap.Explanation, label: str) -> list[_Plot]:
    """Dependence (scatter) plots of the view's top features (``label``: its class, if any)."""
    title = f"{name}, class {label}" if label else name
    suffix = f"_{safe_name(label)}" if label else ""
    strength = shap_plots.strength_of(view)
    plots = []
    order = np.argsort(-strength, kind="stable")[:DEPENDENCE_FEATURES]
    for rank, j in enumerate(order, start=1):
        feature = view.feature_names[j]
        other = shap_plots.strongest_other(strength, int(j))
        stem = f"shap_{name}_dependence{suffix}_{rank}_{safe_name(feature)}"
        # Only the two columns drawn travel to a worker process.
        pair = view[:, [int(j), other]]
        plots.append(_Plot(stage / f"{stem}.png", "scatter", pair, (0, 1, f"{title}: {feature}")))
    return plots


def _waterfalls(
    stage: Path, result: CVResult, expl: shap.Explanation, entry: Explained, dataset: Dataset
) -> list[tuple[str, _Plot]]:
    """Waterfalls of the rows with the highest, lowest and most typical predictions (for
    multiclass: of each row's predicted class), with their captions."""
    oof = result.oof[entry.rows]
    score = oof if oof.ndim == 1 else oof.max(axis=1)
    out = []
    for label, i in shap_plots.typical_and_extreme(score):
        row_id = str(expl.instance_names[i])
        if oof.ndim == 1:
            row, about = expl[i], f"P({dataset.classes[1]}) = {oof[i]:.3f}"
        else:
            k = int(oof[i].argmax())
            row, about = expl[i, :, k], f"predicted {dataset.classes[k]} ({oof[i, k]:.3f})"
        caption = f"{result.model}, ID {row_id}: {label} prediction, {about}"
        path = stage / f"shap_{result.model}_waterfall_{label}_{safe_name(row_id)}.png"
        out.append((caption, _Plot(path, "waterfall", row, (caption,))))
    return out


def _level2(
    stage: Path,
    ensemble: CVResult,
    results: list[CVResult],
    rows: np.ndarray,
    dataset: Dataset,
    plot: bool,
) -> list[_Plot]:
    """Which base model drove the ensemble: its level-2 Explanation and, if ``plot``, a bar
    plot of it."""
    level2 = level2_shap(ensemble, results, rows)
    if level2 is None:
        return []
    entry, names = level2
    outputs = [r for r in results if r.model in names]
    data = np.column_stack([r.oof[rows] if r.oof.ndim == 1 else r.oof[rows].max(axis=1)
                            for r in outputs])  # fmt: skip
    ids = np.asarray(dataset.train_ids)[rows]
    expl = to_explanation(entry, data, names, dataset.classes, ids)
    info = {"entry": ensemble.model, "method": "linear", "output": "probability",
            "note": HOW_ENSEMBLES_ARE_EXPLAINED, "rows": "out-of-fold"}  # fmt: skip
    save(stage / FOLDER / f"{ensemble.model}.models.npz", expl, info)
    if not plot:
        return []
    view = expl if entry.values.ndim == 2 else shap_plots.for_class(expl, _largest(dataset))
    title = f"{ensemble.model}: which model drove it"
    return [_Plot(stage / f"shap_{ensemble.model}_bar_models.png", "bar", view,
                  (title, "probability", "base model"))]  # fmt: skip


def save_fold_models(stage: Path, shipped: CVResult, results: list[CVResult]) -> list[str]:
    """Pickle the fold models ``--explain`` needs (the shipped entry's, or an ensemble's base
    models with a positive weight) into ``models/``, then release every entry's fold models.
    Returns the entries saved."""
    if shipped.kind == "model":
        needed = [shipped]
    else:
        weights = shipped.params.get("weights", {})
        assert isinstance(weights, dict)
        needed = [r for r in results if float(weights.get(r.model, 0.0)) > 0]
    saved = []
    for result in needed:
        if result.models is not None:
            data = pickle.dumps(result.models, protocol=pickle.HIGHEST_PROTOCOL)
            write_bytes(stage / MODELS_FOLDER / f"{result.model}.pkl", data)
            saved.append(result.model)
    for result in results:
        result.models = None
    return saved


def _largest(dataset: Dataset) -> int:
    return int(np.bincount(dataset.y).argmax())


def safe_name(name: str) -> str:
    """A feature, class or ID as a file-name part."""
    return re.sub(r"[^A-Za-z0-9.+-]+", "_", name).strip("_")[:60] or "x"
