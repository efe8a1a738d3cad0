"""The command line: parses options, runs, and presents. The only place that prints."""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from competitions import COMPETITIONS
from core.errors import ConfigError, DiskFull, PodiumError, causes, disk_full
from models import MODELS
from podium.loading import DATA_ROOT
from podium.loop_cli import add_loop_options, loop_command
from podium.options import MAX_FOLDS, RunOptions
from podium.plugins import load_plugins
from podium.present import (
    list_competitions,
    present,
    present_cache,
    present_explanation,
    presets_help,
)
from podium.presets import DEFAULT_PRESET, PRESETS, apply_preset
from podium.stopping import Interrupted, Terminated, handle_stops
from podium.validation import RUNS_ROOT, resume_options, validate_options

EPILOG = """\
examples:
  python run.py --comp hotstar                           the medium preset: 5 minutes, tuned
  python run.py --comp hotstar --preset quick            defaults only, about a minute
  python run.py --comp hotstar --data-dir ~/hotstar      real train_data.json / test_data.json
  python run.py --comp hotstar --models lgbm --folds 10 --seed 7
  python run.py --comp talkingdata --time-budget 600     tune for 10 minutes in all
  python run.py --comp talkingdata --trials 20           20 trials per model, reproducible
  python run.py --comp hotstar --resume 20261122-101500  continue an interrupted run
  python run.py --comp hotstar --explain 20261122-101500 --id 42  why this user's prediction
  python run.py --list

presets (--preset; explicit options override their values):
{presets}

Without --data-dir, podium reads data/<comp>/; when that folder holds none of the
competition's files it runs on its built-in synthetic sample and says so.

Tuning: every model with a search space gets an Optuna study on the run's folds. Its first
trial is the model's defaults; the leaderboard shows both <model> (defaults) and
<model>-optuna (best trial). Every model's defaults run first, cheapest first; then each
next trial goes to the model with the lowest estimated cost for improvement, so a model that
stops improving yields its time to the others (tuning_schedule.csv lists every trial).
Studies live in runs/<comp>/tuning/studies.db unless --storage names another database;
processes on several machines given the same --storage URL and the same command share each
model's study.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run.py",
        description="podium: cross-validated models, a leaderboard and a submission file "
        "for a data-science competition.",
        epilog=EPILOG.format(presets=presets_help()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--comp", metavar="NAME",
        help=f"competition to run: {', '.join(COMPETITIONS.names())} (see --list)",
    )  # fmt: skip
    parser.add_argument(
        "--plugin", action="append", default=[], metavar="PATH",
        help="load a competition (a module defining SPEC) and/or models (classes decorated "
        "with @register_model) from the Python file PATH; repeatable; recorded for --resume",
    )  # fmt: skip
    parser.add_argument(
        "--list", action="store_true",
        help="list the competitions with their task, metric and whether real data was found",
    )  # fmt: skip
    parser.add_argument(
        "--leaderboard", action="store_true",
        help="with --comp: show the best entry of every earlier run of the competition (under "
        "runs/<comp>/ or --out DIR) and its change against the best earlier run on the same data",
    )  # fmt: skip
    parser.add_argument(
        "--preset", choices=tuple(PRESETS), default=DEFAULT_PRESET,
        help="what the run does unless told otherwise: quick (defaults, no tuning), medium "
        "(tuned boosters stacked within 300 s) or best (also the scikit-learn baselines and "
        f"seed bagging, 1,800 s); see below (default: {DEFAULT_PRESET})",
    )  # fmt: skip
    parser.add_argument(
        "--data-dir", type=Path, metavar="PATH",
        help=f"folder with the competition's files, directly or in sub-folders "
        f"(default: {DATA_ROOT}/<comp>/, else the synthetic sample)",
    )  # fmt: skip
    parser.add_argument(
        "--out", type=Path, metavar="DIR",
        help=f"write the run folder under DIR instead of {RUNS_ROOT}/<comp>/",
    )  # fmt: skip
    parser.add_argument(
        "--folds", type=int, default=5, metavar="K",
        help=f"number of cross-validation folds, 2..{MAX_FOLDS} (default: 5)",
    )  # fmt: skip
    parser.add_argument(
        "--seed", type=int, default=42, metavar="S",
        help="seed for folds, models and the synthetic sample; the same seed gives the same "
        "submission bytes (default: 42)",
    )  # fmt: skip
    parser.add_argument(
        "--models", metavar="A,B",
        help=f"comma-separated models to cross-validate, from: {', '.join(MODELS.names())} "
        "(default: the preset's; quick uses the competition's defaults)",
    )  # fmt: skip
    parser.add_argument(
        "--synthetic-scale", choices=("small", "full"), default="small",
        help="size of the synthetic sample when no real data is found: small for quick runs, "
        "full for the real competition's size (default: small)",
    )  # fmt: skip
    parser.add_argument(
        "--class-weight", choices=("auto", "none", "balanced"), default="auto",
        help="class weights for every model: balanced (each class weighs the same in total), "
        "none, or auto, the competition's own choice (default: auto)",
    )  # fmt: skip
    parser.add_argument(
        "--shap-rows", type=int, metavar="N",
        help="explain the tree models with SHAP on N sampled out-of-fold rows; 0 turns SHAP off "
        "(default: the preset's, 1000 for quick, else 2000)",
    )  # fmt: skip
    parser.add_argument(
        "--shap-plots", type=int, metavar="N",
        help="draw shap's plots (bar, beeswarm; dependence and waterfalls for the best) for the "
        "best N explained entries; 0 draws none, the tables and saved explanations are still "
        "written (default: the preset's, 1 for quick, else 4)",
    )  # fmt: skip
    parser.add_argument(
        "--shap-seconds", type=float, default=60.0, metavar="S",
        help="stop computing SHAP for a model after S seconds (default: 60)",
    )  # fmt: skip
    parser.add_argument(
        "--explain", metavar="RUN_ID",
        help="with --comp and --id: explain one user's prediction in the finished run RUN_ID "
        "(its shipped entry): the prediction, its largest SHAP contributions in words and a "
        "waterfall PNG in the run folder; training users by the fold model that did not see "
        "them, test users by every fold model, averaged",
    )  # fmt: skip
    parser.add_argument("--id", metavar="ID", help="the user (row ID) that --explain explains")
    parser.add_argument(
        "--time-budget", type=float, metavar="SECONDS",
        help="tune every model with Optuna and finish the whole run within SECONDS (+10%%), "
        "imports and data included; trials go to the models still improving, with a reserve "
        "for ensembles, SHAP and files (default: the preset's, 300 for medium, 1800 for best)",
    )  # fmt: skip
    parser.add_argument(
        "--trials", type=int, metavar="N",
        help="tune every model with Optuna until its study has N finished trials; alone, it "
        "replaces the preset's time budget, so the same seed and N give the same submission "
        "bytes",
    )  # fmt: skip
    parser.add_argument(
        "--seed-bags", type=int, metavar="N",
        help="refit each booster's best trial with N seeds and average them, on the same "
        "folds (default: the preset's, 3 for best, else 1: no bagging)",
    )  # fmt: skip
    parser.add_argument(
        "--jobs", type=int, metavar="N",
        help="processes podium may run at once: on large data the folds of a cross-validation "
        "fit in N worker processes, one thread each (default: the CPUs this process may use, "
        "from its affinity and cgroup quota)",
    )  # fmt: skip
    parser.add_argument(
        "--storage", metavar="URL",
        help="Optuna storage URL for the studies, e.g. sqlite:///studies.db or "
        "postgresql+psycopg://user:password@host/db (pip install -e '.[postgres]'); workers "
        "given the same URL share the studies (default: SQLite in runs/<comp>/tuning/)",
    )  # fmt: skip
    parser.add_argument(
        "--resume", metavar="RUN_ID",
        help="continue the interrupted run RUN_ID with its saved options, keeping its finished "
        "trials and folds (--time-budget, --trials and --storage may be given again)",
    )  # fmt: skip
    parser.add_argument(
        "--clusters", default="auto", metavar="METHODS",
        help="cluster-membership features: kmeans, gmm or kmeans,gmm (cluster id plus distances "
        "or posteriors), none, or auto, the competition's choice; fitted inside each fold on its "
        "training rows (default: auto)",
    )  # fmt: skip
    parser.add_argument(
        "--cluster-k", type=int, default=8, metavar="K",
        help="number of clusters for --clusters (default: 8)",
    )  # fmt: skip
    parser.add_argument(
        "--clusters-from", metavar="RUN_DIR",
        help="cluster features with the method and K that an earlier segmentation run of the "
        "same competition chose (its run folder, e.g. from --segment); still fitted inside "
        "each fold",
    )  # fmt: skip
    parser.add_argument(
        "--transductive-clusters", action="store_true",
        help="fit the clusters once on training and test rows together instead of inside each "
        "fold (no labels are used; logged)",
    )  # fmt: skip
    parser.add_argument(
        "--target-encoding", choices=("auto", "on", "off"), default="auto",
        help="out-of-fold target encoding of the competition's high-cardinality categoricals "
        "(e.g. TalkingData's device model); auto: the competition's choice (default: auto)",
    )  # fmt: skip
    parser.add_argument(
        "--segment", action="store_true",
        help="cluster the training rows instead of predicting: K chosen by silhouette (KMeans) "
        "or BIC (GMM), profiles, views and assignments.csv; talkingdata answers its demographic "
        "questions (segmentation competitions such as taobao and statso always segment)",
    )  # fmt: skip
    parser.add_argument(
        "--no-cache", action="store_true",
        help="build every feature matrix afresh instead of using the feature cache in "
        "runs/<comp>/.cache/ (or --out DIR/.cache/)",
    )  # fmt: skip
    parser.add_argument(
        "--cache-info", action="store_true",
        help="list the cached feature matrices (of --comp only, if given) with their sizes",
    )  # fmt: skip
    parser.add_argument(
        "--no-report", action="store_true", help="do not write the run's report.html"
    )
    parser.add_argument("--no-progress", action="store_true", help="do not show progress bars")
    parser.add_argument(
        "--debug", action="store_true", help="show full tracebacks and debug logging"
    )
    add_loop_options(parser)  # --download, --drift-weights, --submit, --record
    return parser


# Options a resumed run may change; the others come from the interrupted run.
RESUME_OVERRIDES = (
    "time_budget", "trials", "storage", "no_progress", "no_report", "no_cache", "jobs",
)  # fmt: skip


def main(argv: Sequence[str] | None = None, started: float | None = None) -> int:
    """``started`` (a :func:`time.monotonic` value) is when the process began: the time budget
    counts from it."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    for noisy in ("lightgbm", "matplotlib", "optuna"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        plugins = load_plugins(args.plugin)  # before any name is looked up
        if args.list:
            print(list_competitions())
            return 0
        if args.cache_info:
            print(present_cache(args.comp, args.out))
            return 0
        if not args.comp:
            parser.error("--comp NAME is required (or use --list or --cache-info)")
        if (code := loop_command(parser, args)) is not None:  # also --leaderboard
            return code
        if args.explain or args.id:
            return _explain(parser, args)
        options = _resumed(parser, args) if args.resume else apply_preset(_options(args, plugins))
        # A bad option fails here, in the first second: run() checks again, after importing
        # pandas, the models and the rest.
        validate_options(apply_preset(options))
        from tqdm.contrib.logging import logging_redirect_tqdm

        from podium.runner import run  # deferred: slow to import

        with handle_stops(), logging_redirect_tqdm():
            result = run(options, started=started)
        print(present(result))
        return 0
    except PodiumError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except Interrupted as stop:
        comp_options = f"--comp {args.comp}" + (f" --out {args.out}" if args.out else "")
        how = "terminated (SIGTERM)" if stop.terminated else "interrupted"
        print(
            f"{how}: run {stop.run_id} was not finished. Continue it with "
            f"python run.py {comp_options} --resume {stop.run_id}",
            file=sys.stderr,
        )
        return 143 if stop.terminated else 130
    except KeyboardInterrupt as stop:
        terminated = isinstance(stop, Terminated)
        how = "terminated (SIGTERM)" if terminated else "interrupted"
        print(f"{how}: nothing was written for this run", file=sys.stderr)
        return 143 if terminated else 130
    except Exception as error:  # input problems are PodiumErrors: anything else is a bug
        if args.debug:
            traceback.print_exc()
        if disk_full(error):  # raised by a library (pandas, the database) rather than podium
            full = DiskFull(_full_where(error, args))
            print(f"error: {full}", file=sys.stderr)
            return full.exit_code
        print(
            f"podium failed: {type(error).__name__}: {error}. This is a bug in podium, please "
            "report it with the output of the same command run with --debug. Nothing was "
            "written for this run.",
            file=sys.stderr,
        )
        return 1


