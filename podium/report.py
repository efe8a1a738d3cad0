"""The run report: one self-contained HTML file (inline CSS, images as data URIs, no network)."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from core.metrics import Metric
from podium import plots

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
tr.shipped { background: #eef7ee; font-weight: 600; }
img { max-width: 100%; margin: 0.5em 0; border: 1px solid #eee; }
.note { color: #555; font-size: 0.9em; } pre { background: #f7f7f7; padding: 0.8em; }
"""


@dataclass
class ReportInputs:
    title: str
    metric: Metric
    leaderboard: pd.DataFrame
    y: np.ndarray
    classes: tuple[str, ...]
    oof: Mapping[str, np.ndarray]  # entry -> out-of-fold prediction, best entries first
    data_summary: Mapping[str, object]
    options: Mapping[str, object]
    timings: Mapping[str, float]
    confusion: pd.DataFrame | None = None
    shap_images: Mapping[str, Sequence[bytes]] = field(default_factory=dict)
    shap_note: str = ""
    # Single predictions explained: (caption, waterfall PNG).
    waterfalls: Sequence[tuple[str, bytes]] = ()


def render(inputs: ReportInputs) -> str:
    board = inputs.leaderboard
    sections = [
        f"<h1>{html.escape(inputs.title)}</h1>",
        f"<p class='note'>Metric: {inputs.metric.name} ({inputs.metric.description}; "
        f"{'higher' if inputs.metric.greater_is_better else 'lower'} is better). "
        f"Shipped: <b>{html.escape(str(board.loc[board['shipped'], 'model'].iloc[0]))}</b>.</p>",
        "<h2>Leaderboard</h2>",
        _leaderboard_table(board),
        _img(plots.fold_scores(board, inputs.metric.name), "fold scores"),
        "<h2>Out-of-fold diagnostics</h2>",
        *_diagnostics(inputs),
    ]
    if inputs.shap_images:
        sections.append("<h2>SHAP explanations</h2>")
        if inputs.shap_note:
            sections.append(f"<p class='note'>{html.escape(inputs.shap_note)}</p>")
        for name, images in inputs.shap_images.items():
            sections.append(f"<h3>{html.escape(name)}</h3>")
            sections.extend(_img(image, f"SHAP {name}") for image in images)
    if inputs.waterfalls:
        sections.append("<h2>Single predictions explained</h2>")
        sections.append(
            "<p class='note'>Out-of-fold rows with the highest, most typical and lowest "
            "predictions: each feature's push from the base value to the row's output. "
            "<code>python run.py --comp NAME --explain RUN_ID --id ID</code> explains any "
            "training or test ID.</p>"
        )
        for caption, image in inputs.waterfalls:
            sections.append(f"<p>{html.escape(caption)}</p>{_img(image, 'waterfall')}")
    sections += [
        "<h2>Data</h2>",
        _key_values(inputs.data_summary),
        "<h2>Options and timings</h2>",
        _key_values(
            {**inputs.options, **{f"{k} (s)": round(v, 2) for k, v in inputs.timings.items()}}
        ),
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(inputs.title)}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def _diagnostics(inputs: ReportInputs) -> list[str]:
    out = []
    if inputs.metric.needs == "label" and inputs.confusion is not None:
        shipped = str(inputs.leaderboard.loc[inputs.leaderboard["shipped"], "model"].iloc[0])
        out.append(
            _img(plots.confusion_matrix(inputs.confusion, f"{shipped}: confusion"), "confusion")
        )
    if len(inputs.classes) == 2 and inputs.oof:
        out.append(_img(plots.roc_pr_curves(inputs.y, dict(inputs.oof)), "ROC and PR curves"))
    if inputs.oof:
        out.append(_img(plots.calibration(inputs.y, dict(inputs.oof)), "calibration"))
    return out


def _leaderboard_table(board: pd.DataFrame) -> str:
    columns = [c for c in board.columns if c not in ("metric", "shipped")]
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    rows = []
    for _, row in board.iterrows():
        cells = "".join(f"<td>{_cell(row[c])}</td>" for c in columns)
        rows.append(f"<tr class='{'shipped' if row['shipped'] else ''}'>{cells}</tr>")
    table = f"<table id='leaderboard'><tr>{head}</tr>{''.join(rows)}</table>"
    return f"<div style='overflow-x: auto'>{table}</div>"


def _cell(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4f}"
    return html.escape(str(value))


def _key_values(values: Mapping[str, object]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in values.items()
    )
    return f"<table>{rows}</table>"


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def render_segmentation(
    title: str,
    summary: Sequence[str],
    leaderboard: pd.DataFrame,
    sections: Sequence[tuple[str, Sequence[str | bytes]]],
    details: Mapping[str, object],
    metric: Metric,
) -> str:
    """A segmentation run's report: the summary lines, the leaderboard, then titled sections
    of HTML fragments (str) and images (PNG bytes)."""
    parts = [f"<h1>{html.escape(title)}</h1>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in summary]
    better = "higher" if metric.greater_is_better else "lower"
    parts += [f"<h2>Leaderboard ({html.escape(metric.name)}, {better} is better)</h2>"]
    parts.append(_leaderboard_table(leaderboard))
    for heading, items in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        for item in items:
            parts.append(_img(item, heading) if isinstance(item, bytes) else item)
    parts += ["<h2>Data, options and timings</h2>", _key_values(details)]
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def frame_table(frame: pd.DataFrame) -> str:
    """A data frame as an HTML table (index first), numbers to 4 decimals."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [frame.index.name or "", *frame])
    rows = []
    for index, row in frame.iterrows():
        cells = "".join(f"<td>{_cell(v)}</td>" for v in row)
        rows.append(f"<tr><td>{html.escape(str(index))}</td>{cells}</tr>")
    return f"<div style='overflow-x: auto'><table><tr>{head}</tr>{''.join(rows)}</table></div>"
