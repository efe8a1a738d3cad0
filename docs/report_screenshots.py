"""Screenshots of the three kinds of report at 1,400 px, as a new user opens them in Chromium.

    python docs/report_screenshots.py      # small quick runs; PNGs in ./screenshots
    python docs/report_screenshots.py --out /tmp/shots --full-scale
    python docs/report_screenshots.py --reports runs/hotstar/RUN/report.html ...

Runs hotstar (binary), clickstream (multiclass) and statso (segmentation) with ``--preset quick``
on their synthetic samples (small ones by default, so it takes about a minute), then opens each
``report.html`` in headless Chromium (:mod:`podium.browser`), prints what the page measured of
itself (width against the window, broken images, tables cut off, names that wrap), the seconds
the report took to write, and saves a PNG of the whole page, at most ``--max-height`` pixels.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for podium

from competitions import clickstream, hotstar, statso  # noqa: E402
from competitions.clickstream_sample import generate as clickstream_sample  # noqa: E402
from competitions.statso_sample import generate as statso_sample  # noqa: E402
from podium.browser import measure, screenshot  # noqa: E402
from podium.options import RunOptions  # noqa: E402
from podium.runner import run  # noqa: E402


def small_datasets() -> dict:
    return {
        "hotstar": hotstar.synthetic_dataset(3000, 1000, seed=3),
        "clickstream": clickstream.SAMPLE.dataset(clickstream_sample(700, 300, seed=3), "small"),
        "statso": statso.SAMPLE.dataset(statso_sample(1000, seed=7), "small"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("screenshots"))
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--max-height", type=int, default=16000)
    parser.add_argument("--full-scale", action="store_true", help="the default synthetic sizes")
    parser.add_argument("--reports", type=Path, nargs="*", help="existing report.html files")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    reports: dict[str, Path] = {}
    if args.reports:
        reports = {path.parent.parent.name or path.stem: path for path in args.reports}
    else:
        folder = Path(tempfile.mkdtemp(prefix="podium-shots-"))
        datasets = dict.fromkeys(("hotstar", "clickstream", "statso")) if args.full_scale else (
            small_datasets()
        )  # fmt: skip
        for name, dataset in datasets.items():
            options = RunOptions(preset="quick", comp=name, out=folder, progress=False)
            result = run(options, dataset)
            assert result.report is not None
            reports[name] = result.report
    for name, report in reports.items():
        page = measure(report, width=args.width)
        height = min(page.height, args.max_height)
        shot = screenshot(report, args.out / f"report_{name}.png", args.width, height)
        summary = json.loads((report.parent / "run.json").read_text())
        print(
            f"{name}: {shot} ({args.width} x {height} px of {page.height}); page width "
            f"{page.scroll_width} px in a {page.viewport} px window; {len(page.images)} images, "
            f"broken {page.broken_images or 'none'}; tables cut off {page.wide_tables or 'none'}; "
            f"names wrapped {page.wrapped_names or 'none'}; report written in "
            f"{summary.get('report_seconds', '?')} s of a {summary['total_seconds']:.1f} s run"
        )


if __name__ == "__main__":
    main()
