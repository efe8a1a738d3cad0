"""A segmentation run: build the matrix, cluster (:mod:`podium.segment`), profile, answer the
competition's questions, and write the run folder's files.

Every method at every K is a leaderboard entry, scored by the segmentation's metric
(:attr:`competitions.spec.Segmentation.metric`) and written by the run folder's writer
(:mod:`podium.run_folder`) like a supervised run's. Files, besides ``options.json`` and
``run.json``:

* ``leaderboard.csv`` / ``.md``: one row per method and K, best score first, with inertia or
  BIC, ``chosen`` (the method's K) and ``shipped`` (the clustering in ``assignments.csv``);
* ``assignments.csv``: the shipped clustering of every row; ``assignments_<method>.csv`` for
  each method's chosen K (the t-SNE method covers its sample only);
* ``profile_<method>.csv`` / ``.md``: size, share, numeric means with lifts, top categories;
* ``answers.json``: each question's answer per method;
* PNGs: ``k_scan.png``, ``pca_<method>.png``, ``tsne_<method>.png``, ``clusters_<method>.png``,
  ``question_<n>_<method>.png``; and ``report.html`` with all of them.
"""

from __future__ import annotations

import html
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from competitions.spec import Question
from core.atomic import write_bytes, write_text
from core.metrics import Metric
from podium import plots, segment_report
from podium.context import Loaded, RunContext, RunResult
from podium.degenerate import check_rows
from podium.leaderboard import Row, build_leaderboard
from podium.report_page import frame_table, scrolling
from podium.run_folder import summary, write_leaderboard, write_summary
from podium.segment import MethodResult, SegmentationResult, elbow, profile_table, segment
from submissions.formats import AssignmentsCSV

log = logging.getLogger(__name__)


