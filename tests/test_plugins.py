"""Competitions and models from outside the package: --plugin files and entry points, their
errors, --list and --resume, and check_competition on a plugin competition."""

from __future__ import annotations

import json
import re
import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pandas as pd
import pytest

from competitions import COMPETITIONS
from core.errors import ConfigError
from models import MODELS
from podium.cli import main
from podium.plugins import load_plugin, loaded_plugins, unload_plugins
from podium.testing import check_competition
from podium.validation import resume_options

QUICK = ("--preset", "quick", "--folds", "3", "--no-report", "--shap-rows", "0", "--no-progress")


def test_a_plugin_competition_passes_check_competition(plugin_dir, tmp_path):
    load_plugin(plugin_dir / "coinflip.py")
    checked = check_competition(COMPETITIONS.get("coinflip"), out=tmp_path / "runs")
    assert checked.checks == ("spec", "synthesize", "write_files", "features", "run")
    submission = pd.read_csv(checked.runs[0].submission)
    assert list(submission.columns) == ["user", "clicked"] and len(submission) == 200
    assert checked.runs[0].leaderboard["cv_mean"].iloc[0] > 0.6  # the sample is learnable


def test_check_competition_names_the_competition_and_the_failed_check(plugin_dir):
    import dataclasses

    load_plugin(plugin_dir / "coinflip.py")
    spec = COMPETITIONS.get("coinflip")
    small = dataclasses.replace(spec, name="coinflip_sizes", synthetic_sizes={
        "small": (500, 200), "full": (6000, 2000)})  # fmt: skip
    with pytest.raises(
        AssertionError,
        match=r"check_competition\(coinflip_sizes\): synthesize: "
        r"600 training and 200 test rows, but .* declares \(500, 200\)",
    ):
        check_competition(small, runs=False)
    lossy = dataclasses.replace(spec, name="coinflip_lossy", write_files=lambda d, folder: (
        d.train.iloc[:-1].assign(clicked="no").to_csv(folder / "train.csv"),
        d.test.to_csv(folder / "test.csv")))  # fmt: skip
    with pytest.raises(
        AssertionError,
        match="write_files: the written files, loaded again, give another train frame",
    ):
        check_competition(lossy, runs=False)


