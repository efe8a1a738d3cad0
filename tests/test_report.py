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
    assert "Train/test drift" in page.cells and "feature that separates them" in page.cells


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


# The report's pieces, without a run.


def test_an_ensemble_that_is_one_model_is_drawn_once_and_logreg_is_the_baseline():
    from podium.compare_plots import distinct_entries

    rng = np.random.default_rng(0)
    lgbm, logreg, xgb = rng.random(200), rng.random(200), rng.random(200)
    oof = {"greedy": 0.98 * lgbm + 0.02 * logreg, "lgbm": lgbm, "xgb": xgb, "logreg": logreg,
           "blend": 0.98 * lgbm + 0.02 * logreg}  # fmt: skip
    weights = {"greedy": {"lgbm": 0.98, "logreg": 0.02}, "blend": {"lgbm": 0.98, "logreg": 0.02}}
    curves = distinct_entries(["greedy", "blend", "lgbm", "xgb", "logreg"], oof, weights)
    assert [c.entry for c in curves] == ["lgbm", "xgb", "logreg"]
    assert curves[0].label == "lgbm = greedy (98% lgbm) = blend (98% lgbm)"
    assert curves[-1].baseline and curves[-1].label == "logreg (baseline)"


def test_a_figure_with_a_bare_axis_is_refused():
    from podium.plots import png, pyplot

    fig, ax = pyplot().subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_xlabel("x")
    with pytest.raises(ValueError, match="without labels"):
        png(fig)
    fig, ax = pyplot().subplots()
    image = ax.imshow(np.eye(3))
    fig.colorbar(image).set_label("value")
    ax.set(xlabel="column", ylabel="row")
    assert png(fig)[:4] == b"\x89PNG"  # a labelled colour bar's short side needs no label


def test_gmm_bic_outliers_are_explained_by_the_variance_floor():
    from podium.segment_report import bic_outliers

    ks, bic = [2, 3, 4, 5], [12_043.0, 2_140.0, 2_173.0, 2_480.0]
    text = bic_outliers(ks, bic, [False, True, True, True])
    assert "K=2 (12,043)" in text and "floor" in text
    assert bic_outliers(ks, [2_000.0, 2_100.0, 2_050.0, 1_990.0], [True] * 4) == ""


def test_the_segmentation_leaderboard_shows_only_clustering_fields():
    from core.metrics import get_metric
    from podium.segment_report import details, leaderboard_section

    board = pd.DataFrame(
        {"rank": [1, 2], "model": ["kmeans-k3", "gmm-k3"], "kind": ["kmeans", "gmm"],
         "tuned": False, "trials": 0, "metric": "silhouette", "cv_mean": [0.3, 0.2],
         "cv_std": 0.0, "fit_seconds": 0.1, "predict_seconds": 0.0, "oof_score": [0.3, 0.2],
         "k": 3, "inertia": [10.0, np.nan], "bic": [np.nan, 99.0], "rows": 100,
         "chosen": True, "shipped": [True, False]}
    )  # fmt: skip
    page = Page()
    page.feed("".join(leaderboard_section(board, get_metric("silhouette"))))
    for absent in ("tuned", "trials", "predict_seconds", "cv_std", "± 0.0000"):
        assert not any(absent in cell for cell in page.cells), absent
    assert {"silhouette", "inertia", "BIC", "K", "chosen K"} <= set(page.cells)
    options = {"comp": "statso", "seed": 42, "fold_scheme": "stratified", "shap_rows": 2000,
               "segment": False, "folds": 5}  # fmt: skip
    shown = details(options, "synthetic", 100, 8, 0.5)
    assert shown["task"] == "segmentation" and "segment" not in shown
    assert not {"fold_scheme", "shap_rows", "folds"} & set(shown)


def test_a_tuned_run_shows_its_tuning_history():
    from core.metrics import get_metric
    from podium.report import ReportInputs, render

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    oof = {"lgbm": np.clip(y * 0.3 + rng.random(300) * 0.7, 0, 1), "logreg": rng.random(300)}
    board = pd.DataFrame(
        {"rank": [1, 2], "model": ["lgbm", "logreg"], "kind": "model", "tuned": True,
         "trials": [3, 2], "metric": "roc_auc", "cv_mean": [0.8, 0.5], "cv_std": [0.01, 0.02],
         "fit_seconds": 1.0, "predict_seconds": 0.1, "oof_score": [0.8, 0.5],
         "fold_1": [0.79, 0.49], "fold_2": [0.81, 0.51], "shipped": [True, False]}
    )  # fmt: skip
    schedule = pd.DataFrame(
        {"step": range(1, 6), "model": ["lgbm", "logreg", "lgbm", "logreg", "lgbm"],
         "started_s": [0.0, 1.0, 2.0, 3.0, 4.0], "seconds": 1.0,
         "best": [0.7, 0.5, 0.75, 0.5, 0.8], "reason": "eci"}
    )  # fmt: skip
    inputs = ReportInputs(
        title="t", metric=get_metric("roc_auc"), leaderboard=board, y=y, classes=("neg", "pos"),
        oof=oof, data_summary={"data": "synthetic"}, options={}, timings={},
        test={"lgbm": oof["lgbm"][:100]}, schedule=schedule,
        importances={"lgbm": {"num_leaves": 0.7, "learning_rate": 0.3}},
    )  # fmt: skip
    page = Page()
    page.feed(render(inputs))
    alts = [alt for alt, _ in page.images]
    for expected in ("tuning history", "importances", "ROC and PR curves", "gains and lift",
                     "out-of-fold against test probabilities", "fold scores"):  # fmt: skip
        assert expected in alts, expected
    assert "Tuning" in page.cells and "Summary" in page.cells