def _full_where(error: BaseException, args: argparse.Namespace) -> str:
    """The place a full disk was found: the file the error names, else the run area."""
    for cause in causes(error):
        if isinstance(cause, OSError) and cause.filename:
            return str(cause.filename)
    area = args.out or RUNS_ROOT / (args.comp or "")
    return f"the disk of {area} (the run folder and the tuning database)"


def _explain(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not (args.explain and args.id):
        parser.error("--explain RUN_ID and --id ID go together")
    from podium.explain_one import explain_one  # deferred: loads data and models

    print(present_explanation(explain_one(args.comp, args.out, args.explain, args.id)))
    return 0


def _options(args: argparse.Namespace, plugins: tuple[str, ...]) -> RunOptions:
    return RunOptions(
        comp=args.comp,
        plugins=plugins,
        preset=args.preset,
        data_dir=args.data_dir,
        out=args.out,
        folds=args.folds,
        seed=args.seed,
        models=_split_models(args.models),
        synthetic_scale=args.synthetic_scale,
        class_weight=args.class_weight,
        progress=not args.no_progress,
        report=not args.no_report,
        shap_rows=args.shap_rows,
        shap_seconds=args.shap_seconds,
        shap_plots=args.shap_plots,
        time_budget=args.time_budget,
        trials=args.trials,
        storage=args.storage,
        cache=not args.no_cache,
        clusters=args.clusters,
        cluster_k=args.cluster_k,
        transductive_clusters=args.transductive_clusters,
        clusters_from=args.clusters_from,
        target_encoding=args.target_encoding,
        segment=args.segment,
        seed_bags=args.seed_bags,
        jobs=args.jobs,
        drift_weights=args.drift_weights,
    )


def _resumed(parser: argparse.ArgumentParser, args: argparse.Namespace) -> RunOptions:
    """The interrupted run's options; an option it fixed may not be given again."""
    fixed = [
        key
        for key, value in vars(args).items()
        if key not in (*RESUME_OVERRIDES, "comp", "out", "resume", "debug")
        and value != parser.get_default(key)
    ]
    if fixed:
        names = ", ".join("--" + key.replace("_", "-") for key in fixed)
        raise ConfigError(
            f"--resume continues a run with its own options: drop {names} (only --time-budget, "
            "--trials, --storage, --no-progress, --no-report and --no-cache may be given again)"
        )
    overrides: dict[str, object] = {}
    for key in ("time_budget", "trials", "storage"):
        if getattr(args, key) is not None:
            overrides[key] = getattr(args, key)
    if args.no_progress:
        overrides["progress"] = False
    if args.no_report:
        overrides["report"] = False
    if args.no_cache:
        overrides["cache"] = False
    if args.jobs is not None:
        overrides["jobs"] = args.jobs
    return resume_options(args.comp, args.out, args.resume, overrides)


def _split_models(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(name.strip() for name in value.split(",") if name.strip())
