"""``--explain RUN_ID --id ID``: one user's prediction and the features behind it, from a finished
run's folder.

The run saved the fold models of its shipped entry (or of an ensemble's base models) in
``models/``. The features are rebuilt from the run's saved options (the feature cache makes this
quick) and the user's row is explained as the prediction was made: a training user by the fold
model that did not see it (its out-of-fold prediction), a test user by every fold model, their
explanations averaged as their predictions are. An ensemble's explanation is the weighted sum of
its base models' (see :mod:`podium.explain`); a seed bag's fold model is a
:class:`models.bag.SeedBag`, whose explanation is the mean of its seeds'. For multiclass the
predicted class is explained, through its raw score.
"""

from __future__ import annotations

import dataclasses
import json
import pickle
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax

from competitions import get_competition
from competitions.spec import Dataset
from core.atomic import write_bytes
from core.errors import ConfigError
from core.metrics import get_metric
from models.bag import SeedBag
from models.base import Model
from models.decision import TunedDecision
from podium import shap_plots
from podium.explain import Explained, to_explanation
from podium.featurize import Featurized, featurize
from podium.loading import load_dataset
from podium.options import RunOptions
from podium.plugins import load_plugins
from podium.shap_files import MODELS_FOLDER, safe_name
from podium.shapley import explain_model
from podium.validation import RUNS_ROOT

TOP = 10  # contributions listed in words


@dataclass(frozen=True)
class OneExplanation:
    """What ``--explain`` prints: the prediction, then the largest contributions."""

    run_dir: Path
    entry: str
    user_id: str
    split: str  # "train" or "test"
    how: str  # which models explain it
    predicted: str  # the prediction in words
    output: str  # what base + contributions add up to
    base: float
    total: float
    # The probability the explanation adds up to (of the explained class, for multiclass), and
    # why it may differ from the saved prediction ("" when it is the prediction).
    explained_p: float
    caveat: str
    top: tuple[tuple[str, float, float], ...]  # (feature, its value, contribution)
    waterfall: Path
    explained_class: str | None = None  # multiclass: the class explained, the predicted one
    n_classes: int = 2


def explain_one(comp: str, out: Path | None, run_id: str, user_id: str) -> OneExplanation:
    area = out if out is not None else RUNS_ROOT / comp
    run_dir = area / run_id
    _load_run_plugins(run_dir)
    spec = get_competition(comp)
    summary = _summary(run_dir, run_id, area)
    entry = str(summary["shipped"])
    saved = list(summary.get("explainable_models") or [])
    if not saved:
        raise ConfigError(
            f"--explain {run_id}: the run saved no fold models of its shipped entry {entry} to "
            "explain with (it ran with --shap-rows 0, or ran before podium saved them)"
        )
    options = _options(run_dir, comp, out)
    dataset, data_key = load_dataset(spec, options)
    ids = {"train": dataset.train_ids, "test": dataset.test_ids}
    split = next((name for name, known in ids.items() if user_id in known), None)
    if split is None:
        raise ConfigError(
            f"--explain {run_id} --id {user_id}: no training or test ID {user_id!r} in "
            f"{dataset.source} (IDs look like {', '.join(dataset.train_ids[:3])})"
        )
    row = ids[split].index(user_id)
    fold = _folds(run_dir, dataset)
    featurized = featurize(spec, options, dataset, data_key, fold, area)
    weights = {entry: 1.0} if entry in saved else dict(summary["ensemble_weights"][entry])
    models = {
        name: pickle.loads((run_dir / MODELS_FOLDER / f"{name}.pkl").read_bytes()) for name in saved
    }
    seconds = options.shap_seconds
    parts = [
        (float(weights.get(name, 0.0)), _explain_row(m, featurized, fold, split, row, seconds))
        for name, m in models.items()
    ]
    how, caveat, decided = _how(split, int(fold[row]), weights, models, str(summary["metric"]))
    one = _outcome(run_dir, entry, user_id, split, dataset, featurized, fold, row, parts, decided)
    return dataclasses.replace(one, how=how, caveat=caveat)


