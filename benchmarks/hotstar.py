"""Hotstar benchmark: parse-and-feature time, fit time per model, peak RSS, CV AUC vs oracle.

    python benchmarks/hotstar.py --synthetic-scale full

The synthetic sample is generated in a child process and written as real ``train_data.json`` /
``test_data.json`` files, so this process measures what a user with the real files would run:
reading the JSON, parsing ``key:seconds`` fields, building features and cross-validating.
Peak RSS is this process's (the generator's memory is not counted).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from competitions import hotstar  # noqa: E402
from competitions.files import find_files  # noqa: E402
from models import make_model  # noqa: E402
from podium.cv import cross_validate  # noqa: E402
from podium.folds import make_folds  # noqa: E402
from podium.metrics import get_metric  # noqa: E402


def write_sample(folder: Path, scale: str, seed: int) -> None:
    dataset = hotstar.synthesize(scale, seed)  # type: ignore[arg-type]
    hotstar.write_files(dataset, folder)
    assert dataset.truth is not None
    np.save(folder / "truth.npy", dataset.truth)


def peak_rss_gib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # ru_maxrss is KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="full")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", default="logreg,lgbm")
    parser.add_argument("--work-dir", type=Path, help="keep the generated files here")
    parser.add_argument("--write-sample", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write_sample:
        write_sample(args.write_sample, args.synthetic_scale, args.seed)
        return

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="podium-bench-"))
    if not (work / "truth.npy").exists():
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--write-sample", str(work),
             "--synthetic-scale", args.synthetic_scale, "--seed", str(args.seed)],
            check=True,
        )  # fmt: skip
        print(f"generate + write JSON (child process): {time.perf_counter() - started:.1f} s")
    sizes = {p.name: p.stat().st_size / 1024**2 for p in work.glob("*.json")}
    print("files:", ", ".join(f"{name} {mb:.0f} MiB" for name, mb in sorted(sizes.items())))

    started = time.perf_counter()
    dataset = hotstar.load(find_files(work, hotstar.SPEC.files))
    load_s = time.perf_counter() - started
    features = hotstar.build_features(dataset)
    feature_s = time.perf_counter() - started
    users = len(dataset.train) + len(dataset.test)
    print(
        f"parse-and-feature: {feature_s:.1f} s for {users:,} users "
        f"(JSON read {load_s:.1f} s), {features.n_features:,} features, "
        f"peak RSS so far {peak_rss_gib():.2f} GiB"
    )

    truth = np.load(work / "truth.npy")
    metric = get_metric(hotstar.SPEC.metric)
    oracle = metric.score(dataset.y, truth)
    fold = make_folds(hotstar.SPEC.folds, dataset.y, args.folds, args.seed)
    oracle_folds = [metric.score(dataset.y[fold == k], truth[fold == k]) for k in range(args.folds)]
    print(f"oracle {metric.name}: {oracle:.4f} (mean over folds {np.mean(oracle_folds):.4f})")
    for name in args.models.split(","):

        def make(name: str = name):  # type: ignore[no-untyped-def]
            return make_model(name, task="binary", n_classes=2, seed=args.seed)

        result = cross_validate(
            name, make, features.X_train, dataset.y, features.X_test, fold, metric
        )
        gap = np.mean(oracle_folds) - result.cv_mean
        print(
            f"{name:8s} CV {metric.name} {result.cv_mean:.4f} ± {result.cv_std:.4f} "
            f"(oracle gap {gap:.4f}), fit {result.fit_seconds:.1f} s, "
            f"predict {result.predict_seconds:.1f} s, peak RSS so far {peak_rss_gib():.2f} GiB"
        )
    print(f"peak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
