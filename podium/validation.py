"""Options checked before any work starts, and the options of an interrupted run to resume."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from competitions import get_competition
from competitions.spec import SYNTHETIC_SCALES, CompetitionSpec
from core.errors import ConfigError
from models import MODELS
from podium.featurize import check_options
from podium.options import MAX_FOLDS, MAX_SEED_BAGS, RunOptions
from podium.plugins import load_plugins
from podium.presets import get_preset

RUNS_ROOT = Path("runs")
PARTIAL = ".partial"  # suffix of a run's staging folder while it runs


def validate_options(options: RunOptions) -> CompetitionSpec:
    """Check every option before any work starts; return the competition's spec."""
    load_plugins(options.plugins)  # loaded already by the CLI; again for a direct run()
    spec = get_competition(options.comp)
    if not 2 <= options.folds <= MAX_FOLDS:
        raise ConfigError(f"--folds must be between 2 and {MAX_FOLDS}, got {options.folds}")
    get_preset(options.preset)
    if min(options.shap_rows or 0, options.shap_plots or 0, options.shap_seconds) < 0:
        raise ConfigError("--shap-rows, --shap-plots and --shap-seconds must not be negative")
    if options.seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {options.seed}")
    if options.synthetic_scale not in SYNTHETIC_SCALES:
        raise ConfigError(
            f"--synthetic-scale must be one of {', '.join(SYNTHETIC_SCALES)}, "
            f"got {options.synthetic_scale!r}"
        )
    if options.class_weight not in ("auto", "none", "balanced"):
        raise ConfigError(
            f"--class-weight must be auto, none or balanced, got {options.class_weight!r}"
        )
    if options.models is not None:
        if not options.models:
            raise ConfigError("--models needs at least one model name")
        for name in options.models:
            MODELS.get(name)  # raises a ConfigError listing the known models
        if len(set(options.models)) != len(options.models):
            raise ConfigError(f"--models lists a model twice: {','.join(options.models)}")
    if options.time_budget is not None and not options.time_budget > 0:
        raise ConfigError(
            f"--time-budget must be a positive number of seconds, got {options.time_budget:g}"
        )
    if options.seed_bags is not None and not 1 <= options.seed_bags <= MAX_SEED_BAGS:
        raise ConfigError(
            f"--seed-bags must be between 1 and {MAX_SEED_BAGS}, got {options.seed_bags}"
        )
    if options.jobs is not None and options.jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {options.jobs}")
    if options.trials is not None and options.trials < 1:
        raise ConfigError(f"--trials must be at least 1, got {options.trials}")
    if options.run_id is not None:
        stage = run_area(spec, options) / f".{options.run_id}{PARTIAL}"
        if not stage.is_dir():
            raise ConfigError(f"--resume {options.run_id}: no interrupted run at {stage}")
    if options.out is not None:
        _check_out(options.out)
    if options.data_dir is not None and not options.data_dir.is_dir():
        raise ConfigError(f"--data-dir {str(options.data_dir)!r} is not a folder")
    if options.segment and spec.segmentation is None:
        raise ConfigError(f"--segment: {spec.name} declares no segmentation")
    check_options(spec, options)
    return spec


def _check_out(out: Path) -> None:
    """--out must be a folder, or creatable as one: no file in the way."""
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                what = "is a file" if folder == out else f"lies inside {str(folder)!r}, a file"
                raise ConfigError(f"--out {str(out)!r} {what}, not a folder: name a folder")
            return


def run_area(spec: CompetitionSpec, options: RunOptions) -> Path:
    """The folder holding the competition's run folders and its default tuning storage."""
    return options.out if options.out is not None else RUNS_ROOT / spec.name


def resume_options(
    comp: str, out: Path | None, run_id: str, overrides: Mapping[str, Any]
) -> RunOptions:
    """The options of the interrupted run ``run_id``, with ``overrides`` applied; the run's
    plugin files are loaded again."""
    area = out if out is not None else RUNS_ROOT / comp
    if not area.is_dir():
        get_competition(comp)  # an unknown name fails with the known ones
    stage = area / f".{run_id}{PARTIAL}"
    if not stage.is_dir():
        if (area / run_id / "run.json").exists():
            raise ConfigError(f"--resume {run_id}: that run already finished ({area / run_id})")
        resumable = sorted(
            p.name[1 : -len(PARTIAL)] for p in area.glob(f".*{PARTIAL}") if p.is_dir()
        )
        listed = ", ".join(resumable) if resumable else "none"
        raise ConfigError(
            f"--resume {run_id}: no interrupted run of that name under {area}/ "
            f"(interrupted runs there: {listed})"
        )
    try:
        saved = json.loads((stage / "options.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"--resume {run_id}: cannot read {stage / 'options.json'}: {error}"
        ) from None
    plugins = load_plugins(saved.get("plugins") or ())
    get_competition(comp)  # an unknown name fails with the known ones
    fields = {f.name for f in dataclasses.fields(RunOptions)}
    values = {k: v for k, v in saved.items() if k in fields}
    values["plugins"] = plugins
    values.setdefault("preset_applied", True)  # runs from before presets: fully resolved
    values.update(overrides)
    if values.get("storage") and "***" in str(values["storage"]) and "storage" not in overrides:
        raise ConfigError(
            f"--resume {run_id}: the run's --storage URL had a password, which podium does not "
            "save: pass --storage again"
        )
    for key in ("data_dir", "out"):
        values[key] = None if values.get(key) is None else Path(values[key])
    values["models"] = None if values.get("models") is None else tuple(values["models"])
    values.update(comp=comp, out=out, run_id=run_id)
    return RunOptions(**values)
