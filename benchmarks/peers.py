"""podium's default preset against FLAML and AutoGluon on held-out splits nobody tuned to.

Each split holds out labelled rows of the real data in ``../shared/data`` and writes the rest in
the competition's own layout, so podium reads it exactly as it reads the real files:

- ClickStream: stratified 80/20 splits of the 700 labelled users (seeds 0, 1, 2), written as
  ``train/user_train.csv`` + ``train/session_train.csv`` and ``test/user_test.csv`` (with
  ``test_id``) + ``test/session_test.csv``; scored by macro F1 (mean of the three splits).
- TalkingData: 20% of the labelled devices (stratified, seed 0) as ``gender_age_test.csv``;
  the other tables as they are; scored by multiclass log loss.

podium runs as a user would (``run.py --comp C --data-dir SPLIT``, its default preset) and is
scored on its submission file. The peers get the feature matrix podium builds for the split
(its shared, label-free features; exported before they start, outside their clock) and the same
time budget: FLAML's ``time_budget`` and AutoGluon's ``time_limit`` with ``medium_quality``.
Wall time and peak RSS are each child process's own (``os.wait4``).

The peers live in their own virtual environments, never in podium's:

    python3 -m venv .peers/flaml && .peers/flaml/bin/pip install "flaml[automl]" pandas scipy
    python3 -m venv .peers/autogluon && .peers/autogluon/bin/pip install \\
        "autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3" "torch==2.13.0"

    python benchmarks/peers.py --comp clickstream --data-dir ../shared/data/clickstream
    python benchmarks/peers.py --comp talkingdata --data-dir ../shared/data/talkingdata \\
        --budget 300 --systems podium,flaml,autogluon --peers .peers

The table gives each system's held-out score per split, wall time and peak RSS; then podium's
paired difference against each peer (positive: podium better) with its standard error
(bootstrap over the held-out rows, 500 paired resamples per split); and whether podium's
reported CV score agrees with its held-out score within two standard errors.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score, log_loss
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from competitions import get_competition  # noqa: E402
from competitions.files import find_files  # noqa: E402

BOOTSTRAP = 500


@dataclass(frozen=True)
class Outcome:
    system: str
    split: str
    score: float
    se: float  # bootstrap standard error of the held-out score
    wall: float
    rss_mib: float
    per_boot: np.ndarray  # the score on each bootstrap resample (same resamples for all)
    cv: tuple[float, float, int] | None = None  # podium: shipped entry's CV mean, std, folds


# Splits in the competitions' own layouts.


def clickstream_splits(data: Path, work: Path, seeds: list[int]) -> list[Path]:
    users = pd.read_csv(
        data / "train" / "user_train.csv", sep=";", dtype=str, keep_default_na=False
    )
    sessions = pd.read_csv(data / "train" / "session_train.csv", dtype=str, keep_default_na=False)
    folders = []
    for seed in seeds:
        folder = work / f"clickstream-seed{seed}"
        folders.append(folder)
        if (folder / "truth.csv").exists():
            continue
        train, test = train_test_split(
            users, test_size=0.2, stratify=users["marketing_target"], random_state=seed
        )
        test = test.reset_index(drop=True)
        truth = pd.DataFrame(
            {"test_id": np.arange(1, len(test) + 1), "label": test["marketing_target"]}
        )
        test = test.drop(columns="marketing_target").assign(test_id=truth["test_id"].astype(str))
        for part, frame, name in (("train", train, "train"), ("test", test, "test")):
            (folder / part).mkdir(parents=True, exist_ok=True)
            frame.to_csv(folder / part / f"user_{name}.csv", sep=";", index=False)
            mine = sessions[sessions["user_id"].isin(frame["user_id"])]
            mine.to_csv(folder / part / f"session_{name}.csv", index=False)
        truth.to_csv(folder / "truth.csv", index=False)
    return folders


def talkingdata_split(data: Path, work: Path, seed: int = 0) -> list[Path]:
    folder = work / f"talkingdata-seed{seed}"
    if (folder / "truth.csv").exists():
        return [folder]
    files = find_files(data, get_competition("talkingdata").files)
    labelled = pd.read_csv(files["gender_age_train.csv"], dtype=str, keep_default_na=False)
    train, test = train_test_split(
        labelled, test_size=0.2, stratify=labelled["group"], random_state=seed
    )
    folder.mkdir(parents=True, exist_ok=True)
    train.to_csv(folder / "gender_age_train.csv", index=False)
    test[["device_id"]].to_csv(folder / "gender_age_test.csv", index=False)
    for name, path in files.items():
        if not name.startswith("gender_age"):
            shutil.copyfile(path, folder / path.name)
    test[["device_id", "group"]].rename(columns={"group": "label"}).to_csv(
        folder / "truth.csv", index=False
    )
    return [folder]


# Running the systems.


def timed(command: list[str]) -> tuple[float, float, str]:
    """Run ``command``; its wall seconds, its own peak RSS in MiB, and its stderr's tail."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    err = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise SystemExit(
            f"{' '.join(command[:4])}... failed ({process.returncode}):\n{err[-3000:]}"
        )
    return wall, usage.ru_maxrss / 1024, err


