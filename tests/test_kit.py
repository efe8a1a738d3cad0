"""The competition kit: the one table reader, feature blocks, and every competition's synthetic
sample written as its real files and read back as the same data set."""

import numpy as np
import pandas as pd
import pytest

from competitions import COMPETITIONS
from competitions.kit import (
    Column,
    Table,
    Tables,
    counts,
    labelled_dataset,
    numeric,
    read_csv,
    read_polars,
    stack,
)
from core.errors import DataError

COLUMNS = (Column("id", "int", key=True), Column("name", "str"), Column("price", "float"))


@pytest.mark.parametrize("read", [read_csv, read_polars])
def test_a_file_without_header_is_read_in_declared_order(tmp_path, read):
    path = tmp_path / "items.csv"
    path.write_text("1;apple;2.5\n2;pear;\n")
    frame = read(path, COLUMNS, header=False)
    assert list(frame.columns) == ["id", "name", "price"]
    assert frame["id"].to_list() == [1, 2] and frame["name"].to_list() == ["apple", "pear"]
    assert np.isnan(frame["price"].to_numpy()[1])


@pytest.mark.parametrize(("read", "header", "line"), [
    (read_csv, True, 3), (read_csv, False, 2), (read_polars, True, 3), (read_polars, False, 2),
])  # fmt: skip
def test_a_bad_value_is_named_by_its_line_with_or_without_header(tmp_path, read, header, line):
    path = tmp_path / "items.csv"
    path.write_text(("id,name,price\n" if header else "") + "1,apple,2.5\n2,pear,cheap\n")
    with pytest.raises(DataError, match=rf"items\.csv: line {line}, column 'price': 'cheap'"):
        read(path, COLUMNS, header=header)


@pytest.mark.parametrize("read", [read_csv, read_polars])
def test_a_blank_where_none_may_be_is_an_error(tmp_path, read):
    path = tmp_path / "items.csv"
    path.write_text("id,name,price\n1,apple,2.5\n2,,1\n")
    columns = (*COLUMNS[:1], Column("name", "str", nullable=False), COLUMNS[2])
    with pytest.raises(DataError, match=r"line 3, column 'name' is empty \(1 such rows\)"):
        read(path, columns)


def test_tables_write_the_layout_and_read_it_back(tmp_path):
    tables = Tables((Table("users", COLUMNS, sep=";", folder="train"),))
    frame = pd.DataFrame({"id": [1, 2], "name": ["a", "b"], "price": [1.5, np.nan]})
    tables.write({"users": frame}, tmp_path)
    assert (tmp_path / "train" / "users.csv").read_text().splitlines()[0] == "id;name;price"
    raw, labels = tables.read({"users.csv": tmp_path / "train" / "users.csv"})
    pd.testing.assert_frame_equal(raw["users"], frame)
    assert labels == {"users": str(tmp_path / "train" / "users.csv")}


def test_blocks_learn_from_training_rows_only():
    train = pd.DataFrame({"user": [1, 1, 2, 3], "price": [10.0, np.nan, 0.0, 3.0]})
    test = pd.DataFrame({"user": [1, 4], "price": [np.nan, 5.0]})
    features = stack(
        numeric(train, test, ["price"], log=True, missing=-1.0),
        counts(train, test, ["user"]),
        counts(train, test, ["user"], share=True),
    )
    assert features.names == ("log_price", "user:count", "user:share")
    assert features.column("log_price") == pytest.approx([np.log1p(10), -1, 0, np.log1p(3)])
    assert features.column("user:count", "test").tolist() == [2, 0]  # 4 is in no training row
    assert features.column("user:share").tolist() == [0.5, 0.5, 0.25, 0.25]


def clicks(**columns):
    return pd.DataFrame({"id": [1, 2, 3], "user": [7, 7, 8], **columns})


def test_labelled_dataset_builds_labels_groups_and_ids():
    train, test = clicks(clk=[0, 1, 0]), clicks().assign(id=[4, 5, 6])
    dataset = labelled_dataset(
        train, test, id_column="id", target="clk", classes=(0, 1), groups="user", source="s"
    )
    assert dataset.y.tolist() == [0, 1, 0] and dataset.classes == ("0", "1")
    assert dataset.groups.tolist() == [7, 7, 8] and dataset.test_ids == ["4", "5", "6"]
    assert list(dataset.train.columns) == ["user"] and dataset.train.index.name == "id"


@pytest.mark.parametrize(("train", "test", "message"), [
    (clicks(clk=[0, 1, 2]), clicks().assign(id=[4, 5, 6]), r"train: line 4, column 'clk': 2 is"),
    (clicks(clk=[0, 1, 0]).assign(id=[1, 2, 1]), clicks(), r"train: line 4: id 1 appears twice"),
    (clicks(clk=[0, 1, 0]), clicks().assign(id=[9, 3, 8]), r"test: 1 values of id are also train"),
])  # fmt: skip
def test_labelled_dataset_refuses_bad_ids_and_labels(train, test, message):
    with pytest.raises(DataError, match=message):
        labelled_dataset(train, test, id_column="id", target="clk", classes=(0, 1), source="s")


@pytest.mark.slow
@pytest.mark.parametrize("name", COMPETITIONS.names())
def test_the_synthetic_sample_written_as_files_loads_as_the_same_data_set(tmp_path, name):
    from competitions.files import find_files

    spec = COMPETITIONS.get(name)
    assert spec.write_files is not None
    dataset = spec.synthesize("small", 5)
    spec.write_files(dataset, tmp_path)
    loaded = spec.load(find_files(tmp_path, spec.files))
    pd.testing.assert_frame_equal(loaded.train, dataset.train)
    pd.testing.assert_frame_equal(loaded.test, dataset.test)
    assert np.array_equal(loaded.y, dataset.y) and loaded.classes == dataset.classes
    assert loaded.tables.keys() == dataset.tables.keys()
    for key, table in dataset.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[key], table, obj=key)
