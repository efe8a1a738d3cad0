"""SHAP explanations of the leaderboard's entries as ``shap.Explanation`` objects, their tables,
and their files in the run folder.

Each model entry is explained on a sample of out-of-fold rows, each row by the fold model that
did not train on it (:func:`podium.cv.explain`, :mod:`podium.shapley`). An ensemble is explained
at two levels. **Models**: which base model drove its output, the SHAP values of its final
level-2 combiner over the base models' out-of-fold probabilities (``shap.LinearExplainer``:
exact for the weighted averages ``blend`` and ``greedy``; for ``stack``, a logistic regression,
an approximation by the shares of its coefficients). **Features**: the weighted sum of its base
models' SHAP values, with its level-2 weights renormalised over the explained models; an
approximation, because the base models' values are in log-odds while the ensemble averages
probabilities.

Load a saved explanation back with ``podium.explain.load(run_dir, "lgbm")`` (or
``load(run_dir, "blend", level="models")``); it is a ``shap.Explanation`` for shap's plots.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from core.atomic import atomic_open
from core.results import CVResult
from podium.shapley import output_of

if TYPE_CHECKING:
    import shap

HOW_ENSEMBLES_ARE_EXPLAINED = (
    "which model drove it: the SHAP values of its final level-2 combiner over the base models' "
    "probabilities (exact for blend and greedy, weighted averages; for stack an approximation "
    "by its coefficient shares); which features: the weighted sum of its base models' SHAP "
    "values, with its level-2 weights renormalised over the explained models (an "
    "approximation: the ensemble mixes probabilities, the base models' SHAP values are in "
    "log-odds)"
)
FOLDER = "explanations"
# A saved Explanation keeps the features with the largest mean |SHAP| and sums the others into
# one column, so the file stays small on wide data and every row still adds up.
SAVED_FEATURES = 100
BLOCK_BYTES = 32 << 20  # a block of rows, summarised at a time (mean_abs_shap, narrowed)


@dataclass
class Explained:
    """SHAP values of the explained rows of one entry (see :class:`podium.shapley.Attribution`)."""

    rows: np.ndarray
    values: np.ndarray  # (n, F) or (n, K, F)
    base: np.ndarray  # (n,) or (n, K)
    method: str
    output: str


def mean_abs_shap(values: np.ndarray) -> np.ndarray:
    """Mean |SHAP| over the rows of ``(rows, features)`` or ``(rows, classes, features)``
    values: ``(features,)`` or ``(classes, features)``. Summed a block of rows at a time, so no
    temporary copy of a wide multiclass entry's gigabyte of values is made."""
    total = np.zeros(values.shape[1:], dtype=np.float64)
    for block in _blocks(values):
        total += np.abs(block).sum(axis=0, dtype=np.float64)
    return total / max(1, len(values))