def test_cli_runs_a_plugin_competition_with_a_plugin_model(plugin_dir, tmp_path, capsys):
    comp, model = str(plugin_dir / "coinflip.py"), str(plugin_dir / "prior_model.py")
    assert main(["--plugin", comp, "--list"]) == 0
    listed = capsys.readouterr().out
    assert re.search(r"\ncoinflip +binary +roc_auc", listed) and "hotstar" in listed
    out = tmp_path / "out"
    code = main(["--comp", "coinflip", "--plugin", comp, "--plugin", model,
                 "--models", "prior,logreg", "--out", str(out), *QUICK])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    (run_dir,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    options = json.loads((run_dir / "options.json").read_text())
    assert options["plugins"] == [str(Path(comp).resolve()), str(Path(model).resolve())]
    board = pd.read_csv(run_dir / "leaderboard.csv")
    assert {"prior", "logreg"} <= set(board["model"])
    assert board.set_index("model").loc["prior", "cv_mean"] == 0.5  # one constant prediction


def test_resume_loads_the_run_s_plugins_again(plugin_dir, tmp_path):
    comp = load_plugin(plugin_dir / "coinflip.py")
    unload_plugins()
    assert "coinflip" not in COMPETITIONS
    stage = tmp_path / "out" / ".20260101-000000.partial"
    stage.mkdir(parents=True)
    saved = {"comp": "coinflip", "preset": "quick", "plugins": [str(comp)], "folds": 3}
    (stage / "options.json").write_text(json.dumps(saved))
    options = resume_options("coinflip", tmp_path / "out", "20260101-000000", {})
    assert options.plugins == (str(comp),) and loaded_plugins() == (str(comp),)
    assert COMPETITIONS.get("coinflip").title.startswith("Coinflip")


def write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (None, "", "--plugin {path}: no such file. Give the path of a Python file"),
        (
            "empty.py",
            "X = 1\n",
            "--plugin {path}: it defines no SPEC and registers no model. A "
            "plugin is a Python file that defines SPEC",
        ),
        (
            "broken.py",
            "import math\n\nraise RuntimeError('boom')\n",
            "--plugin {path}: importing it failed \\(line 3\\): RuntimeError: boom. Fix the file",
        ),
        ("badspec.py", "SPEC = 'coinflip'\n", "SPEC is a str, not a CompetitionSpec"),
        ("json.py", "X = 1\n", "a module named 'json' is already imported .*; rename the"),
        ("this.py", "X = 1\n", "its name would hide the module 'this' .*; rename the plugin"),
        (
            "clash.py",
            "from coinflip import SPEC as _S\nimport dataclasses\n"
            "SPEC = dataclasses.replace(_S, name='hotstar')\n",
            "--plugin {path}: a competition named 'hotstar' is already registered .* give the new "
            "competition another name",
        ),
        (
            "twin.py",
            "from models.linear import LogisticModel\nfrom models.base import register_model\n"
            "\n\n@register_model\nclass Twin(LogisticModel):\n    name = 'logreg'\n",
            "importing it failed \\(line 5\\): ValueError: a model named 'logreg' is "
            "already registered",
        ),
        (
            "typo.py",
            "from coinflip import SPEC as _S\nimport dataclasses\n"
            "SPEC = dataclasses.replace(_S, name='typo', metric='auc')\n",
            "importing it failed \\(line 3\\): competition 'typo': metric: unknown metric 'auc'",
        ),
    ],
)
def test_a_bad_plugin_is_one_paragraph_naming_the_file(plugin_dir, capsys, name, text, message):
    path = str(plugin_dir / "missing.py") if name is None else write(plugin_dir, name, text)
    if name is not None and name.startswith(("clash", "typo")):
        load_plugin(plugin_dir / "coinflip.py")
    assert main(["--plugin", path, "--list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --plugin ")
    resolved = str(Path(path).resolve()) if name is not None else path
    assert re.search(message.replace("{path}", re.escape(resolved)), err), err
    assert "twin" not in loaded_plugins() and MODELS.get("logreg").__name__ == "LogisticModel"


def test_entry_points_are_imported_only_when_looked_up(plugin_dir, monkeypatch):
    monkeypatch.syspath_prepend(str(plugin_dir))
    points = [
        EntryPoint("coinflip", "coinflip:SPEC", "podium.competitions"),
        EntryPoint("broken", "no_such_module_here", "podium.competitions"),
        EntryPoint("prior", "prior_model", "podium.models"),
    ]
    monkeypatch.setattr(
        "importlib.metadata.entry_points",
        lambda group=None: [p for p in points if p.group == group],
    )
    try:
        assert {"coinflip", "broken"} <= set(COMPETITIONS.names()) and "prior" in MODELS.names()
        assert "coinflip" not in sys.modules and "prior_model" not in sys.modules
        assert COMPETITIONS.get("coinflip").name == "coinflip" and "prior_model" not in sys.modules
        assert MODELS.get("prior").name == "prior"
        with pytest.raises(
            ConfigError,
            match="the competition plugin entry point broken = "
            "no_such_module_here .* failed to import: ModuleNotFoundError",
        ):
            COMPETITIONS.load_all()
        points.append(EntryPoint("hotstar", "coinflip:SPEC", "podium.competitions"))
        points.pop(1)
        with pytest.raises(
            ConfigError,
            match="entry point hotstar = coinflip:SPEC .* has the "
            "name of a competition that is already registered.* rename",
        ):
            COMPETITIONS.load_all()
    finally:
        COMPETITIONS.remove("coinflip")
        MODELS.remove("prior")
        for module in ("coinflip", "coinflip_features", "prior_model"):
            sys.modules.pop(module, None)


def test_fold_workers_load_the_plugins_of_the_run(plugin_dir, tmp_path, monkeypatch, capsys):
    from core import cpus

    monkeypatch.setattr(cpus, "PARALLEL_FOLDS_ROWS", 100)  # the sample's 600 rows: workers
    comp, model = str(plugin_dir / "coinflip.py"), str(plugin_dir / "prior_model.py")
    code = main(["--comp", "coinflip", "--plugin", comp, "--plugin", model, "--jobs", "2",
                 "--models", "prior", "--out", str(tmp_path), *QUICK])  # fmt: skip
    assert code == 0, capsys.readouterr().err


def test_help_explains_plugin(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "--plugin PATH" in capsys.readouterr().out


def test_explain_loads_the_run_s_plugins_again(plugin_dir, tmp_path, capsys):
    out = tmp_path / "out"
    args = ["--comp", "coinflip", "--out", str(out)]
    quick = ("--preset", "quick", "--folds", "3", "--no-report", "--no-progress")
    code = main([*args, "--plugin", str(plugin_dir / "coinflip.py"), "--models", "logreg",
                 "--shap-rows", "200", "--shap-plots", "0", *quick])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    (run_dir,) = [p for p in out.iterdir() if not p.name.startswith(".")]
    unload_plugins()  # as in a new process
    assert main([*args, "--explain", run_dir.name, "--id", "u00600"]) == 0
    assert "u00600" in capsys.readouterr().out


GUIDE_EXAMPLE = Path(__file__).parents[1] / "docs" / "examples" / "taobao_ctr.py"


def test_the_guide_s_example_competition_is_short_and_conforms(tmp_path):
    """docs/new-competition.md's worked example: a new binary competition in at most 150 lines,
    synthetic sample included, written against the documented API only."""
    assert len(GUIDE_EXAMPLE.read_text().splitlines()) <= 150
    imported = re.findall(r"^from (\S+) import", GUIDE_EXAMPLE.read_text(), flags=re.M)
    assert set(imported) <= {
        "__future__", "competitions.kit", "competitions.spec", "core.folds", "features.base",
        "submissions.formats",
    }  # fmt: skip
    load_plugin(GUIDE_EXAMPLE)
    try:
        checked = check_competition(COMPETITIONS.get("taobao_ctr"), out=tmp_path / "runs")
    finally:
        unload_plugins()
    run_info = json.loads((checked.runs[0].run_dir / "run.json").read_text())
    # Learnable, and below what the generator's true probabilities score.
    assert 0.6 < checked.runs[0].leaderboard["cv_mean"].iloc[0] < run_info["oracle_score"]
