"""Conformance checks for any competition, built in or plugin: ``check_competition(spec)``.

Like scikit-learn's ``check_estimator``: it runs the checks podium's own suite runs on every
registered competition, and raises :class:`ConformanceError` (an ``AssertionError``) naming the
competition and the check that failed::

    from podium.testing import check_competition
    from my_competition import SPEC

    def test_my_competition():
        check_competition(SPEC)

The checks, in order: the spec checks itself (:mod:`competitions.spec_checks`); its small
synthetic sample is a sane :class:`~competitions.spec.Dataset` of the declared size and the same
for the same seed; ``write_files`` (where declared) writes files that ``load`` reads back as the
same data; the features have one row per training and test row; and two tiny end-to-end runs
(preset quick, logreg, 3 folds, no report, no SHAP) write a submission its format accepts, with
the same bytes both times. It takes seconds on a small sample.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from competitions import COMPETITIONS
from competitions.files import find_files
from competitions.spec import CompetitionSpec, Dataset
from competitions.spec_checks import check_spec
from core.errors import SubmissionError
from features.base import FeatureSet

if TYPE_CHECKING:
    from podium.runner import RunResult


class ConformanceError(AssertionError):
    """A competition that fails one of :func:`check_competition`'s checks."""


@dataclass(frozen=True)
class CompetitionCheck:
    """What :func:`check_competition` checked, and its two runs with their submission."""

    name: str
    checks: tuple[str, ...]
    runs: tuple[RunResult, ...]
    submission: bytes


def check_competition(
    spec: CompetitionSpec, *, seed: int = 42, out: Path | None = None, runs: bool = True
) -> CompetitionCheck:
    """Run the shared conformance checks on ``spec``; raise :class:`ConformanceError` on the
    first that fails. ``out`` keeps the two runs' folders (``out/a``, ``out/b``; default: a
    temporary folder, removed); ``runs=False`` skips the end-to-end runs. A spec that is not
    registered is registered for the runs and removed again."""
    _check(spec, "spec", lambda: check_spec(spec))
    dataset = _check(spec, "synthesize", lambda: _synthetic(spec, seed))
    done = ["spec", "synthesize"]
    if spec.write_files is not None:
        _check(spec, "write_files", lambda: _round_trip(spec, dataset))
        done.append("write_files")
    _check(spec, "features", lambda: _features(spec, dataset))
    done.append("features")
    results: tuple[RunResult, ...] = ()
    submission = b""
    if runs:
        results, submission = _check(spec, "run", lambda: _runs(spec, dataset, seed, out))
        done.append("run")
    return CompetitionCheck(spec.name, tuple(done), results, submission)


def _check(spec: CompetitionSpec, what: str, body: Any) -> Any:
    try:
        return body()
    except (AssertionError, SubmissionError) as error:
        raise ConformanceError(f"check_competition({spec.name}): {what}: {error}") from error


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConformanceError(message)


def _synthetic(spec: CompetitionSpec, seed: int) -> Dataset:
    dataset = spec.synthesize("small", seed)
    _require(isinstance(dataset, Dataset), f"returned a {type(dataset).__name__}, not a Dataset")
    n_train, n_test = len(dataset.train), len(dataset.test)
    _require(
        (n_train, n_test) == tuple(spec.synthetic_sizes["small"]),
        f"{n_train} training and {n_test} test rows, but synthetic_sizes['small'] declares "
        f"{tuple(spec.synthetic_sizes['small'])}",
    )
    _require(dataset.synthetic, "the Dataset is not marked synthetic=True")
    shared = set(dataset.train_ids) & set(dataset.test_ids)
    _require(not shared, f"{len(shared)} IDs are both training and test rows")
    _labels(spec, dataset)
    if spec.folds.grouped or dataset.groups is not None:
        groups = dataset.groups
        _require(
            groups is not None and len(groups) == n_train,
            f"the fold scheme {spec.folds.kind!r} needs one group per training row",
        )
    again = spec.synthesize("small", seed)
    _require(
        dataset.train.equals(again.train)
        and dataset.test.equals(again.test)
        and np.array_equal(dataset.y, again.y)
        and list(dataset.tables) == list(again.tables)
        and all(dataset.tables[k].equals(again.tables[k]) for k in dataset.tables),
        f"two samples with seed {seed} differ: the sample must depend on the seed only",
    )
    return dataset


def _labels(spec: CompetitionSpec, dataset: Dataset) -> None:
    y, classes = np.asarray(dataset.y), dataset.classes
    if spec.task == "segmentation":
        _require(len(y) == 0 and not classes, "a segmentation data set has no labels or classes")
        return
    _require(
        y.ndim == 1 and np.issubdtype(y.dtype, np.integer),
        f"y must be a 1-D array of integer class codes, got {y.dtype} with shape {y.shape}",
    )
    _require(len(set(classes)) == len(classes) >= 2, f"classes {classes!r}: two or more, unique")
    _require(
        len(y) > 0 and y.min() >= 0 and y.max() < len(classes),
        f"labels must be codes in [0, {len(classes)})",
    )
    present = len(np.unique(y))
    if spec.task == "binary":
        _require(len(classes) == 2 and present == 2, "a binary sample needs both classes")
    _require(present >= 2, "the sample's training rows hold a single class")
    if dataset.truth is not None:
        truth = np.asarray(dataset.truth, dtype=np.float64)
        _require(
            len(truth) == len(y) and bool(np.all((truth >= 0) & (truth <= 1))),
            "truth must hold one probability (or row of class probabilities) per training row",
        )