def _how(
    split: str, k: int, weights: dict[str, float], models: dict[str, list[Model]], metric: str
) -> tuple[str, str, bool]:
    """Which models explain the row, in words; why the probability the explanation adds up to
    may differ from the saved prediction ("" when it does not); whether the saved prediction
    is scaled by tuned class weights."""
    ensemble = len(weights) > 1
    how = (
        f"the fold-{k + 1} model{'s' if ensemble else ''}, which did not see this user "
        "(out of fold)"
        if split == "train"
        else "the average of the fold models' explanations, as the prediction averages them"
    )
    approximate = []
    if split == "test":
        approximate.append("the prediction averages the fold models' probabilities")
    if ensemble:
        how += f"; the weighted sum over the ensemble's {len(models)} explained models"
        approximate.append("the ensemble combines its models' probabilities")
        missing = sorted(m for m, w in weights.items() if float(w) > 0 and m not in models)
        if missing:  # a run from before podium saved seed bags' fold models
            how += f" ({', '.join(missing)} left out: the run saved no models of it)"
    for name, fitted in models.items():
        if isinstance(fitted[0], SeedBag):
            how += f"; {name}'s fold models are bags of {len(fitted[0].members)} seeds, averaged"
            approximate.append("a seed bag averages its seeds' probabilities")
    caveats = []
    # For F1 the probabilities are scaled by class weights tuned after the model (the +tuned
    # entries' TunedDecision; every ensemble of a label metric): the explanation is the model's.
    tuned = any(isinstance(fitted[0], TunedDecision) for fitted in models.values())
    decided = get_metric(metric).needs == "label" and (tuned or ensemble)
    if decided:
        caveats.append(f"before the class weights tuned for {metric}")
    if approximate:
        caveats.append("approximate: " + ", and ".join(dict.fromkeys(approximate)))
    return how, "; ".join(caveats), decided


def _summary(run_dir: Path, run_id: str, area: Path) -> dict:
    try:
        return dict(json.loads((run_dir / "run.json").read_text(encoding="utf-8")))
    except (OSError, ValueError):
        finished = sorted(p.parent.name for p in area.glob("*/run.json"))
        raise ConfigError(
            f"--explain {run_id}: no finished run of that name under {area}/ (runs there: "
            f"{', '.join(finished[-5:]) or 'none'})"
        ) from None