def _blocks(values: np.ndarray) -> Iterator[np.ndarray]:
    """``values`` a block of rows (about :data:`BLOCK_BYTES`) at a time. A whole-array
    temporary of a wide entry costs more to allocate than to compute: 3.5 s a gigabyte, seen in
    a full-scale TalkingData run."""
    step = max(1, BLOCK_BYTES // max(1, values[:1].nbytes))
    for start in range(0, max(len(values), 1), step):  # one empty block of no rows
        yield values[start : start + step]


def shap_table(mean_abs: np.ndarray, names: Sequence[str], classes: Sequence[str]) -> pd.DataFrame:
    """Mean |SHAP| per feature (and per class for multiclass), largest first; ``mean_abs``
    from :func:`mean_abs_shap`."""
    table = pd.DataFrame({"feature": list(names)})
    if mean_abs.ndim == 2:  # (classes, features)
        for c, cls in enumerate(classes):
            table[f"mean_abs_shap[{cls}]"] = mean_abs[c]
        table.insert(1, "mean_abs_shap", mean_abs.sum(axis=0))
    else:
        table["mean_abs_shap"] = mean_abs
    return table.sort_values("mean_abs_shap", ascending=False, kind="stable").reset_index(drop=True)


def explained(result: CVResult, results: Sequence[CVResult]) -> Explained | None:
    """The feature-level explanation of an entry, a model's own or an ensemble's combination."""
    if result.kind == "model":
        if result.shap is None or result.shap_rows is None or result.shap_base is None:
            return None
        output = output_of(result.shap_method, result.shap.ndim == 3)
        return Explained(
            result.shap_rows, result.shap, result.shap_base, result.shap_method, output
        )
    return ensemble_shap(result, results)


def ensemble_shap(ensemble: CVResult, results: Sequence[CVResult]) -> Explained | None:
    """An ensemble's combined SHAP values (None if none of its models is explained). The rows
    are those every weighted model explained: one whose SHAP time ran out explained fewer."""
    weights = ensemble.params.get("weights", {})
    assert isinstance(weights, dict)
    parts = [
        (r, float(weights[r.model]))
        for r in results
        if r.model in weights and float(weights[r.model]) > 0
        and r.shap is not None and r.shap_rows is not None and r.shap_base is not None
    ]  # fmt: skip
    if not parts:
        return None
    rows = parts[0][0].shap_rows
    assert rows is not None
    for other, _ in parts[1:]:
        rows = np.intersect1d(rows, np.asarray(other.shap_rows))
    if len(rows) == 0:
        return None
    total = sum(w for _, w in parts)
    first = parts[0][0]
    assert first.shap is not None and first.shap_base is not None
    values = np.zeros((len(rows), *first.shap.shape[1:]), dtype=np.float32)
    base = np.zeros((len(rows), *first.shap_base.shape[1:]))
    for result, weight in parts:
        assert result.shap_rows is not None and result.shap is not None
        assert result.shap_base is not None
        position = {row: i for i, row in enumerate(result.shap_rows.tolist())}
        take = np.array([position[row] for row in rows.tolist()])
        values += np.float32(weight / total) * result.shap[take]
        base += (weight / total) * result.shap_base[take]
    return Explained(rows, values, base, "weighted", "log-odds (approximate)")


def level2_shap(
    ensemble: CVResult, results: Sequence[CVResult], rows: np.ndarray
) -> tuple[Explained, list[str]] | None:
    """Which base model drove the ensemble on ``rows``: ``shap.LinearExplainer`` of the weighted
    average of the base models' out-of-fold probabilities, with their means as the background.
    Values ``(n, models)`` or ``(n, classes, models)`` in probability; the model names."""
    import shap  # deferred: importing shap takes seconds

    weights = ensemble.params.get("weights", {})
    assert isinstance(weights, dict)
    bases = [r for r in results if r.model in weights]
    if not bases:
        return None
    coef = np.array([float(weights[r.model]) for r in bases])
    outputs = np.stack([_matrix(r.oof) for r in bases], axis=-1)  # (N, K, M)
    binary = bases[0].oof.ndim == 1
    classes = [1] if binary else range(outputs.shape[1])
    values, base = [], []
    for k in classes:
        linear = shap.LinearExplainer((coef, 0.0), shap.maskers.Independent(
            {"mean": outputs[:, k].mean(axis=0), "cov": None}))  # fmt: skip
        values.append(np.asarray(linear.shap_values(outputs[rows, k])))
        base.append(np.full(len(rows), float(linear.expected_value)))
    if binary:
        return Explained(rows, values[0], base[0], "linear", "probability"), [
            r.model for r in bases
        ]
    stacked = np.stack(values, axis=1).astype(np.float32)
    return Explained(rows, stacked, np.stack(base, axis=1), "linear", "probability"), [
        r.model for r in bases
    ]


def _matrix(pred: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - pred, pred]) if pred.ndim == 1 else pred


