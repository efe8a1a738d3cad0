"""podium's bottom layer: errors, atomic writes, hashing, registries, metrics, folds, deadlines,
the task and matrix types and cross-validation results. It imports no other podium package, so
every layer above (building blocks, competitions, the engine) can use it.
"""