def _round_trip(spec: CompetitionSpec, dataset: Dataset) -> None:
    assert spec.write_files is not None
    import pandas as pd

    with tempfile.TemporaryDirectory(prefix=f"podium-{spec.name}-") as folder:
        spec.write_files(dataset, Path(folder))
        loaded = spec.load(find_files(Path(folder), spec.files))
    for part in ("train", "test"):
        try:
            pd.testing.assert_frame_equal(
                getattr(loaded, part), getattr(dataset, part),
                check_dtype=False, check_index_type=False, check_categorical=False,
                check_exact=False,
            )  # fmt: skip
        except AssertionError as error:
            raise ConformanceError(
                f"the written files, loaded again, give another {part} frame: {error}"
            ) from None
    _require(
        loaded.classes == dataset.classes and np.array_equal(loaded.y, dataset.y),
        "the written files, loaded again, give other labels (y or classes)",
    )


def _features(spec: CompetitionSpec, dataset: Dataset) -> None:
    n_train, n_test = len(dataset.train), len(dataset.test)
    features = spec.build_features(dataset)
    _require(isinstance(features, FeatureSet), "build_features must return a FeatureSet")
    _require(
        features.X_train.shape[0] == n_train and features.X_test.shape[0] == n_test,
        f"build_features gave {features.X_train.shape[0]} training and "
        f"{features.X_test.shape[0]} test rows for {n_train} and {n_test}",
    )
    import scipy.sparse as sp

    for X in (features.X_train, features.X_test):
        values = X.data if sp.issparse(X) else np.asarray(X)
        _require(bool(np.isfinite(values).all()), "build_features gave NaN or infinite values")
    if spec.segmentation is not None:
        view, profile = spec.segmentation.build(dataset)
        _require(
            view.X_train.shape[0] == n_train and len(profile) == n_train,
            "segmentation.build must give one matrix row and one profile row per training row",
        )
    if spec.categoricals is not None:
        cat_train, cat_test = spec.categoricals(dataset)
        _require(
            len(cat_train) == n_train and len(cat_test) == n_test,
            "categoricals must give one row per training and test row",
        )
    if spec.subsets is not None:
        for name, rows in spec.subsets(dataset).items():
            rows = np.asarray(rows)
            _require(
                (rows.dtype == bool and len(rows) == n_train)
                or (rows.dtype != bool and (len(rows) == 0 or rows.max() < n_train)),
                f"subset {name!r} must select training rows",
            )


def _runs(
    spec: CompetitionSpec, dataset: Dataset, seed: int, out: Path | None
) -> tuple[tuple[RunResult, ...], bytes]:
    from podium.options import RunOptions
    from podium.runner import run  # deferred: imports the engine

    results = []
    with _registered(spec), _folder(out) as root:
        for attempt in ("a", "b"):
            options = RunOptions(
                comp=spec.name, preset="quick", out=root / attempt, folds=3, seed=seed,
                models=("logreg",), progress=False, report=False, shap_rows=0,
            )  # fmt: skip
            results.append(run(options, dataset=dataset))
        first, second = (r.submission.read_bytes() for r in results)
        _require(
            results[0].submission.name == spec.submission.filename,
            f"the run wrote {results[0].submission.name}, not {spec.submission.filename}",
        )
        _validate_submission(spec, dataset, results[0].submission)
    _require(first == second, "two runs with the same seed wrote different submission bytes")
    return tuple(results), first


def _validate_submission(spec: CompetitionSpec, dataset: Dataset, path: Path) -> None:
    """Read the written submission back and let its format validate it."""
    validate = getattr(spec.submission, "validate", None)
    _require(path.stat().st_size > 0, f"{path.name} is empty")
    if validate is None:
        return
    ids = dataset.train_ids if spec.task == "segmentation" else dataset.test_ids
    document: Any
    if path.suffix == ".json":
        document = json.loads(path.read_text(encoding="utf-8"))
    else:
        import pandas as pd

        id_column = getattr(spec.submission, "id_column", spec.id_column)
        document = pd.read_csv(path, dtype={id_column: str}, keep_default_na=False)
    validate(document, ids)


@contextmanager
def _registered(spec: CompetitionSpec) -> Iterator[None]:
    """``spec`` registered under its name for the runs (the runner looks competitions up)."""
    if spec.name in COMPETITIONS:
        _require(
            COMPETITIONS.get(spec.name) is spec,
            f"another competition is registered as {spec.name!r}",
        )
        yield
        return
    COMPETITIONS.add(spec.name, spec)
    try:
        yield
    finally:
        COMPETITIONS.remove(spec.name)


@contextmanager
def _folder(out: Path | None) -> Iterator[Path]:
    if out is not None:
        yield out
        return
    with tempfile.TemporaryDirectory(prefix="podium-check-") as folder:
        yield Path(folder)