def _load_run_plugins(run_dir: Path) -> None:
    """The plugin files the run loaded (its competition or models may come from them)."""
    try:
        saved = json.loads((run_dir / "options.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # no such run: reported below
    load_plugins(saved.get("plugins") or ())


def _options(run_dir: Path, comp: str, out: Path | None) -> RunOptions:
    saved = json.loads((run_dir / "options.json").read_text(encoding="utf-8"))
    fields = {f.name for f in dataclasses.fields(RunOptions)}
    values = {k: v for k, v in saved.items() if k in fields}
    values["data_dir"] = None if values.get("data_dir") is None else Path(values["data_dir"])
    values["models"] = None if values.get("models") is None else tuple(values["models"])
    values["plugins"] = tuple(values.get("plugins") or ())
    return RunOptions(**{**values, "comp": comp, "out": out, "progress": False})


def _folds(run_dir: Path, dataset: Dataset) -> np.ndarray:
    import pandas as pd

    saved = pd.read_csv(run_dir / "folds.csv", dtype={"ID": str})
    if saved["ID"].tolist() != dataset.train_ids:
        raise ConfigError(
            f"--explain: the training data is not the data of run {run_dir.name} (its "
            "folds.csv lists other IDs): give the run's --data-dir"
        )
    return saved["fold"].to_numpy()


def _explain_row(
    models: list[Model], featurized: Featurized, fold: np.ndarray, split: str, row: int,
    seconds: float,
) -> Explained:  # fmt: skip
    """The row explained by the fold model that did not see it (training) or by every fold
    model, averaged (test)."""
    features, extra = featurized.features, featurized.fold_features
    folds = [int(fold[row])] if split == "train" else list(range(len(models)))
    values, bases = [], []
    for k in folds:
        X = features.X_train if split == "train" else features.X_test
        block = X[[row]]
        background = features.X_train[fold != k]
        if extra is not None:
            own = extra.train[k] if split == "train" else extra.test[k]
            block = sp.hstack([block, own[[row]]], format="csr")
            background = sp.hstack([background, extra.train[k][fold != k]], format="csr")
        done = explain_model(models[k], block, background, time.monotonic() + seconds, seed=k)
        if done is None:
            raise ConfigError(f"--explain: no explanation within --shap-seconds {seconds:g}")
        values.append(done.values[0])
        bases.append(done.base[0])
    return Explained(np.array([row]), np.mean(values, axis=0), np.mean(bases, axis=0), "", "")


def _outcome(
    run_dir: Path, entry: str, user_id: str, split: str, dataset: Dataset,
    featurized: Featurized, fold: np.ndarray, row: int, parts: list[tuple[float, Explained]],
    decided: bool,
) -> OneExplanation:  # fmt: skip
    total_weight = sum(w for w, _ in parts) or 1.0
    values = sum((w / total_weight) * e.values for w, e in parts)
    base = sum((w / total_weight) * e.base for w, e in parts)
    proba = _prediction(run_dir, entry, split, user_id, dataset)
    shown = featurized.shown(fold)
    X = shown.X_train if split == "train" else shown.X_test
    data = np.asarray(X[[row]].todense(), dtype=np.float32)
    multi = np.ndim(values) == 2
    k = int(np.argmax(proba)) if multi else 1  # the predicted (for F1, the submitted) class
    explained = Explained(np.array([row]), np.asarray(values)[None], np.asarray(base)[None], "", "")
    expl = to_explanation(explained, data, shown.names, dataset.classes, [user_id])
    one = expl[0, :, k] if multi else expl[0]
    totals = np.asarray(base) + np.asarray(values).sum(axis=-1)  # (classes,) or a scalar
    # Raw class scores give probabilities through a softmax over every class (log-probabilities
    # of the model-agnostic explainer too); log-odds through the logistic function.
    explained_p = float(softmax(totals)[k] if multi else expit(totals))
    weighted = " after its tuned class weights" if decided else ""
    if multi:
        predicted = f"class {dataset.classes[k]} (P = {proba[k]:.3f}{weighted})"
        output = f"raw score of class {dataset.classes[k]}"
    else:
        predicted = f"P({dataset.classes[1]}) = {float(proba[0]):.3f}{weighted}"
        output = "log-odds"
    caption = f"{entry}, {split} ID {user_id}: {predicted}"
    path = run_dir / f"waterfall_{safe_name(entry)}_id-{safe_name(user_id)}.png"
    write_bytes(path, shap_plots.waterfall(one, caption))
    contributions = np.asarray(one.values)
    order = np.argsort(-np.abs(contributions), kind="stable")[:TOP]
    top = tuple((shown.names[j], float(data[0, j]), float(contributions[j])) for j in order)
    base_value = float(np.asarray(one.base_values))
    return OneExplanation(
        run_dir, entry, user_id, split, "", predicted, output, base_value,
        base_value + float(contributions.sum()), explained_p, "", top, path,
        explained_class=dataset.classes[k] if multi else None, n_classes=len(dataset.classes),
    )  # fmt: skip


def _prediction(
    run_dir: Path, entry: str, split: str, user_id: str, dataset: Dataset
) -> np.ndarray:
    """The entry's saved prediction for the user: out-of-fold for training users, the
    submitted one for test users."""
    import polars as pl

    table = pl.read_csv(
        run_dir / ("oof_predictions.csv" if split == "train" else "test_predictions.csv"),
        schema_overrides={"ID": pl.Utf8}, infer_schema_length=0,
    )  # fmt: skip
    columns = [entry] if len(dataset.classes) == 2 else [f"{entry}:{c}" for c in dataset.classes]
    found = table.filter(pl.col("ID") == user_id).select(columns)
    return found.cast(pl.Float64).to_numpy()[0]