def run_segmentation(context: RunContext, loaded: Loaded) -> RunResult:
    """Segment the training rows as ``spec.segmentation`` declares; write the run folder."""
    spec, dataset, stage, options = context.spec, loaded.dataset, context.stage, context.resolved
    plan = spec.segmentation
    assert plan is not None  # validate_options checked it
    check_rows(len(dataset.train), dataset.file_labels[0], minimum=plan.k_range[0] + 1,
               purpose="cluster")  # fmt: skip
    started = time.perf_counter()
    matrix, profile = plan.build(dataset)
    feature_seconds = time.perf_counter() - started
    log.info(
        "Segmentation matrix: %s rows x %s columns built in %.1f s",
        f"{matrix.X_train.shape[0]:,}", f"{matrix.n_features:,}", feature_seconds,
    )  # fmt: skip
    result = segment(
        matrix.X_train, plan.methods, plan.k_range, seed=int(options["seed"]),
        metric=context.metric, progress=bool(options["progress"]),
    )  # fmt: skip
    board = leaderboard(result, context.metric)
    ids = dataset.train_ids
    fmt = spec.submission if isinstance(spec.submission, AssignmentsCSV) else None
    fmt = fmt or AssignmentsCSV(id_column=spec.id_column)
    assignments = fmt.write(stage / fmt.filename, ids, result.shipped.chosen.labels)
    lines = [m.reason for m in result.methods]
    lines.append(f"Shipped (assignments.csv): {result.shipped.chosen.name}")
    sections: list[tuple[str, list[str | bytes]]] = []
    answers: dict[str, list[dict[str, Any]]] = {}
    for method in result.methods:
        chosen = method.chosen
        rows = method.rows
        labelled = pd.DataFrame({fmt.id_column: [ids[i] for i in rows], "cluster": chosen.labels})
        write_text(stage / f"assignments_{_slug(method.method)}.csv", labelled.to_csv(index=False))
        table = profile_table(profile.iloc[rows], chosen.labels)
        table.to_csv(stage / f"profile_{_slug(method.method)}.csv", float_format="%.6g")
        write_text(stage / f"profile_{_slug(method.method)}.md", _markdown(table))
        images = _method_images(stage, result, method, table)
        found = [
            _answer(stage, q, i, method, profile.iloc[rows])
            for i, q in enumerate(plan.questions, start=1)
        ]
        answers[method.method] = [a for a, _ in found]
        lines += [a["sentence"] for a, _ in found]
        note = (
            f"<p>{html.escape(method.reason)}. Rows: {len(rows):,}"
            + (" (the t-SNE sample)." if len(rows) < len(ids) else ".")
            + "</p>"
        )
        profile_detail = scrolling(
            f"Profile table of {method.method} (size, share, means, lifts, top categories)",
            frame_table(table),
        )
        sections.append((f"{method.method}, K={chosen.k}", [note, *images, profile_detail]))
        for answer, image in found:
            sections[-1][1].extend([f"<p><b>{html.escape(answer['sentence'])}</b></p>", image])
    if answers and plan.questions:
        write_text(stage / "answers.json", json.dumps(answers, indent=2) + "\n")
    scan = plots.k_curves([_scan(m) for m in result.methods], context.metric.name)
    write_bytes(stage / "k_scan.png", scan)
    write_leaderboard(stage, board)
    report_seconds = None
    if options.get("report", True):
        reporting = time.perf_counter()
        choosing: list[str | bytes] = [scan]
        for m in result.methods:
            bic = [c.bic for c in m.candidates] if m.method.endswith("gmm") else None
            text = segment_report.choice_text(
                m.method, m.reason, context.metric, [c.k for c in m.candidates],
                None if bic is None else [np.nan if b is None else b for b in bic],
                [c.floored for c in m.candidates],
            )  # fmt: skip
            choosing.append(f"<p>{html.escape(text)}</p>")
        details = segment_report.details(
            options, dataset.source, len(ids), matrix.n_features, feature_seconds
        )
        card = _card(context, result, dataset.source, len(ids), matrix.n_features, assignments.name)
        page = segment_report.render(
            f"podium: {spec.title}", card, board, choosing, sections, details, context.metric
        )
        write_text(stage / "report.html", page)
        report_seconds = round(time.perf_counter() - reporting, 3)
    values = summary(context, loaded, board) | {
        "n_features": matrix.n_features,
        "feature_seconds": round(feature_seconds, 3),
        "notes": lines,
        "report_seconds": report_seconds,
    }
    write_summary(context, values)
    run_dir = context.run_dir
    return RunResult(
        run_dir=run_dir, leaderboard=board, submission=run_dir / assignments.name,
        dataset_source=dataset.source, synthetic=dataset.synthetic,
        n_features=matrix.n_features, feature_seconds=feature_seconds, oracle_score=None,
        report=run_dir / "report.html" if options["report"] else None, notes=tuple(lines),
    )  # fmt: skip


def leaderboard(result: SegmentationResult, metric: Metric) -> pd.DataFrame:
    """Every method and K as a leaderboard entry, best first; shipped: the shipped clustering."""
    rows = [
        Row(
            model=c.name,
            kind=method.method,
            cv_mean=c.score,
            cv_std=c.score_std,
            oof_score=c.score,
            fit_seconds=c.seconds,
            columns={
                "k": c.k,
                "inertia": c.inertia,
                "bic": c.bic,
                "rows": len(method.rows),
                "chosen": c is method.chosen,
            },
        )  # fmt: skip
        for method in result.methods
        for c in method.candidates
    ]
    return build_leaderboard(rows, metric, shipped=result.shipped.chosen.name)


def _card(
    context: RunContext,
    result: SegmentationResult,
    source: str,
    rows: int,
    columns: int,
    assignments: str,
) -> dict[str, str]:
    """The report's summary card: what was segmented, what shipped, how long, where."""
    shipped = result.shipped.chosen
    seconds = time.monotonic() - context.budget.started
    metric = context.metric
    return {
        "Competition": f"{context.spec.title} ({context.spec.name}: segmentation)",
        "Data": f"{source}; {rows:,} rows, {columns:,} matrix columns",
        "Shipped clustering": f"{shipped.name} ({result.shipped.method}, K={shipped.k}): "
        f"{metric.name} {shipped.score:.4f}",
        "Methods": ", ".join(f"{m.method} K={m.chosen.k}" for m in result.methods),
        "Run": f"preset {context.options.preset}, seed {context.options.seed}; "
        f"{seconds:.0f} s when this report was written",
        "Assignments": str(context.run_dir / assignments),
    }


