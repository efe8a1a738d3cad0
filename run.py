#!/usr/bin/env python
"""podium's command line. ``python run.py --help`` explains every option."""

import sys

from podium.cli import main

if __name__ == "__main__":
    sys.exit(main())
