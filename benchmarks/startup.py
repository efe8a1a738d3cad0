"""How fast does podium answer when it has nothing to compute? ``--help``, ``--list``, bad
options and an input error found at load time, each a whole ``run.py`` process (imports
included), best and median of ``--repeat`` runs.

    python benchmarks/startup.py
    python benchmarks/startup.py --repeat 10

Targets (issue 21): ``--help`` within 1 s, an input error within 3 s of start.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# A TalkingData folder whose training file has a header and no rows: refused at load time.
HEADER_ONLY = {
    "gender_age_train.csv": "device_id,gender,age,group\n",
    "gender_age_test.csv": "device_id\n900\n",
    "phone_brand_device_model.csv": "device_id,phone_brand,device_model\n900,vivo,Y13\n",
    "events.csv": "event_id,device_id,timestamp,longitude,latitude\n",
}


def timed(args: list[str], cwd: Path) -> tuple[float, int]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args], cwd=cwd, capture_output=True, text=True
    )
    return time.monotonic() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        data = folder / "talkingdata"
        data.mkdir()
        for name, text in HEADER_ONLY.items():
            (data / name).write_text(text, encoding="utf-8")
        cases = {
            "--help": ["--help"],
            "--list": ["--list"],
            "unknown --comp": ["--comp", "nosuch"],
            "missing --data-dir": ["--comp", "hotstar", "--data-dir", str(folder / "none")],
            "header-only training file": [
                "--comp", "talkingdata", "--data-dir", str(data), "--out", str(folder / "out"),
                "--preset", "quick", "--no-report", "--no-progress",
            ],
        }  # fmt: skip
        print(f"{'case':<28} {'exit':>4} {'best s':>7} {'median s':>9}")
        for name, case in cases.items():
            runs = [timed(case, folder) for _ in range(args.repeat)]
            seconds = [s for s, _ in runs]
            print(
                f"{name:<28} {runs[0][1]:>4} {min(seconds):>7.2f} "
                f"{statistics.median(seconds):>9.2f}"
            )


if __name__ == "__main__":
    main()