def _scan(method: MethodResult) -> tuple[str, pd.DataFrame, int, int | None]:
    """The method's K curve: its table, its chosen K and, for KMeans, the inertia's elbow."""
    table = _scan_table(method)
    knee = None
    if table["inertia"].notna().all():
        knee = elbow([int(k) for k in table["k"]], list(table["inertia"]))
    return method.method, table, method.chosen.k, knee


def _scan_table(method: MethodResult) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "k": [c.k for c in method.candidates],
            "score": [c.score for c in method.candidates],
            "score_std": [c.score_std for c in method.candidates],
            "inertia": [c.inertia for c in method.candidates],
            "bic": [c.bic for c in method.candidates],
        },
        dtype=float,
    )


def _method_images(
    stage: Path, result: SegmentationResult, method: MethodResult, table: pd.DataFrame
) -> list[str | bytes]:
    slug = _slug(method.method)
    labels = np.full(len(result.pca), -1)
    labels[method.rows] = method.chosen.labels
    images: dict[str, bytes] = {}
    if len(method.rows) == len(result.pca):
        variance = list(result.pca_variance) + [float("nan")] * 2
        axes = [f"principal component {i + 1} ({variance[i]:.0%} of the variance)"
                for i in range(2)]  # fmt: skip
        total = f"{sum(result.pca_variance):.0%}" if result.pca_variance else "?"
        images[f"pca_{slug}.png"] = plots.scatter_2d(
            result.pca, labels,
            f"{method.method}, K={method.chosen.k}: PCA, 2 axes with {total} of the variance",
            axes,
        )  # fmt: skip
    images[f"tsne_{slug}.png"] = plots.scatter_2d(
        result.tsne, labels[result.tsne_rows],
        f"{method.method}, K={method.chosen.k}: t-SNE of {len(result.tsne_rows):,} sampled rows",
        ("t-SNE axis 1 (no units: neighbours stay close)", "t-SNE axis 2"),
    )  # fmt: skip
    images[f"clusters_{slug}.png"] = plots.cluster_lifts(table)
    for name, png in images.items():
        write_bytes(stage / name, png)
    return list(images.values())


def _answer(
    stage: Path, question: Question, number: int, method: MethodResult, profile: pd.DataFrame
) -> tuple[dict[str, Any], bytes]:
    values = question.per_cluster(profile, method.chosen.labels)
    values = values.reindex(range(method.chosen.k), fill_value=0).astype(float).fillna(0.0)
    best = int(values.to_numpy().argmax())
    total = float(values.sum())
    share = values[best] / total if total else float("nan")
    of_total = f" ({share:.0%} of {_number(total)} over all clusters)" if question.additive else ""
    sentence = (
        f"{question.text} With {method.method} (K={method.chosen.k}): cluster {best}, with "
        f"{_number(values[best])} {question.measure}{of_total}."
    )
    png = plots.question_bars(values, question.text, question.measure)
    write_bytes(stage / f"question_{number}_{_slug(method.method)}.png", png)
    answer = {
        "question": question.text, "method": method.method, "k": method.chosen.k,
        "cluster": best, "value": float(values[best]),
        "share": share if question.additive else None,
        "per_cluster": {str(k): float(v) for k, v in values.items()}, "sentence": sentence,
    }  # fmt: skip
    return answer, png


def _number(value: float) -> str:
    """Counts with thousands separators, small measures (rates, means) to 3 digits."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"


def _slug(method: str) -> str:
    return method.replace("+", "_")


def _markdown(frame: pd.DataFrame) -> str:
    columns = [str(frame.index.name or ""), *map(str, frame.columns)]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for index, row in frame.iterrows():
        cells = [_fmt(v) for v in row]
        lines.append("| " + " | ".join([str(index), *cells]) + " |")
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{value:.4g}"
    return str(value)
