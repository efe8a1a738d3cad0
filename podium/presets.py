"""Presets: what a run does when the user names only the competition.

Each preset is one frozen declaration of the choices a Kaggle competitor would otherwise make by
hand (which models, how long to tune them, how many rows to explain, whether to bag seeds), in
the spirit of AutoGluon's ``presets``. An option given explicitly on the command line (or to
:class:`~podium.options.RunOptions`) overrides the preset's value; :func:`apply_preset` fills in
the rest, once, and the run records the preset and every resolved value in ``options.json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from core.errors import ConfigError
from podium.options import RunOptions

BOOSTERS = ("lgbm", "xgb", "catboost")
# The scikit-learn baselines the best preset adds (models/classic.py).
BASELINES = ("rf", "knn", "svm", "mlp", "logreg-kbest", "logreg-pca")


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str  # one line, for --help and the README
    # None: the competition's own default models (spec.default_models).
    models: tuple[str, ...] | None
    # Whole-run wall-clock budget in seconds (imports, data, features, models, ensembles,
    # SHAP, report and files); None: no budget.
    time_budget: float | None
    tune: bool  # Optuna studies for every model with a search space
    shap_rows: int
    # shap's plots for the best this many explained entries (each costs a few seconds of
    # matplotlib); every explained entry still gets its table and saved explanation.
    shap_plots: int
    # Refit each booster's best trial with this many seeds and average them (1: no bagging).
    seed_bags: int


PRESETS: dict[str, Preset] = {
    preset.name: preset
    for preset in (
        Preset(
            name="quick",
            summary="the competition's default models with default parameters, no tuning: "
            "smoke runs and tests (about a minute on hotstar's sample)",
            models=None,
            time_budget=None,
            tune=False,
            shap_rows=1000,
            shap_plots=1,
            seed_bags=1,
        ),
        Preset(
            name="medium",
            summary="logistic regression, LightGBM, XGBoost and CatBoost tuned by Optuna "
            "within one 300 s budget for the whole run, then stacked, blended and "
            "greedy-selected, explained and reported",
            models=("logreg", *BOOSTERS),
            time_budget=300.0,
            tune=True,
            shap_rows=2000,
            shap_plots=4,
            seed_bags=1,
        ),
        Preset(
            name="best",
            summary="medium's models plus the scikit-learn baselines within a 1,800 s budget; "
            "each booster's best trial refitted with 3 seeds and averaged before the ensembles",
            models=("logreg", *BOOSTERS, *BASELINES),
            time_budget=1800.0,
            tune=True,
            shap_rows=2000,
            shap_plots=4,
            seed_bags=3,
        ),
    )
}
DEFAULT_PRESET = "medium"


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"--preset must be one of {', '.join(PRESETS)}, got {name!r}") from None


def apply_preset(options: RunOptions) -> RunOptions:
    """``options`` with every value it leaves open (None) taken from its preset.

    Explicit values win. ``--trials N`` without ``--time-budget`` turns the preset's budget off,
    so the trial count alone decides the run and the same seed gives the same bytes. Applying
    twice changes nothing (``preset_applied`` records that it was done).
    """
    if options.preset_applied:
        return options
    preset = get_preset(options.preset)
    time_budget = options.time_budget
    if time_budget is None and options.trials is None and preset.tune:
        time_budget = preset.time_budget
    return dataclasses.replace(
        options,
        models=options.models if options.models is not None else preset.models,
        time_budget=time_budget,
        shap_rows=options.shap_rows if options.shap_rows is not None else preset.shap_rows,
        shap_plots=options.shap_plots if options.shap_plots is not None else preset.shap_plots,
        seed_bags=options.seed_bags if options.seed_bags is not None else preset.seed_bags,
        preset_applied=True,
    )
