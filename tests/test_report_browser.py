"""The reports as a reader sees them: the hotstar (binary), clickstream (multiclass) and statso
(segmentation) reports of tiny quick runs, opened in headless Chromium at 1,400 px and measured
by the page itself (:mod:`podium.browser`)."""

from __future__ import annotations

import re

import pytest

import podium.segment
from competitions import clickstream, statso
from competitions.clickstream_sample import generate as clickstream_sample
from competitions.statso_sample import generate as statso_sample
from podium.browser import find_chromium, measure
from podium.options import RunOptions
from podium.runner import run

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        find_chromium() is None,
        reason="no Chromium on PATH: apt-get install chromium (.ci/run installs it when missing)",
    ),
]

SUPERVISED_SECTIONS = ["Summary", "Leaderboard", "Out-of-fold diagnostics", "Train/test drift",
                       "Explanations",
                       "Data", "Options and timings"]  # fmt: skip
SEGMENTATION_SECTIONS = ["Summary", "Leaderboard", "Choosing K", "Data, options and timings"]


@pytest.fixture(scope="module")
def reports(tmp_path_factory, tiny_hotstar):
    out = tmp_path_factory.mktemp("browser")
    datasets = {
        "hotstar": tiny_hotstar,
        "clickstream": clickstream.SAMPLE.dataset(clickstream_sample(500, 200, seed=3), "tiny"),
        "statso": statso.SAMPLE.dataset(statso_sample(400, seed=7), "tiny"),
    }
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(podium.segment, "TSNE_ROWS", 200)
        return {
            name: run(
                RunOptions(preset="quick", comp=name, out=out, progress=False, shap_rows=300),
                dataset,
            ).report
            for name, dataset in datasets.items()
        }


@pytest.mark.parametrize("name", ["hotstar", "clickstream", "statso"])
def test_the_report_fits_1400_px_with_every_image_decoded(reports, name):
    page = measure(reports[name], width=1400)
    assert page.viewport == 1400
    assert page.scroll_width <= page.viewport, "the page scrolls sideways"
    assert page.images and page.broken_images == []
    assert all(i["shown"] <= page.viewport for i in page.images)
    assert page.wide_tables == [], "a table is cut off at its box's edge"
    assert page.wrapped_names == [], "entry names wrap"
    expected = SEGMENTATION_SECTIONS if name == "statso" else SUPERVISED_SECTIONS
    headings = [h for h in page.sections if h in expected]
    assert headings == expected, page.sections  # every fixed section, in its order
    assert page.toc == [f"#{_anchor(h)}" for h in page.sections]


def _anchor(heading: str) -> str:
    return "sec-" + re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def test_the_segmentation_report_carries_no_supervised_fields(reports):
    text = reports["statso"].read_text(encoding="utf-8")
    for field in ("predict_seconds", "shap_rows", "fold_scheme", "trials", "tuned", "± 0.0000"):
        assert field not in text, field
    assert "<th>task</th><td class='text'>segmentation</td>" in text  # not "segment False"
    assert "Choosing K" in text and "chooses K by" in text