def strongest(mean_abs: np.ndarray, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` (default :data:`SAVED_FEATURES`) features with the largest mean |SHAP| (summed
    over the classes), in their original order, and the rest; none left over when at most
    one more than ``n`` (a column summing one feature would say nothing). ``mean_abs``:
    ``(features,)`` or ``(classes, features)``, from :func:`mean_abs_shap`."""
    n = SAVED_FEATURES if n is None else n
    width = mean_abs.shape[-1]
    if width <= n + 1:
        return np.arange(width), np.arange(0)
    strength = mean_abs.sum(axis=0) if mean_abs.ndim == 2 else mean_abs
    keep = np.sort(np.argsort(-strength, kind="stable")[:n])
    return keep, np.setdiff1d(np.arange(width), keep)


def other_name(count: int) -> str:
    return f"sum of {count:,} other features"


def _kept_and_summed(values: np.ndarray, keep: np.ndarray, axis: int) -> np.ndarray:
    """``values`` at the ``keep`` features along ``axis`` (not the rows), then one feature
    summing the others."""
    parts = []
    for block in _blocks(values):
        kept = np.take(block, keep, axis=axis)  # take copies its input if not contiguous
        other = block.sum(axis=axis, dtype=np.float64) - kept.sum(axis=axis, dtype=np.float64)
        parts.append(np.concatenate([kept, np.expand_dims(other, axis).astype(block.dtype)], axis))
    return np.concatenate(parts)


def narrowed(
    done: Explained, names: Sequence[str], mean_abs: np.ndarray
) -> tuple[Explained, np.ndarray, list[str]]:
    """``done`` cut to its :func:`strongest` features plus one column summing the others (every
    row still adds up), the kept columns, and the names (``mean_abs``: its
    :func:`mean_abs_shap`); on wide data (TalkingData's 11,000 columns, 12 classes) the full
    values take a gigabyte an entry and make every plot slow."""
    keep, rest = strongest(mean_abs)
    if not len(rest):
        return done, keep, list(names)
    cut = _kept_and_summed(done.values, keep, axis=-1)
    short = [names[j] for j in keep] + [other_name(len(rest))]
    return Explained(done.rows, cut, done.base, done.method, done.output), keep, short


def to_explanation(
    done: Explained,
    data: np.ndarray,
    names: Sequence[str],
    classes: Sequence[str],
    ids: Sequence[str],
) -> shap.Explanation:
    """A ``shap.Explanation``: values ``(rows, features)``, or ``(rows, features, classes)``
    for multiclass (shap's layout: outputs last), with readable feature and class names."""
    import shap  # deferred: importing shap takes seconds

    multi = done.values.ndim == 3
    return shap.Explanation(
        values=done.values.transpose(0, 2, 1) if multi else done.values,
        base_values=done.base,
        data=data,
        feature_names=list(names),
        output_names=list(classes) if multi else None,
        instance_names=[str(i) for i in ids],
    )


def save(path: Path, expl: shap.Explanation, info: dict[str, Any]) -> None:
    """The Explanation as a compressed ``.npz`` (no pickle), its features cut to the
    :data:`SAVED_FEATURES` with the largest mean |SHAP| plus one column summing the others."""
    values = np.asarray(expl.values)
    names = list(expl.feature_names)
    data = np.asarray(expl.data, dtype=np.float32)
    keep, rest = strongest(mean_abs_shap(values).T)  # shap's layout: (rows, features, classes)
    if len(rest):
        values = _kept_and_summed(values, keep, axis=1)
        data = np.column_stack([data[:, keep], np.full(len(data), np.nan, dtype=np.float32)])
        names = [names[j] for j in keep] + [other_name(len(rest))]
    with atomic_open(path, "wb") as handle:
        np.savez_compressed(
            handle,
            values=values.astype(np.float32),
            base_values=np.asarray(expl.base_values, dtype=np.float64),
            data=data,
            feature_names=np.array(names, dtype=str),
            output_names=np.array(expl.output_names or [], dtype=str),
            instance_names=np.array(expl.instance_names, dtype=str),
            info=np.array(json.dumps(info, default=str)),
        )


def load(run_dir: str | Path, entry: str, level: str = "features") -> shap.Explanation:
    """The saved explanation of ``entry`` in ``run_dir``: ``level="features"`` (every entry)
    or ``"models"`` (ensembles: which base model drove them). ``explanation_info(...)`` gives
    the explainer, the output's units and how it was approximated."""
    import shap  # deferred: importing shap takes seconds

    with np.load(_path(Path(run_dir), entry, level), allow_pickle=False) as saved:
        outputs = saved["output_names"].tolist()
        return shap.Explanation(
            values=saved["values"],
            base_values=saved["base_values"],
            data=saved["data"],
            feature_names=saved["feature_names"].tolist(),
            output_names=outputs or None,
            instance_names=saved["instance_names"].tolist(),
        )


def explanation_info(run_dir: str | Path, entry: str, level: str = "features") -> dict[str, Any]:
    with np.load(_path(Path(run_dir), entry, level), allow_pickle=False) as saved:
        return dict(json.loads(str(saved["info"])))


def _path(run_dir: Path, entry: str, level: str) -> Path:
    if level not in ("features", "models"):
        raise ValueError(f"level must be 'features' or 'models', got {level!r}")
    path = run_dir / FOLDER / (f"{entry}.npz" if level == "features" else f"{entry}.models.npz")
    if not path.exists():
        saved = sorted(p.name.removesuffix(".npz") for p in (run_dir / FOLDER).glob("*.npz"))
        raise FileNotFoundError(
            f"no {level} explanation of {entry!r} in {run_dir}: saved ones: "
            f"{', '.join(saved) or 'none'}"
        )
    return path
