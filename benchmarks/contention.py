"""Does podium keep its speed on a busy machine? The same run idle, then beside one busy
process per usable core (a plain Python loop this script starts and stops itself).

    python benchmarks/contention.py                                  # hotstar small sample
    python benchmarks/contention.py --comp talkingdata --data-dir ../shared/data/talkingdata
    python benchmarks/contention.py --env OMP_WAIT_POLICY=ACTIVE     # compare a setting

Each run is a whole ``run.py`` process (``--preset quick --models logreg,lgbm --shap-rows 0
--no-report`` unless ``--args`` says otherwise) in a fresh run area with the feature cache off,
so both runs do the same work. Fair sharing of the cores gives a ratio of about 2 (podium gets
half of each core); busy-waiting threads give much more.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.cpus import usable_cpus  # noqa: E402

DEFAULT_ARGS = "--preset quick --models logreg,lgbm --shap-rows 0 --no-report"


def spin(stop: multiprocessing.synchronize.Event) -> None:
    while not stop.is_set():
        for _ in range(100_000):
            pass


def timed_run(comp: str, extra: list[str], env: dict[str, str]) -> float:
    with tempfile.TemporaryDirectory() as out:
        command = [
            sys.executable, str(ROOT / "run.py"), "--comp", comp, "--out", out, "--no-cache",
            "--no-progress", *extra,
        ]  # fmt: skip
        started = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=env)
        wall = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"run failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comp", default="hotstar")
    parser.add_argument("--data-dir")
    parser.add_argument("--args", default=DEFAULT_ARGS, help="run.py options, quoted")
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE for the runs")
    parser.add_argument("--busy", type=int, help="busy processes (default: one per usable CPU)")
    args = parser.parse_args()
    extra = args.args.split() + (["--data-dir", args.data_dir] if args.data_dir else [])
    env = dict(os.environ, **dict(item.split("=", 1) for item in args.env))
    busy = args.busy or usable_cpus()
    print(f"{args.comp}: run.py {' '.join(extra)}; {usable_cpus()} usable CPUs; env {args.env}")
    idle = timed_run(args.comp, extra, env)
    print(f"idle: {idle:.1f} s")
    stop = multiprocessing.Event()
    loops = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(busy)]
    for loop in loops:
        loop.start()
    try:
        loaded = timed_run(args.comp, extra, env)
    finally:
        stop.set()
        for loop in loops:
            loop.join()
    print(f"beside {busy} busy process(es): {loaded:.1f} s")
    print(f"ratio: {loaded / idle:.2f}x (fair sharing: about {1 + busy / usable_cpus():.1f}x)")


if __name__ == "__main__":
    main()
