"""The competition kit: what a competition module is written against.

A competition declares its files and columns once (:class:`Tables` of :class:`Table` of
:class:`Column`), validates and cleans them in one ``prepare`` with the shared
:mod:`~competitions.kit.checks` (the common case, a training table and a table of rows to
predict keyed by one ID, is :func:`labelled_dataset`), makes a synthetic sample with
:class:`SyntheticSample`, and builds its features from :mod:`~competitions.kit.blocks`. Then
its :class:`~competitions.spec.CompetitionSpec` takes::

    files=TABLES.files, load=TABLES.loader(prepare, "Ad click files"),
    synthesize=SAMPLE.synthesize, synthetic_sizes=SAMPLE.synthetic_sizes,
    write_files=TABLES.write_files,

and ``load(find_files(folder, files))`` of ``write_files(synthesize(scale, seed), folder)``
is the same data set.
"""

from competitions.files import find_files, open_lines, read_bytes
from competitions.kit.blocks import Block, counts, numeric, one_hot, row_bags, split_rows, stack
from competitions.kit.checks import (
    check_values,
    class_codes,
    common_folder,
    dedupe,
    drop_unknown,
    line_of,
    refuse_overlap,
    refuse_repeats,
    require_values,
    show,
)
from competitions.kit.load import Prepare, Table, Tables, labelled_dataset
from competitions.kit.sample import PlainSample, Sample, SyntheticSample, write_with
from competitions.kit.tables import Column, read_csv, read_polars

__all__ = [
    "Block",
    "Column",
    "PlainSample",
    "Prepare",
    "Sample",
    "SyntheticSample",
    "Table",
    "Tables",
    "check_values",
    "class_codes",
    "common_folder",
    "counts",
    "dedupe",
    "drop_unknown",
    "find_files",
    "labelled_dataset",
    "line_of",
    "numeric",
    "one_hot",
    "open_lines",
    "read_bytes",
    "read_csv",
    "read_polars",
    "refuse_overlap",
    "refuse_repeats",
    "require_values",
    "row_bags",
    "show",
    "split_rows",
    "stack",
    "write_with",
]
