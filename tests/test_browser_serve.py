"""A real browser sees `render serve` live-reload a page after its source file is saved."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from test_server import FPT, make_tree  # noqa: E402

from renderer.serve import PreviewServer  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

playwright_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
    pytest.skip(f"no chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)


@pytest.fixture()
def browser():
    with playwright_api.sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # a broken install is a skip with its reason, not a failure
            pytest.skip(f"chromium did not start: {exc}")
        yield browser
        browser.close()


def test_open_page_updates_after_saving_its_source(tmp_path, browser):
    root = make_tree(tmp_path)
    with PreviewServer(root, port=0, watch=True) as server:
        assert server.wait_watching(5)
        page = browser.new_page()
        page.goto(f"{server.url}/en/{FPT}/guide/alpha/")
        assert "Alpha body in the cloud" in page.content()
        page.evaluate("window.__notReloaded = true")

        source = root / "content/guide/alpha.md"
        source.write_text(source.read_text().replace("Alpha body in", "Freshly edited body in"))
        page.wait_for_function("document.body && document.body.innerText.includes('Freshly edited body in the cloud')",
                               timeout=10_000)
        assert page.evaluate("window.__notReloaded") is None  # the tab reloaded by itself

        # A reusable the page uses also refreshes it; a broken save shows the error page, and the fix brings it back.
        (root / "reusables/shared/note.md").write_text("Reusable edited {% if %}")
        page.wait_for_function("document.body && document.body.innerText.includes('reusables/shared/note.md:1:')", timeout=10_000)
        (root / "reusables/shared/note.md").write_text("Reusable fixed.")
        page.wait_for_function("document.body && document.body.innerText.includes('Reusable fixed.')", timeout=10_000)
