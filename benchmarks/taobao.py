"""Taobao benchmark: a full-scale segmentation run's wall time and peak RSS.

    python benchmarks/taobao.py                          # the full-scale synthetic sample
    python benchmarks/taobao.py --synthetic-scale small --work-dir /tmp/taobao-small
    python benchmarks/taobao.py --data-dir ../shared/data/taobao   # real files, if you have them

The synthetic sample is generated in a child process and written as the three Tianchi CSV
files; then ``run.py --comp taobao --data-dir FOLDER`` runs in another child process, so the
figures are what a user with the real files gets: reading and cleaning the CSVs with polars,
the per-user features, the scaled matrix, KMeans and GMM for K = 2..10 with silhouettes, the
PCA and t-SNE views, profiles, plots and the report. The target is at most 5 minutes and
8 GiB on two cores.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, generate_in_child

from competitions import taobao
from competitions.files import find_files
from competitions.taobao_sample import generate_scale, write_tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic-scale", choices=("small", "full"), default="full")
    parser.add_argument("--data-dir", type=Path, help="benchmark these files instead")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--work-dir", type=Path, help="keep the generated files here")
    parser.add_argument("--write-sample", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.write_sample:
        write_tables(generate_scale(args.synthetic_scale, args.seed).tables, args.write_sample)
        return

    folder = args.data_dir
    if folder is None:
        folder = args.work_dir or Path(tempfile.mkdtemp(prefix="podium-bench-"))
        if not (folder / "raw_sample.csv").exists():
            generate_in_child(__file__, folder, args.synthetic_scale, args.seed)
    files = find_files(folder, taobao.FILES)
    print(
        "files:",
        ", ".join(f"{p.name} {p.stat().st_size / 1024**2:.0f} MiB" for p in files.values()),
    )

    # The whole segmentation run, exactly as a user types it, in a child process: wall time
    # and that child's peak RSS (the largest child's, from getrusage).
    out = Path(tempfile.mkdtemp(prefix="podium-taobao-runs-"))
    command = [sys.executable, str(ROOT / "run.py"), "--comp", "taobao"]
    command += ["--data-dir", str(folder), "--out", str(out), "--seed", str(args.seed)]
    command += ["--no-progress"]
    print("$", " ".join(command[1:]))
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    if done.returncode != 0:
        raise SystemExit(f"run.py failed ({done.returncode}):\n{done.stderr[-3000:]}")
    summary = json.loads(next(out.glob("*/run.json")).read_text())
    print(done.stderr[-4000:])
    print(done.stdout[-6000:])
    print(
        f"segmentation run: {wall:.1f} s wall, peak RSS {peak:.2f} GiB; "
        f"matrix {summary['n_features']} columns built in {summary['feature_seconds']:.1f} s; "
        f"target: at most 300 s and 8 GiB"
    )


if __name__ == "__main__":
    main()
