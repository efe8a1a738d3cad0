"""The frame every report shares: a summary card at the top, a table of contents, then titled
sections in a fixed order; tables that fit their column (wide ones scroll inside a collapsed
detail), names that never wrap, images as data URIs. One self-contained HTML file: inline CSS,
no script, nothing fetched."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

STYLE = """
* { box-sizing: border-box; }
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1.5em 24px;
       max-width: 1240px; color: #222; line-height: 1.4; }
h1 { font-size: 1.5em; margin: 0 0 0.6em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
h3 { font-size: 1.02em; margin: 1.4em 0 0.4em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; max-width: 100%; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: right; vertical-align: top; }
th { background: #f4f4f4; } td:first-child, th:first-child { text-align: left; }
td.name, th.name { text-align: left; white-space: nowrap; }
td.text { text-align: left; overflow-wrap: anywhere; }
tr.shipped { background: #eef7ee; font-weight: 600; }
img { max-width: 100%; height: auto; margin: 0.4em 0; border: 1px solid #eee; }
.figs { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
.figs img { max-width: 100%; }
.note { color: #555; font-size: 0.9em; max-width: 75em; }
.scroll { overflow-x: auto; max-width: 100%; }
details { margin: 0.6em 0; } summary { cursor: pointer; color: #245; }
.card { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px;
        background: #f6f8fa; border: 1px solid #dde3ea; border-radius: 6px; padding: 12px 16px; }
.card dt { font-weight: 600; color: #444; } .card dd { margin: 0; overflow-wrap: anywhere; }
nav.toc { margin: 1em 0; font-size: 0.92em; }
nav.toc a { margin-right: 1.2em; white-space: nowrap; }
code { overflow-wrap: anywhere; }
"""


def anchor(heading: str) -> str:
    """The id of a section's heading, as the table of contents links it ("sec-" keeps it apart
    from the tables' ids)."""
    return "sec-" + re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")


def page(title: str, card: Mapping[str, str], sections: Sequence[tuple[str, Sequence[str]]]) -> str:
    """The whole page: the title, the summary card (values are HTML), a table of contents and
    the titled sections of HTML fragments, in the order given."""
    everything = [("Summary", [_card(card)]), *sections]
    toc = " ".join(
        f"<a href='#{anchor(heading)}'>{html.escape(heading)}</a>" for heading, _ in everything
    )
    body = [f"<h1>{html.escape(title)}</h1>"]
    for i, (heading, parts) in enumerate(everything):
        body.append(f"<h2 id='{anchor(heading)}'>{html.escape(heading)}</h2>")
        body.extend(parts)
        if i == 0:
            body.append(f"<nav class='toc'><b>Contents:</b> {toc}</nav>")
    text = "\n".join(body)
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>\n{text}\n</body></html>\n"
    )


def _card(values: Mapping[str, str]) -> str:
    rows = "".join(f"<dt>{html.escape(k)}</dt><dd>{v}</dd>" for k, v in values.items())
    return f"<dl class='card'>{rows}</dl>"


def img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{data}'>"


def figures(items: Sequence[str]) -> str:
    """Images (or other fragments) side by side, wrapping onto the next line as needed."""
    return f"<div class='figs'>{''.join(items)}</div>"


def note(text: str) -> str:
    return f"<p class='note'>{html.escape(text)}</p>"


def cell(value: object, digits: int = 4) -> str:
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.{digits}f}"
    return html.escape(str(value))


def table(
    frame: pd.DataFrame,
    *,
    names: Sequence[str] = (),
    table_id: str | None = None,
    highlight: str | None = None,
    digits: Mapping[str, int] | None = None,
) -> str:
    """``frame`` (no index) as a table; ``names`` are columns that never wrap; a row whose
    boolean column ``highlight`` is true is emphasised."""
    digits = digits or {}
    columns = [c for c in frame.columns if c != highlight]
    head = "".join(
        f"<th class='{'name' if c in names else ''}'>{html.escape(str(c))}</th>" for c in columns
    )
    rows = []
    for _, row in frame.iterrows():
        cells = "".join(
            f"<td class='{'name' if c in names else ''}'>{cell(row[c], digits.get(c, 4))}</td>"
            for c in columns
        )
        marked = highlight is not None and bool(row[highlight])
        rows.append(f"<tr class='{'shipped' if marked else ''}'>{cells}</tr>")
    id_ = f" id='{table_id}'" if table_id else ""
    return f"<table{id_}><tr>{head}</tr>{''.join(rows)}</table>"


def scrolling(summary: str, content: str) -> str:
    """A collapsed detail whose content scrolls sideways inside its box when wide."""
    return (
        f"<details><summary>{html.escape(summary)}</summary>"
        f"<div class='scroll'>{content}</div></details>"
    )


def key_values(values: Mapping[str, object]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td class='text'>{html.escape(str(v))}</td></tr>"
        for k, v in values.items()
    )
    return f"<table>{rows}</table>"


def frame_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """A data frame as an HTML table (index first), numbers to ``digits`` decimals, inside a
    box that scrolls sideways when it is wider than the page."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [frame.index.name or "", *frame])
    rows = []
    for index, row in frame.iterrows():
        cells = "".join(f"<td>{cell(v, digits)}</td>" for v in row)
        rows.append(f"<tr><td class='name'>{html.escape(str(index))}</td>{cells}</tr>")
    return f"<div class='scroll'><table><tr>{head}</tr>{''.join(rows)}</table></div>"