def test_an_ensemble_that_is_one_model_gets_its_shap_plots_once_and_is_named():
    from types import SimpleNamespace

    from core.metrics import get_metric
    from podium.report import ReportInputs, render
    from podium.shap_files import distinct

    def entry(name, weights=None):
        kind = "model" if weights is None else "ensemble"
        return SimpleNamespace(model=name, kind=kind, params={"weights": weights or {}})

    entries = {"greedy": entry("greedy", {"lgbm": 0.98, "logreg": 0.02}), "lgbm": entry("lgbm"),
               "stack": entry("stack", {"lgbm": 0.6, "logreg": 0.4}), "logreg": entry("logreg"),
               "blend": entry("blend", {"lgbm": 0.97, "logreg": 0.03})}  # fmt: skip
    ranked = ["greedy", "lgbm", "blend", "stack", "logreg"]
    assert distinct(ranked, entries, 4) == ["greedy", "stack", "logreg"]
    assert distinct(ranked, entries, 2) == ["greedy", "stack"]

    y = np.arange(200) % 2
    oof = {name: np.linspace(0, 1, 200) for name in ranked}
    board = pd.DataFrame(
        {"rank": range(1, 6), "model": ranked, "kind": [entries[n].kind for n in ranked],
         "tuned": False, "trials": 0, "metric": "roc_auc", "cv_mean": 0.5, "cv_std": 0.0,
         "fit_seconds": 1.0, "predict_seconds": 0.0, "oof_score": 0.5,
         "shipped": [True, False, False, False, False]}
    )  # fmt: skip
    from podium.plots import png as to_png
    from podium.plots import pyplot

    fig, ax = pyplot().subplots()
    ax.set(xlabel="x", ylabel="y")
    image = to_png(fig)
    inputs = ReportInputs(
        title="t", metric=get_metric("roc_auc"), leaderboard=board, y=y, classes=("a", "b"),
        oof=oof, data_summary={}, options={}, timings={},
        shap_images={"greedy": [image], "stack": [image]},
        weights={n: entries[n].params["weights"] for n in ranked if entries[n].kind == "ensemble"},
    )  # fmt: skip
    text = render(inputs)
    assert "greedy (98% lgbm)" in text
    assert "The SHAP plots of lgbm, blend would repeat these" in text


def test_the_drift_section_gives_the_adversarial_auc_its_warning_and_features():
    from core.metrics import get_metric
    from podium.report import ReportInputs, render

    y = np.array([0, 1] * 50)
    board = pd.DataFrame(
        {"rank": [1], "model": ["logreg"], "kind": "model", "tuned": False, "trials": 0,
         "metric": "roc_auc", "cv_mean": [0.7], "cv_std": [0.01], "fit_seconds": 1.0,
         "predict_seconds": 0.1, "oof_score": [0.7], "fold_1": [0.7], "shipped": [True]}
    )  # fmt: skip
    drift = {
        "auc": 0.93, "warning": "training and test rows are easy to tell apart (AUC 0.930)",
        "top_features": [{"feature": "sports_share", "mean_abs_shap": 0.8}],
        "train_rows": 100, "test_rows": 50,
        "drift_weights": {"min": 0.1, "max": 7.5, "effective_rows": 61.0},
    }  # fmt: skip

    def text(drift):
        inputs = ReportInputs(
            title="t", metric=get_metric("roc_auc"), leaderboard=board, y=y,
            classes=("neg", "pos"), oof={"logreg": y * 0.5 + 0.25}, data_summary={},
            options={}, timings={}, drift=drift,
        )  # fmt: skip
        return render(inputs)

    shifted = text(drift)
    assert "AUC 0.930" in shifted and "Warning:" in shifted and "sports_share" in shifted
    assert "weighted 0.10 to 7.50" in shifted
    assert "did not run" in text(None) and "Train/test drift" in text(None)
