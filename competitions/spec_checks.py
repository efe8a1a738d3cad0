"""The checks a :class:`~competitions.spec.CompetitionSpec` runs on itself when it is built, so
a mistake in a declaration fails at import with a message naming the competition and the field,
not minutes into a run."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from core.errors import ConfigError
from core.metrics import METRICS

if TYPE_CHECKING:
    from competitions.spec import CompetitionSpec, SyntheticScale

SCALES: tuple[SyntheticScale, ...] = ("small", "full")

TASKS = ("binary", "multiclass", "segmentation")
CALLABLES = ("load", "synthesize", "build_features")
OPTIONAL_CALLABLES = ("subsets", "categoricals", "write_files")


def check_spec(spec: CompetitionSpec) -> None:
    """Raise a ConfigError naming the competition and the first field that is wrong."""
    if not isinstance(spec.name, str) or not spec.name.isidentifier():
        raise ConfigError(
            f"competition {spec.name!r}: name must be a Python identifier (letters, digits and "
            "underscores, not starting with a digit), e.g. 'taobao_ctr'"
        )
    fail = partial(_fail, spec)
    for field in ("title", "id_column"):
        if not isinstance(getattr(spec, field), str) or not getattr(spec, field):
            raise fail(field, "must be a non-empty string")
    if spec.task not in TASKS:
        raise fail("task", f"must be one of {', '.join(TASKS)}, got {spec.task!r}")
    if spec.task != "segmentation" and not spec.target:
        raise fail("target", "a supervised competition names its target column")
    _check_metric(spec)
    if not spec.files or not all(f.names and all(f.names) for f in spec.files):
        raise fail("files", "declare at least one DataFile, each with at least one file name")
    for field in CALLABLES:
        if not callable(getattr(spec, field)):
            raise fail(field, f"must be a function, got {getattr(spec, field)!r}")
    for field in OPTIONAL_CALLABLES:
        value = getattr(spec, field)
        if value is not None and not callable(value):
            raise fail(field, f"must be a function or None, got {value!r}")
    _check_sizes(spec)
    _check_models(spec)
    if spec.task == "segmentation" and spec.segmentation is None:
        raise fail("segmentation", "a segmentation competition declares how it segments")
    if spec.segmentation is not None:
        _check_clusters_metric(spec, spec.segmentation.metric)


def _fail(spec: CompetitionSpec, field: str, problem: str) -> ConfigError:
    return ConfigError(f"competition {spec.name!r}: {field}: {problem}")


def _check_metric(spec: CompetitionSpec) -> None:
    fail = partial(_fail, spec)
    if spec.metric not in METRICS:
        raise fail("metric", f"unknown metric {spec.metric!r}; known: {', '.join(METRICS)}")
    metric = METRICS.get(spec.metric)
    if spec.task not in metric.tasks:
        fitting = [n for n in METRICS if spec.task in METRICS.get(n).tasks]
        raise fail(
            "metric",
            f"{spec.metric} ({metric.description}) does not score a {spec.task} task; "
            f"use one of {', '.join(fitting)}",
        )


def _check_clusters_metric(spec: CompetitionSpec, name: str) -> None:
    """The segmentation's own metric (a supervised competition's ``--segment`` view is scored
    by it, not by the competition's metric) must score clusterings."""
    fitting = [n for n in METRICS if "segmentation" in METRICS.get(n).tasks]
    if name not in METRICS or "segmentation" not in METRICS.get(name).tasks:
        raise _fail(
            spec, "segmentation.metric",
            f"{name!r} does not score a clustering; use one of {', '.join(fitting)}",
        )  # fmt: skip


def _check_sizes(spec: CompetitionSpec) -> None:
    fail = partial(_fail, spec)
    missing = [s for s in SCALES if s not in spec.synthetic_sizes]
    if missing:
        raise fail(
            "synthetic_sizes",
            f"declare (train rows, test rows) for both scales, small and full; missing "
            f"{', '.join(missing)}",
        )
    for scale in SCALES:
        size = spec.synthetic_sizes[scale]
        if len(size) != 2 or not all(isinstance(n, int) and n >= 0 for n in size) or size[0] < 1:
            raise fail(
                "synthetic_sizes",
                f"{scale} must be (train rows, test rows), whole numbers with at least one "
                f"training row, got {size!r}",
            )


def _check_models(spec: CompetitionSpec) -> None:
    fail = partial(_fail, spec)
    from models import MODELS  # the package registers the built-in models

    if spec.task == "segmentation":
        if spec.default_models:
            raise fail("default_models", "a segmentation competition fits no models: leave empty")
        return
    if not spec.default_models:
        raise fail("default_models", "name at least one model, e.g. ('logreg', 'lgbm')")
    for name in (*spec.default_models, *spec.model_params):
        if name not in MODELS:
            field = "default_models" if name in spec.default_models else "model_params"
            raise fail(field, f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    for name, params in spec.model_params.items():
        known = MODELS.get(name).known_params()
        unknown = sorted(set(params) - set(known))
        if unknown:
            raise fail(
                "model_params",
                f"model {name!r} has no parameter {', '.join(map(repr, unknown))}; its "
                f"parameters are: {', '.join(known)}",
            )
