from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from competitions import hotstar
from competitions.spec import Dataset
from podium.plugins import unload_plugins


@pytest.fixture(scope="session")
def tiny_hotstar() -> Dataset:
    """A small synthetic Hotstar data set (fixed seed), shared read-only by the tests."""
    return hotstar.synthetic_dataset(1500, 500, seed=3)


@pytest.fixture
def hotstar_dir(tmp_path: Path, tiny_hotstar: Dataset) -> Path:
    """The tiny sample written as real ``train_data.json`` / ``test_data.json`` files."""
    folder = tmp_path / "hotstar_data"
    hotstar.write_files(tiny_hotstar, folder)
    return folder


@pytest.fixture
def plugin_dir(tmp_path: Path):
    """The test plugins (tests/plugins/), copied to a folder of their own; unloaded afterwards."""
    folder = tmp_path / "my_plugins"
    shutil.copytree(Path(__file__).parent / "plugins", folder,
                    ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
    yield folder
    unload_plugins()
