#!/usr/bin/env python
"""podium's command line. ``python run.py --help`` explains every option."""

import time

STARTED = time.monotonic()  # --time-budget counts from here, before the heavy imports

import sys  # noqa: E402

from core.cpus import set_passive_waiting  # noqa: E402

set_passive_waiting()  # before any OpenMP or BLAS runtime loads (numpy, LightGBM, XGBoost)

from podium.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(started=STARTED))
