"""A report as a reader sees it: opened in headless Chromium (Debian's ``chromium`` package) at a
given width, measured by the page itself, or photographed.

:func:`measure` opens a copy of the page with a small script that, once every image has loaded,
writes what it found into the page (``--dump-dom`` prints the page after the load): how wide the
document is against the window, which images did not decode, which tables are wider than their
box, and which names wrap onto a second line. The report itself holds no script.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--mute-audio",
         "--virtual-time-budget=5000")  # fmt: skip

# Runs at the load event (every <img> has then loaded or failed). A table may be wider than its
# box only inside a `.scroll` box, which scrolls by design; a `.name` cell must stay one line.
MEASURE = """
<script>
window.addEventListener('load', () => {
  const root = document.documentElement;
  const images = [...document.images].map(img => ({
    alt: img.alt, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight,
    shown: img.getBoundingClientRect().width}));
  const wide = [...document.querySelectorAll('table')].filter(t => !t.closest('.scroll'))
    .filter(t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1)
    .map(t => t.id || t.className || t.rows[0].textContent.slice(0, 60));
  const wrapped = [...document.querySelectorAll('.name')].filter(el => {
    const range = document.createRange(); range.selectNodeContents(el);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    return lines.size > 1;}).map(el => el.textContent);
  const out = document.createElement('pre');
  out.id = 'podium-measure';
  out.textContent = JSON.stringify({scrollWidth: root.scrollWidth, viewport: window.innerWidth,
    scrollHeight: root.scrollHeight,
    images, wide, wrapped, sections: [...document.querySelectorAll('h2')].map(h => h.textContent),
    toc: [...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href'))});
  document.body.appendChild(out);
});
</script>
"""


@dataclass(frozen=True)
class Measurement:
    """What the page said of itself at one window width."""

    scroll_width: int  # document.documentElement.scrollWidth
    viewport: int  # window.innerWidth
    height: int  # document.documentElement.scrollHeight
    images: list[dict]  # alt, complete, natural width and height, width shown
    wide_tables: list[str]  # tables wider than their box (outside a scrolling box)
    wrapped_names: list[str]  # .name cells that wrap
    sections: list[str]  # the h2 headings, in order
    toc: list[str]  # the table of contents' links

    @property
    def broken_images(self) -> list[str]:
        return [i["alt"] for i in self.images if not i["complete"] or i["width"] == 0]

    @property
    def overflows(self) -> bool:
        return self.scroll_width > self.viewport


def find_chromium() -> str | None:
    """The path of a Chromium (or Chrome) executable on PATH, or None."""
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


def measure(page: Path, width: int = 1400, height: int = 1000, timeout: float = 120) -> Measurement:
    """Open ``page`` in headless Chromium at ``width`` x ``height`` and return what its own
    script measured. Raises RuntimeError if no browser is found or the page did not report."""
    browser = _browser()
    text = page.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="podium-page-") as folder:
        copy = Path(folder) / page.name
        copy.write_text(text.replace("</body>", MEASURE + "</body>", 1), encoding="utf-8")
        done = subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={folder}/profile",
             f"--window-size={width},{height}", "--dump-dom", copy.as_uri()],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    found = re.search(r'<pre id="podium-measure">(.*?)</pre>', done.stdout, re.DOTALL)
    if found is None:
        raise RuntimeError(
            f"{browser} did not report on {page} (exit {done.returncode}): {done.stderr[-800:]}"
        )
    values = json.loads(_unescape(found.group(1)))
    return Measurement(
        scroll_width=int(values["scrollWidth"]), viewport=int(values["viewport"]),
        height=int(values["scrollHeight"]),
        images=values["images"], wide_tables=values["wide"], wrapped_names=values["wrapped"],
        sections=values["sections"], toc=values["toc"],
    )  # fmt: skip


def screenshot(
    page: Path, out: Path, width: int = 1400, height: int = 6000, timeout: float = 120
) -> Path:
    """A PNG of the top ``height`` pixels of ``page`` at ``width`` pixels."""
    browser = _browser()
    with tempfile.TemporaryDirectory(prefix="podium-shot-") as folder:
        subprocess.run(
            [browser, *FLAGS, f"--user-data-dir={folder}/profile",
             f"--window-size={width},{height}", f"--screenshot={out.resolve()}", page.as_uri()],
            capture_output=True, text=True, timeout=timeout, check=True,
        )  # fmt: skip
    return out


def _browser() -> str:
    browser = find_chromium()
    if browser is None:
        raise RuntimeError("no Chromium found on PATH: apt-get install chromium")
    return browser


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")
    )
