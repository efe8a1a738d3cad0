"""The model interface: a small template-method base class and the model registry.

Conventions (scikit-learn's): the constructor only stores parameters; ``fit`` does the common
checks and calls ``_fit``; fitted attributes end in ``_``. Predictions follow podium's
convention: P(positive) as a 1-D array for a binary task, an ``(n, k)`` array for multiclass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.deadlines import check_time
from core.errors import ConfigError
from core.registry import Registry
from core.types import Matrix, Task

if TYPE_CHECKING:
    import optuna


class Model(ABC):
    """Base class of every podium model."""

    name: ClassVar[str]
    description: ClassVar[str]
    _known_params: ClassVar[tuple[str, ...]]
    # Default parameters; ``params`` given to the constructor override them.
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    # Configurations tried right after the defaults when tuning under a time budget, before
    # the sampler's own: cheaper than or as cheap as the defaults (a higher learning rate,
    # smaller trees), so a short budget's first tuned trial is a real alternative rather than
    # a random point that may cost many times the defaults (AutoGluon ships such portfolios).
    PORTFOLIO: ClassVar[tuple[dict[str, Any], ...]] = ()
    # Whether the seed changes the fit enough for seed bagging to pay (row or column sampling).
    seed_sensitive: ClassVar[bool] = False
    # Parameters accepted beyond DEFAULTS, the search space and ``class_weight``, with no
    # default of their own (e.g. a thread count the model otherwise chooses itself).
    EXTRA_PARAMS: ClassVar[tuple[str, ...]] = ()
    # The row weights ``fit`` was given, while it runs (read through :meth:`sample_weight`).
    _row_weight: np.ndarray | None = None

    def __init__(self, *, task: Task, n_classes: int, seed: int = 0, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.known_params()))
        if unknown:
            raise ConfigError(
                f"model {getattr(self, 'name', type(self).__name__)!r} has no parameter "
                f"{', '.join(map(repr, unknown))}; its parameters are: "
                f"{', '.join(self.known_params())}"
            )
        self.task = task
        self.n_classes = n_classes
        self.seed = seed
        self.params = params

    def fit(self, X: Matrix, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Model:
        """Fit on ``X`` and ``y``; ``sample_weight`` (one non-negative weight per row, e.g.
        ``--drift-weights``) multiplies the class weights in every model that takes weights."""
        y = np.asarray(y)
        if X.shape[0] != len(y):
            raise ValueError(f"X has {X.shape[0]} rows but y has {len(y)}")
        if y.min() < 0 or y.max() >= self.n_classes:
            raise ValueError(f"labels must be integers in [0, {self.n_classes})")
        if sample_weight is not None:
            sample_weight = np.asarray(sample_weight, dtype=np.float64)
            if sample_weight.shape != y.shape or not np.all(np.isfinite(sample_weight)):
                raise ValueError(f"sample_weight must be {len(y)} finite weights, one per row")
            if sample_weight.min() < 0:
                raise ValueError("sample_weight must not be negative")
        self.n_features_in_ = X.shape[1]
        check_time()
        self._row_weight = sample_weight
        try:
            self._fit(X, y.astype(np.int64))
        finally:
            self._row_weight = None  # not kept with the fitted model
        check_time()
        return self

    def predict_proba(self, X: Matrix) -> np.ndarray:
        if not hasattr(self, "n_features_in_"):
            raise RuntimeError(f"{type(self).__name__} is not fitted yet: call fit first")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, the model was fitted on {self.n_features_in_}"
            )
        proba = np.asarray(self._predict_proba(X), dtype=np.float64)
        if self.task == "binary":
            return proba[:, 1] if proba.ndim == 2 else proba
        return proba

    @classmethod
    def known_params(cls) -> tuple[str, ...]:
        """The parameter names the model accepts: its DEFAULTS, the names its search space
        suggests, ``class_weight`` (every model's) and its EXTRA_PARAMS, sorted."""
        if "_known_params" not in cls.__dict__:
            trial = _NameTrial()
            searched = cls.search_space(trial) or {}  # type: ignore[arg-type]
            names = {*cls.DEFAULTS, *searched, *trial.names, *cls.EXTRA_PARAMS, "class_weight"}
            cls._known_params = tuple(sorted(names))
        return cls._known_params

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any] | None:
        """Parameters to try in one Optuna trial, or None for a model that is not tuned.

        Suggested names are the model's own parameter names, and its defaults lie inside the
        ranges, so the defaults can be enqueued as a study's first trial.
        """
        return None

    def explain(self, X: Matrix) -> tuple[np.ndarray, np.ndarray] | None:
        """Exact SHAP values of the rows of ``X`` in the model's raw (log-odds) space, from the
        model's own fast implementation, and the base value of each row: ``(n, features)`` and
        ``(n,)`` for a binary task, ``(n, classes, features)`` and ``(n, classes)`` for
        multiclass; base plus the sum of the values is the raw output. None where the model has
        none (the tree models have one; podium explains the others with the shap library)."""
        return None

    def linear_terms(self) -> tuple[np.ndarray, np.ndarray] | None:
        """For a model whose raw output is linear in the input features: coefficients
        ``(outputs, features)`` and intercepts ``(outputs,)`` (one output for a binary task, one
        per class for multiclass), so that ``X @ coef.T + intercept`` is the raw output. None
        for any other model."""
        return None

    @abstractmethod
    def _fit(self, X: Matrix, y: np.ndarray) -> None: ...

    @abstractmethod
    def _predict_proba(self, X: Matrix) -> np.ndarray: ...

    def sample_weight(self, y: np.ndarray) -> np.ndarray | None:
        """Per-row weights to fit with (inside ``_fit``): the class weights times the row
        weights ``fit`` was given, or None when there are neither."""
        weight = self.class_weights(y)
        rows = self._row_weight
        if rows is None:
            return weight
        return rows.copy() if weight is None else weight * rows

    def row_weight(self) -> np.ndarray | None:
        """The row weights ``fit`` was given (inside ``_fit``), for a model that passes class
        weights its own way or fits inner models on subsets of the rows."""
        return self._row_weight

    def class_weights(self, y: np.ndarray) -> np.ndarray | None:
        """Per-row weights for the ``class_weight`` parameter: None, or "balanced" (each class
        weighs as much in total, as in scikit-learn)."""
        mode = self.params.get("class_weight")
        if mode is None:
            return None
        if mode != "balanced":
            raise ValueError(f"class_weight must be None or 'balanced', got {mode!r}")
        counts = np.bincount(y, minlength=self.n_classes).astype(np.float64)
        per_class = len(y) / (self.n_classes * np.maximum(counts, 1))
        return np.asarray(per_class[y])

    def get_params(self) -> dict[str, Any]:
        return {"task": self.task, "n_classes": self.n_classes, "seed": self.seed, **self.params}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class _NameTrial:
    """Stands in for an Optuna trial to read the parameter names a search space suggests: each
    suggestion returns its lowest value (or first choice)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def suggest_float(self, name: str, low: float, high: float, **_: Any) -> float:
        self.names.append(name)
        return low

    def suggest_int(self, name: str, low: int, high: int, **_: Any) -> int:
        self.names.append(name)
        return low

    def suggest_categorical(self, name: str, choices: Any) -> Any:
        self.names.append(name)
        return choices[0]


def _adopt(name: str, loaded: object) -> type[Model] | None:
    """What a ``podium.models`` entry point loads: a Model class (registered if its import did
    not), or a module whose import registered its models."""
    if isinstance(loaded, type) and issubclass(loaded, Model):
        if loaded.name != name:
            raise ConfigError(
                f"the podium.models entry point {name!r} loads model {loaded.name!r}: give the "
                "entry point the model's name"
            )
        return loaded
    return None


# Models from other packages come through the ``podium.models`` entry-point group.
MODELS: Registry[type[Model]] = Registry("model", group="podium.models", adopt=_adopt)


def is_tunable(cls: type[Model]) -> bool:
    """Whether the model defines a search space (overrides :meth:`Model.search_space`)."""
    return cls.search_space.__func__ is not Model.search_space.__func__  # type: ignore[attr-defined]


def register_model(cls: type[Model]) -> type[Model]:
    """Class decorator: register a model class under its ``name``."""
    MODELS.add(cls.name, cls)
    return cls


def make_model(name: str, *, task: Task, n_classes: int, seed: int = 0, **params: Any) -> Model:
    return MODELS.get(name)(task=task, n_classes=n_classes, seed=seed, **params)
