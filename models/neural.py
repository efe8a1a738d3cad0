"""A multi-layer perceptron baseline (scikit-learn's MLPClassifier)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from core.types import Matrix
from models.base import register_model
from models.classic import PipelineModel

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


@register_model
class MLPModel(PipelineModel):
    """Fully connected network (Adam, L2 penalty ``alpha``) on max-abs-scaled features, which
    stay sparse: the first layer multiplies the sparse rows directly.

    Early stopping holds out ``validation_fraction`` of the rows given to ``fit`` (stratified,
    drawn with the model's seed), so a CV fold's validation rows never stop it, and stops
    after ``n_iter_no_change`` epochs without a lower held-out log loss (see
    :class:`~models.mlp_network.LossStoppedMLP`). Class weights: per-row weights, in the
    training loss and in the held-out loss (MLPClassifier takes ``sample_weight``).
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
        from sklearn.preprocessing import MaxAbsScaler

        from models.mlp_network import LossStoppedMLP

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
