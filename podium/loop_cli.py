"""The competitor's loop on the command line: ``--download``, ``--drift-weights``, ``--submit``,
``--record RUN_ID --public S [--private S]`` and the scores beside ``--leaderboard``.

Kept out of :mod:`podium.cli` (which parses and runs); like it, this module is allowed to print.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from competitions import COMPETITIONS
from core.errors import ConfigError
from podium.loading import DATA_ROOT
from podium.validation import RUNS_ROOT


def add_loop_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "the competitor's loop",
        "fetch the data, check train/test drift, submit, and track CV against the leaderboard",
    )
    group.add_argument(
        "--download", action="store_true",
        help="with --comp: fetch the competition's files from its declared source into "
        "data/<comp>/ with the official kaggle client (pip install -e \".[kaggle]\"; needs "
        "~/.kaggle/kaggle.json or KAGGLE_USERNAME and KAGGLE_KEY), verify that every required "
        "file arrived, then move them in; data/<comp>/ is untouched on failure. A competition "
        "whose data is not on Kaggle says where it was published",
    )  # fmt: skip
    group.add_argument(
        "--drift-weights", action="store_true",
        help="weight every model's training rows by their estimated test-likeness p/(1-p), "
        "from the run's adversarial validation (a LightGBM classifier of training vs test "
        "rows, run in every supervised run), clipped and normalised; recorded in options.json "
        "and run.json and shown by --leaderboard",
    )  # fmt: skip
    group.add_argument(
        "--submit", metavar="MESSAGE",
        help="with --comp: send a finished run's submission (the latest, or --run RUN_ID), "
        "validated again, to the Kaggle competition with this message (Kaggle competitions "
        "only; needs the kaggle client and credentials, as --download)",
    )  # fmt: skip
    group.add_argument(
        "--run", metavar="RUN_ID", help="the finished run --submit sends (default: the latest)"
    )
    group.add_argument(
        "--record", metavar="RUN_ID",
        help="with --comp and --public: store the leaderboard score(s) a run's submission got; "
        "--leaderboard then shows CV beside them and their rank correlation over the runs",
    )  # fmt: skip
    group.add_argument("--public", type=float, metavar="SCORE", help="public leaderboard score")
    group.add_argument(
        "--private", type=float, metavar="SCORE", help="private leaderboard score (optional)"
    )


def loop_command(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int | None:
    """Handle ``--download``, ``--record``, ``--submit`` and ``--leaderboard`` (then return the
    exit status), or return None for a normal run."""
    area = args.out or RUNS_ROOT / args.comp
    if args.public is not None or args.private is not None:
        if not args.record:
            parser.error("--public and --private go with --record RUN_ID")
    if args.record:
        if args.public is None:
            parser.error("--record RUN_ID needs --public SCORE (and optionally --private SCORE)")
        COMPETITIONS.get(args.comp)
        from podium.scores import record

        path = record(area, args.record, args.public, args.private)
        private = "" if args.private is None else f", private {args.private:g}"
        print(f"Recorded public {args.public:g}{private} for run {args.record} ({path})")
        return 0
    if args.download:
        return _download(args.comp)
    if args.submit is not None:
        return _submit(args.comp, area, args.run, args.submit)
    if args.leaderboard:
        COMPETITIONS.get(args.comp)  # an unknown name fails with the known ones
        from podium.present import present_history
        from podium.scores import present_scores

        print(present_history(args.comp, area))
        scores = present_scores(area, args.comp)
        if scores:
            print("\n" + scores)
        page = _history_report(area, args.comp)
        if page is not None:
            print(f"History report (CV against the leaderboard): {page}")
        return 0
    return None


def _history_report(area: Path, comp: str) -> Path | None:
    from podium.history_report import write_history_report
    from podium.scores import scores_history

    return write_history_report(area, comp, scores_history(area, comp))


def _download(comp: str) -> int:
    from podium.download import download  # deferred: only when asked

    spec = COMPETITIONS.get(comp)
    done = download(spec, DATA_ROOT)
    print(
        f"Downloaded {len(done.files)} file(s) of {comp} into {done.folder}/ "
        f"({', '.join(done.found)} found); run python run.py --comp {comp}"
    )
    return 0


def _submit(comp: str, area: Path, run_id: str | None, message: str) -> int:
    from podium import kaggle_client
    from podium.scores import run_folder, submission_file

    spec = COMPETITIONS.get(comp)
    if not spec.source.submittable:
        raise ConfigError(
            f"--submit: {comp} is not a Kaggle competition, so there is nowhere to submit; its "
            f"data's source: {spec.source.describe()}"
        )
    if not message.strip():
        raise ConfigError("--submit needs a non-empty message")
    if run_id is None:
        finished = sorted(area.glob("*/run.json"), key=lambda p: (p.stat().st_mtime, p.name))
        if not finished:
            raise ConfigError(f"--submit: no finished run of {comp} under {area}/ yet")
        run_id = finished[-1].parent.name
    path = submission_file(spec, run_folder(area, run_id))
    api = kaggle_client.kaggle_api()
    try:
        api.competition_submit(str(path), message, spec.source.ref, quiet=False)
    except Exception as error:  # the client's HTTP and network errors have no common base
        raise ConfigError(f"--submit: Kaggle refused or could not take {path}: {error}") from None
    print(
        f"Submitted {path} to {spec.source.ref} ({message!r}). When its score appears, record "
        f"it: python run.py --comp {comp} --record {run_id} --public SCORE"
    )
    return 0
