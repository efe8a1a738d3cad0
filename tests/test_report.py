"""SHAP tables and the self-contained run report."""

import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from models import make_model
from podium.options import RunOptions
from podium.runner import run


class Page(HTMLParser):
    """Collects the images (alt text, src) and table ids of an HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[tuple[str, str]] = []
        self.tables: list[str] = []
        self.cells: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append((attrs.get("alt", ""), attrs.get("src", "")))
        if tag == "table" and attrs.get("id"):
            self.tables.append(attrs["id"])
        for key in ("src", "href"):
            if attrs.get(key, "").startswith(("http:", "https:", "//")):
                self.external.append(attrs[key])

    def handle_data(self, data):
        if data.strip():
            self.cells.append(data.strip())


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def hotstar_run(tmp_path_factory, tiny_hotstar):
    out = tmp_path_factory.mktemp("report")
    return run(
        RunOptions(
            preset="quick", comp="hotstar", out=out, progress=False, shap_rows=500, shap_plots=4
        ),
        tiny_hotstar,
    )


@pytest.mark.slow
def test_report_holds_the_leaderboard_and_every_expected_image(hotstar_run):
    page = parse(hotstar_run.run_dir / "report.html")
    assert "leaderboard" in page.tables
    for model in hotstar_run.leaderboard["model"]:
        assert model in page.cells
    alts = [alt for alt, _ in page.images]
    for expected in ("fold scores", "ROC and PR curves", "calibration"):
        assert expected in alts, expected
    for entry in hotstar_run.leaderboard["model"].head(4):  # the plotted entries
        assert alts.count(f"SHAP {entry}") >= 2, entry  # bar and beeswarm
    shipped = str(hotstar_run.leaderboard.loc[hotstar_run.leaderboard["shipped"], "model"].iloc[0])
    assert alts.count(f"SHAP {shipped}") >= 2 + 3  # the featured entry: dependence plots too
    assert alts.count("waterfall") >= 4  # typical and extreme rows
    for _, src in page.images:
        assert src.startswith("data:image/png;base64,") and len(src) > 2000
    assert page.external == []  # opens offline
    assert "Options and timings" in page.cells and "Data" in page.cells


@pytest.mark.slow
def test_shap_tables_use_readable_feature_names(hotstar_run):
    table = pd.read_csv(hotstar_run.run_dir / "shap_lgbm.csv")
    assert list(table.columns) == ["feature", "mean_abs_shap"]
    assert table["mean_abs_shap"].is_monotonic_decreasing
    top = set(table["feature"].head(10))
    assert top & {"genre_group=sports", "dow=7", "genre_group=soaps", "genre=Cricket"}
    assert not any(name.startswith("f_") for name in table["feature"])
    assert (hotstar_run.run_dir / "shap_lgbm_bar.png").read_bytes()[:4] == b"\x89PNG"
    summary = json.loads((hotstar_run.run_dir / "run.json").read_text())
    assert summary["report"] == "report.html"


@pytest.mark.slow
def test_no_report_skips_it(tmp_path, tiny_hotstar):
    options = RunOptions(
        preset="quick", comp="hotstar", out=tmp_path, progress=False, report=False, shap_rows=0
    )
    result = run(options, tiny_hotstar)
    assert result.report is None and not (result.run_dir / "report.html").exists()
    assert not list(result.run_dir.glob("shap_*"))


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lightgbm_shap_values_add_up_to_the_raw_score(n_classes):
    rng = np.random.default_rng(0)
    X = sp.csr_matrix(rng.normal(size=(400, 5)))
    y = rng.integers(0, n_classes, 400)
    task = "binary" if n_classes == 2 else "multiclass"
    model = make_model("lgbm", task=task, n_classes=n_classes).fit(X, y)
    values, base = model.explain(X[:50])
    raw = model.booster_.predict(X[:50], raw_score=True, num_iteration=model.best_iteration_)
    assert values.shape == ((50, 5) if n_classes == 2 else (50, 3, 5))
    assert np.allclose(base + values.sum(axis=-1), raw, atol=1e-4)
    assert np.allclose(base, base[0])  # the expected value, the same for every row


def test_models_without_a_native_explainer_say_so():
    model = make_model("logreg", task="binary", n_classes=2)
    X = np.random.default_rng(0).normal(size=(50, 3))
    assert model.fit(X, np.arange(50) % 2).explain(X) is None
    assert model.linear_terms() is not None  # shap's LinearExplainer explains it
