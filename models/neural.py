"""A multi-layer perceptron baseline (scikit-learn's MLPClassifier)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
from sklearn.metrics import log_loss
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import MaxAbsScaler

from models.base import Matrix, check_time, register_model
from models.classic import PipelineModel
from models.gbm import early_stopping_split

if TYPE_CHECKING:
    import optuna

# Choices for the search space: strings, because Optuna's categorical values must be scalars.
LAYER_CHOICES = ("64", "128", "256", "512", "128,64", "256,128", "512,256")


def hidden_layers(value: Any) -> tuple[int, ...]:
    """Layer widths from a tuple or list of ints, one int, or a string such as "256,128"."""
    if isinstance(value, str):
        parts: list[Any] = value.split(",")
    elif isinstance(value, int | np.integer):
        parts = [value]
    else:
        parts = list(value) if isinstance(value, tuple | list) else []
    try:
        widths = tuple(int(p) for p in parts)
        whole = all(float(p) == w for p, w in zip(parts, widths, strict=True))
    except (TypeError, ValueError):
        widths, whole = (), False
    if not widths or not whole or min(widths) < 1:
        raise ValueError(
            f"hidden_layers must be positive layer widths such as (256, 128) or '256,128', "
            f"got {value!r}"
        )
    return widths


class LossStoppedMLP(MLPClassifier):
    """MLPClassifier whose early stopping watches the log loss on a stratified holdout of
    ``validation_fraction`` of the rows, and which keeps the best epoch's weights.

    scikit-learn's own early stopping watches the holdout's accuracy, which on noisy or
    imbalanced labels is flat from the first epoch (the majority class), so it stops an
    untrained, badly calibrated network. Built with ``early_stopping=False``; ``fit`` trains
    one epoch at a time with ``partial_fit`` and checks podium's deadline after each.
    """

    coefs_: list[np.ndarray]
    intercepts_: list[np.ndarray]

    def fit(self, X: Matrix, y: np.ndarray, sample_weight: np.ndarray | None = None) -> Any:
        seed = int(self.random_state)
        fit_idx, stop_idx = early_stopping_split(y, self.validation_fraction, seed)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight)
        X_fit, y_fit, w_fit = X[fit_idx], y[fit_idx], weight[fit_idx]
        X_stop, y_stop, w_stop = X[stop_idx], y[stop_idx], weight[stop_idx]
        classes = np.unique(y)
        best, best_weights, stale, epochs = np.inf, None, 0, 0
        while epochs < self.max_iter and stale < self.n_iter_no_change:
            self.partial_fit(X_fit, y_fit, classes=classes, sample_weight=w_fit)
            epochs += 1
            proba = self.predict_proba(X_stop)
            loss = log_loss(y_stop, proba, labels=classes, sample_weight=w_stop)
            if loss < best - self.tol:
                best, stale = loss, 0
                best_weights = (
                    [c.copy() for c in self.coefs_],
                    [b.copy() for b in self.intercepts_],
                )
            else:
                stale += 1
            check_time()
        assert best_weights is not None
        self.coefs_, self.intercepts_ = best_weights
        self.n_iter_, self.best_validation_loss_ = epochs, best
        return self


@register_model
class MLPModel(PipelineModel):
    """Fully connected network (Adam, L2 penalty ``alpha``) on max-abs-scaled features, which
    stay sparse: the first layer multiplies the sparse rows directly.

    Early stopping holds out ``validation_fraction`` of the rows given to ``fit`` (stratified,
    drawn with the model's seed), so a CV fold's validation rows never stop it, and stops
    after ``n_iter_no_change`` epochs without a lower held-out log loss (see
    :class:`LossStoppedMLP`). Class weights: per-row weights, in the training loss and in the
    held-out loss (MLPClassifier takes ``sample_weight``).
    """

    name = "mlp"
    description = "multi-layer perceptron (scikit-learn, Adam), early-stopped on held-out log loss"

    DEFAULTS: ClassVar[dict[str, Any]] = {
        "hidden_layers": "256",
        "activation": "relu",
        "alpha": 1e-2,
        "learning_rate_init": 1e-3,
        "batch_size": 256,
        "max_iter": 200,
        "validation_fraction": 0.1,
        "n_iter_no_change": 5,
    }

    def _steps(self, params: dict[str, Any], X: Matrix, y: np.ndarray) -> list[Any]:
        network = LossStoppedMLP(
            hidden_layer_sizes=hidden_layers(params["hidden_layers"]),
            activation=str(params["activation"]),
            alpha=float(params["alpha"]),
            learning_rate_init=float(params["learning_rate_init"]),
            batch_size=int(params["batch_size"]),
            max_iter=int(params["max_iter"]),
            validation_fraction=float(params["validation_fraction"]),
            n_iter_no_change=int(params["n_iter_no_change"]),
            random_state=self.seed,
        )
        return [MaxAbsScaler(), network]

    @classmethod
    def search_space(cls, trial: optuna.trial.BaseTrial) -> dict[str, Any]:
        return {
            "hidden_layers": trial.suggest_categorical("hidden_layers", LAYER_CHOICES),
            "alpha": trial.suggest_float("alpha", 1e-6, 1.0, log=True),
            "learning_rate_init": trial.suggest_float("learning_rate_init", 1e-5, 1e-2, log=True),
            "batch_size": trial.suggest_categorical("batch_size", (64, 128, 256, 512)),
        }