def run_podium(
    comp: str, split: Path, budget: float, extra: list[str]
) -> tuple[Path, float, float]:
    out = split / "podium-runs"
    shutil.rmtree(out, ignore_errors=True)
    command = [
        sys.executable, str(ROOT / "run.py"), "--comp", comp, "--data-dir", str(split),
        "--out", str(out), "--time-budget", str(budget), "--no-progress", *extra,
    ]  # fmt: skip
    wall, rss, _ = timed(command)
    (folder,) = [p for p in out.iterdir() if p.is_dir() and p.name not in ("tuning", ".cache")]
    return folder, wall, rss


def export_features(comp: str, split: Path) -> list[str]:
    """podium's shared feature matrix of the split for the peers; returns the class names."""
    spec = get_competition(comp)
    dataset = spec.load(find_files(split, spec.files))
    features = spec.build_features(dataset)
    parts = {}
    for prefix, X in (("X_train", features.X_train), ("X_test", features.X_test)):
        X = X.tocsr()
        parts |= {
            f"{prefix}_data": X.data, f"{prefix}_indices": X.indices,
            f"{prefix}_indptr": X.indptr, f"{prefix}_shape": np.asarray(X.shape),
        }  # fmt: skip
    np.savez(split / "features.npz", y=dataset.y, **parts)
    (split / "test_ids.json").write_text(json.dumps(dataset.test_ids))
    return list(dataset.classes)


def run_peer(system: str, python: Path, split: Path, budget: float, seed: int, metric: str):
    command = [str(python), str(ROOT / "benchmarks" / "peer_fit.py"), system, str(split)]
    wall, rss, _ = timed(command + [str(budget), str(seed), metric])
    return (
        np.load(split / f"{system}_proba.npy"),
        np.load(split / f"{system}_labels.npy"),
        wall,
        rss,
    )


# Scoring.


def podium_predictions(comp: str, folder: Path, classes: list[str], ids: list[str]):
    if comp == "clickstream":
        target = json.loads((folder / "predictions.json").read_text())["target"]
        labels = np.asarray([classes.index(str(target[i])) for i in ids])
        return None, labels
    frame = pd.read_csv(folder / "submission.csv", dtype={"device_id": str}).set_index("device_id")
    proba = frame.loc[ids, classes].to_numpy()
    return proba, proba.argmax(axis=1)


def scorer(comp: str, y: np.ndarray, n_classes: int):
    if comp == "clickstream":
        return lambda rows, proba, labels: f1_score(y[rows], labels[rows], average="macro")

    def score(rows: np.ndarray, proba: np.ndarray, labels: np.ndarray) -> float:
        # Rows as written (rounded to a few decimals) sum to 1 only nearly, and scikit-learn
        # warns on every resample; a competition's scorer renormalises them the same way.
        p = proba[rows]
        return log_loss(y[rows], p / p.sum(axis=1, keepdims=True), labels=range(n_classes))

    return score


def bootstrap(score, n: int, proba, labels, seed: int) -> tuple[float, float, np.ndarray]:
    rng = np.random.default_rng(seed)
    full = score(np.arange(n), proba, labels)
    boots = np.asarray([score(rng.integers(0, n, n), proba, labels) for _ in range(BOOTSTRAP)])
    return full, float(boots.std(ddof=1)), boots


def evaluate_split(args: argparse.Namespace, split: Path, seed: int) -> list[Outcome]:
    classes = export_features(args.comp, split)
    ids = json.loads((split / "test_ids.json").read_text())
    truth = pd.read_csv(split / "truth.csv", dtype=str).set_index(truth_key(args.comp))
    y = np.asarray([classes.index(v) for v in truth.loc[ids, "label"]])
    score = scorer(args.comp, y, len(classes))
    metric = "f1_macro" if args.comp == "clickstream" else "log_loss"
    outcomes = []
    for system in args.systems:
        if system == "podium":
            folder, wall, rss = run_podium(args.comp, split, args.budget, args.podium_args)
            proba, labels = podium_predictions(args.comp, folder, classes, ids)
            board = pd.read_csv(folder / "leaderboard.csv")
            shipped = board[board["shipped"]].iloc[0]
            folds = sum(c.startswith("fold_") for c in board.columns)
            cv = (float(shipped["cv_mean"]), float(shipped["cv_std"]), folds)
        else:
            python = args.peers / system / "bin" / "python"
            proba, labels, wall, rss = run_peer(system, python, split, args.budget, seed, metric)
            cv = None
        full, se, boots = bootstrap(score, len(y), proba, labels, seed=seed)
        outcome = Outcome(system, split.name, full, se, wall, rss, boots, cv)
        save(split, outcome, args.budget)
        outcomes.append(outcome)
        print(f"  {split.name} {system:10s} {full:.4f} ± {se:.4f}  {wall:6.0f} s  {rss:7.0f} MiB")
    return outcomes


