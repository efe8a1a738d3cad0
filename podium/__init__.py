"""podium's engine: folds, metrics, cross-validation, run folders, leaderboard and the CLI.

The building blocks live in sibling packages (``competitions``, ``features``, ``models``,
``submissions``). This package keeps its ``__init__`` free of imports so that the building
blocks can use its low-level modules (errors, registry, atomic writes, metrics, folds)
without pulling in the runner.
"""

__version__ = "0.1.0"
