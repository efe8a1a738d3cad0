"""The feature cache's key follows the code: the modules that define a competition's functions and
the project modules they import, wherever they live (podium.sources); and --data-dir finds a
competition's files through symlinked folders, end to end."""

from __future__ import annotations

import logging
from pathlib import Path

import competitions
from competitions import COMPETITIONS, taobao
from podium.cli import main
from podium.featurize import input_fingerprint
from podium.plugins import load_plugin, unload_plugins
from podium.sources import source_files, spec_functions

QUICK = ("--preset", "quick", "--folds", "3", "--no-report", "--shap-rows", "0", "--no-progress")


def test_a_competition_s_sources_are_its_modules_and_the_project_modules_they_import():
    root = Path(competitions.__file__).parent.parent
    names = {str(p.relative_to(root)) for p in source_files(spec_functions(taobao.SPEC))}
    assert {"competitions/taobao.py", "competitions/taobao_features.py"} <= names
    assert {"competitions/taobao_sample.py", "competitions/spec.py", "features/base.py"} <= names
    assert not {"competitions/hotstar.py", "competitions/__init__.py"} & names
    assert all(name.split("/")[0] in ("competitions", "core", "features", "models",
                                      "submissions") for name in names)  # fmt: skip


def test_a_new_module_beside_taobao_leaves_its_cache_key():
    before = input_fingerprint(taobao.SPEC, "data")
    extra = Path(competitions.__file__).parent / "taobao_x.py"
    assert not extra.exists()
    try:
        extra.write_text('"""Not imported by taobao."""\n\nX = 1\n')
        assert input_fingerprint(taobao.SPEC, "data") == before
    finally:
        extra.unlink()


def test_a_plugin_s_key_follows_its_builder_and_not_its_neighbours(plugin_dir):
    load_plugin(plugin_dir / "coinflip.py")
    spec = COMPETITIONS.get("coinflip")
    names = {p.name for p in source_files(spec_functions(spec))}
    assert {"coinflip.py", "coinflip_features.py", "spec.py"} <= names
    assert "prior_model.py" not in names and not any("pandas" in n for n in names)
    before = input_fingerprint(spec, "data")
    (plugin_dir / "coinflip_x.py").write_text("X = 1\n")
    assert input_fingerprint(spec, "data") == before
    builder = plugin_dir / "coinflip_features.py"
    builder.write_text(builder.read_text() + "\n# edited\n")
    assert input_fingerprint(spec, "data") != before


def test_editing_a_plugin_s_feature_builder_rebuilds_its_cached_features(
    plugin_dir, tmp_path, caplog
):
    caplog.set_level(logging.INFO, logger="podium")
    plugin = str(plugin_dir / "coinflip.py")
    args = ["--comp", "coinflip", "--plugin", plugin, "--models", "logreg",
            "--out", str(tmp_path / "out"), *QUICK]  # fmt: skip

    def features_line() -> str:
        caplog.clear()
        assert main(args) == 0
        (line,) = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Features")]
        return line

    assert features_line().startswith("Features: 6 columns built in ")
    assert "read from the feature cache" in features_line()
    builder = plugin_dir / "coinflip_features.py"
    builder.write_text(
        builder.read_text().replace(
            'columns = [users["age"].to_numpy(float), ',
            'columns = [users["age"].to_numpy(float) ** 2, ',
        )
    )
    unload_plugins()  # a new process would import the edited module
    assert features_line().startswith("Features: 6 columns built in ")


def test_data_dir_through_symlinked_folders_runs_end_to_end(tmp_path, hotstar_dir, capsys):
    real = tmp_path / "elsewhere" / "download"
    real.parent.mkdir()
    hotstar_dir.rename(real)
    root = tmp_path / "data"
    (root / "nested").mkdir(parents=True)
    (root / "nested" / "link").symlink_to(real, target_is_directory=True)
    out = tmp_path / "out"
    code = main(["--comp", "hotstar", "--data-dir", str(root), "--models", "logreg",
                 "--out", str(out), *QUICK])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    (run_dir,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    summary = (run_dir / "run.json").read_text()
    assert '"synthetic": false' in summary and "link" in summary