def save(split: Path, outcome: Outcome, budget: float) -> None:
    """Each system's outcome on a split, kept so runs made at different times report together."""
    folder = split / "outcomes" / f"budget{budget:g}"
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / f"{outcome.system}_boot.npy", outcome.per_boot)
    fields = {k: v for k, v in outcome.__dict__.items() if k != "per_boot"}
    (folder / f"{outcome.system}.json").write_text(json.dumps(fields))


def saved(splits: list[Path], budget: float, systems: list[str]) -> list[Outcome]:
    outcomes = []
    for system in systems:
        for split in splits:
            folder = split / "outcomes" / f"budget{budget:g}"
            if not (folder / f"{system}.json").exists():
                continue
            fields = json.loads((folder / f"{system}.json").read_text())
            fields["cv"] = None if fields["cv"] is None else tuple(fields["cv"])
            boots = np.load(folder / f"{system}_boot.npy")
            outcomes.append(Outcome(**fields, per_boot=boots))
    return outcomes


def truth_key(comp: str) -> str:
    return "test_id" if comp == "clickstream" else "device_id"


def report(comp: str, outcomes: list[Outcome]) -> None:
    better = 1.0 if comp == "clickstream" else -1.0  # F1 higher, log loss lower is better
    name = "macro F1" if comp == "clickstream" else "log loss"
    print(f"\n{comp}: held-out {name} (± bootstrap SE), wall s, peak RSS MiB")
    print(
        "| system | "
        + " | ".join(sorted({o.split for o in outcomes}))
        + " | mean | wall s | peak RSS MiB |"
    )
    systems = list(dict.fromkeys(o.system for o in outcomes))
    for system in systems:
        mine = [o for o in outcomes if o.system == system]
        cells = " | ".join(f"{o.score:.4f} ± {o.se:.4f}" for o in mine)
        mean = np.mean([o.score for o in mine])
        print(
            f"| {system} | {cells} | {mean:.4f} | {np.mean([o.wall for o in mine]):.0f} | "
            f"{max(o.rss_mib for o in mine):.0f} |"
        )
    podium = [o for o in outcomes if o.system == "podium"]
    for system in systems if podium else []:
        if system == "podium":
            continue
        peer = {o.split: o for o in outcomes if o.system == system}
        pairs = [(o, peer[o.split]) for o in podium if o.split in peer]
        diffs = [better * (o.score - p.score) for o, p in pairs]
        ses = [np.std(better * (o.per_boot - p.per_boot), ddof=1) for o, p in pairs]
        se = float(np.sqrt(np.sum(np.square(ses)))) / len(ses)
        print(f"podium - {system} (positive: podium better): {np.mean(diffs):+.4f} ± {se:.4f} (SE)")
    for o in podium:
        assert o.cv is not None
        mean, std, folds = o.cv
        se = float(np.sqrt((std / np.sqrt(max(folds, 1))) ** 2 + o.se**2))
        agree = abs(mean - o.score) <= 2 * se
        print(
            f"podium CV vs held-out, {o.split}: CV {mean:.4f} ± {std:.4f} over {folds} folds, "
            f"held-out {o.score:.4f}; difference {o.score - mean:+.4f}, 2 SE = {2 * se:.4f}: "
            f"{'agree' if agree else 'DISAGREE'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--comp", choices=("clickstream", "talkingdata"), required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--work", type=Path, default=Path("/tmp/podium-peers"))
    parser.add_argument("--budget", type=float, default=300.0, help="seconds per system and split")
    parser.add_argument("--systems", default="podium,flaml,autogluon")
    parser.add_argument("--peers", type=Path, default=ROOT / ".peers", help="the peers' venvs")
    parser.add_argument("--seeds", default="0,1,2", help="clickstream split seeds")
    parser.add_argument("--podium-args", default="", help="extra run.py options, quoted")
    parser.add_argument(
        "--report-only", action="store_true", help="print the table from the saved outcomes"
    )
    args = parser.parse_args()
    args.systems = args.systems.split(",")
    args.podium_args = args.podium_args.split()
    seeds = [int(s) for s in args.seeds.split(",")]
    if args.comp == "clickstream":
        splits = clickstream_splits(args.data_dir, args.work, seeds)
    else:
        splits = talkingdata_split(args.data_dir, args.work)
        seeds = [0]
    if not args.report_only:
        for split, seed in zip(splits, seeds, strict=True):
            evaluate_split(args, split, seed)
    report(args.comp, saved(splits, args.budget, ["podium", "flaml", "autogluon"]))


if __name__ == "__main__":
    main()
