"""TalkingData benchmark: load seconds, feature seconds, fit seconds per model, peak RSS.

    python benchmarks/talkingdata.py --synthetic-scale full
    python benchmarks/talkingdata.py --data-dir ../shared/data/talkingdata   # the real subset

The synthetic sample is generated in a child process and written as the Kaggle CSV files, so
this process measures what a user with the real files runs: reading and cleaning the CSVs,
building the sparse features and cross-validating. Peak RSS is this process's.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
from common import cv_report, generate_in_child, peak_rss_gib

from competitions import talkingdata
from competitions.files import find_files
from competitions.talkingdata_sample import generate_scale


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="full")
    parser.add_argument("--data-dir", type=Path, help="benchmark these files instead")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--models", default="logreg,lgbm")
    parser.add_argument("--work-dir", type=Path, help="keep the generated files here")
    parser.add_argument("--write-sample", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.write_sample:
        sample = generate_scale(args.synthetic_scale, args.seed)
        talkingdata.TABLES.write(sample.tables, args.write_sample)
        np.save(args.write_sample / "truth.npy", sample.p_train)
        return

    truth = None
    folder = args.data_dir
    if folder is None:
        folder = args.work_dir or Path(tempfile.mkdtemp(prefix="podium-bench-"))
        if not (folder / "truth.npy").exists():
            generate_in_child(__file__, folder, args.synthetic_scale, args.seed)
        truth = np.load(folder / "truth.npy")
    sizes = {p.name: p.stat().st_size / 1024**2 for p in folder.rglob("*.csv")}
    print("files:", ", ".join(f"{name} {mb:.0f} MiB" for name, mb in sorted(sizes.items())))

    started = time.perf_counter()
    dataset = talkingdata.load(find_files(folder, talkingdata.FILES))
    load_s = time.perf_counter() - started
    print(f"load: {load_s:.1f} s, peak RSS so far {peak_rss_gib():.2f} GiB")
    started = time.perf_counter()
    features = talkingdata.build_features(dataset)
    feature_s = time.perf_counter() - started
    print(
        f"features: {feature_s:.1f} s, {features.n_features:,} columns, "
        f"load + features {load_s + feature_s:.1f} s, peak RSS so far {peak_rss_gib():.2f} GiB"
    )
    cv_report(
        talkingdata.SPEC, dataset, features, args.models.split(","),
        folds=args.folds, seed=args.seed, truth=truth,
    )  # fmt: skip
    print(f"peak RSS: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
