"""Hotstar benchmark: parse-and-feature time, fit time per model, peak RSS, CV AUC vs oracle.

    python benchmarks/hotstar.py --synthetic-scale full

The synthetic sample is generated in a child process and written as real ``train_data.json`` /
``test_data.json`` files, so this process measures what a user with the real files would run:
reading the JSON, parsing ``key:seconds`` fields, building features and cross-validating.
Peak RSS is this process's (the generator's memory is not counted).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
from common import cv_report, generate_in_child, peak_rss_gib

from competitions import hotstar
from competitions.files import find_files


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
        dataset = hotstar.synthesize(args.synthetic_scale, args.seed)
        hotstar.write_files(dataset, args.write_sample)
        np.save(args.write_sample / "truth.npy", dataset.truth)
        return

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="podium-bench-"))
    if not (work / "truth.npy").exists():
        generate_in_child(__file__, work, args.synthetic_scale, args.seed)
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
    cv_report(
        hotstar.SPEC, dataset, features, args.models.split(","),
        folds=args.folds, seed=args.seed, truth=np.load(work / "truth.npy"),
    )  # fmt: skip
    print(f"peak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
