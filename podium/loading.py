"""Where a run's data comes from: the competition's real files, or its synthetic sample; and the
fingerprint of that data that keys the feature cache."""

from __future__ import annotations

import logging
from pathlib import Path

from competitions.files import find_files, present_files
from competitions.spec import CompetitionSpec, Dataset
from core.hashing import file_fingerprint, fingerprint, frame_fingerprint
from podium.options import RunOptions

log = logging.getLogger(__name__)

DATA_ROOT = Path("data")


def load_dataset(spec: CompetitionSpec, options: RunOptions) -> tuple[Dataset, str]:
    """Real files from ``--data-dir`` or ``data/<comp>/``, else the synthetic sample; with a
    fingerprint of the data: the files' bytes, or the sample's recipe."""
    folder = options.data_dir
    if folder is None and present_files(DATA_ROOT / spec.name, spec.files):
        folder = DATA_ROOT / spec.name
    if folder is not None:
        files = find_files(folder, spec.files)
        return spec.load(files), file_fingerprint(files.values())
    default_dir = DATA_ROOT / spec.name
    required = [f.name for f in spec.files if f.required]
    expected = (
        ", ".join(required[:-1]) + f" and {required[-1]}" if len(required) > 1 else required[0]
    )
    log.warning(
        "No data in %s/: running on podium's built-in synthetic %s sample (%s scale). "
        "To use the real files, put %s in %s/ or pass --data-dir PATH.",
        default_dir, spec.name, options.synthetic_scale, expected, default_dir,
    )  # fmt: skip
    recipe = fingerprint("synthetic", spec.name, options.synthetic_scale, options.seed)
    return spec.synthesize(options.synthetic_scale, options.seed), recipe


def dataset_fingerprint(dataset: Dataset) -> str:
    """A content hash of a data set handed to :func:`run` directly (tests, benchmarks)."""
    return fingerprint(
        frame_fingerprint(dataset.train, dataset.test, *dataset.tables.values()),
        dataset.y, list(dataset.tables), dataset.classes,
    )  # fmt: skip
