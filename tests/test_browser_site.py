"""The built static site in a real browser: version picker, search, platform switcher.

Served by http.server on a free 127.0.0.1 port, driven by Playwright with Debian's
chromium (`apt-get install -y chromium`). Skipped, saying why, without either.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest
from test_build_support import FPT, V21, V22, make_docs, run_build

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    root = make_docs(tmp_path_factory.mktemp("docs"))
    out = tmp_path_factory.mktemp("site") / "_site"
    assert run_build(root, out).ok

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(out)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        pytest.skip(f"chromium not found at {CHROMIUM} or on PATH (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_version_picker_switches_versions(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/alpha/getting-started/first-steps/")
    assert page.locator("h1").inner_text() == "First steps"
    page.locator(".version-picker summary").click()
    page.locator(".version-picker a", has_text="Enterprise Server 2.21").click()
    page.wait_for_url(f"**/en/{V21}/alpha/getting-started/first-steps/")
    assert page.locator("h1").inner_text() == "First steps"
    assert page.locator(".version-picker summary").inner_text().strip() == "Enterprise Server 2.21"
    # a page missing from the version: the picker goes to its nearest parent, never a 404
    page.goto(f"{served_site}/en/{FPT}/alpha/advanced/deep/")
    page.locator(".version-picker summary").click()
    page.locator(".version-picker a", has_text="Enterprise Server 2.21").click()
    page.wait_for_url(f"**/en/{V21}/alpha/")
    assert "documentation" in page.locator("h1").inner_text()


def test_search_finds_pages_of_the_version_being_read(served_site, page):
    page.goto(f"{served_site}/en/{V22}/alpha/")
    search = page.locator("#search-input")
    search.fill("xylophone")
    result = page.locator("#search-results a").first
    result.wait_for()
    assert page.locator("#search-results a").count() == 1
    assert "Deep dive" in result.inner_text()
    result.click()
    page.wait_for_url(f"**/en/{V22}/alpha/advanced/deep/")
    # a page only in free-pro-team is not found from 2.22, but is from free-pro-team
    search = page.locator("#search-input")
    search.fill("quasar")
    page.locator("#search-results .no-results").wait_for()
    page.goto(f"{served_site}/en/{FPT}/")
    page.locator("#search-input").fill("quasar")
    page.locator("#search-results a", has_text="Only in the latest").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/en/{FPT}/alpha/getting-started/only-latest/")


def test_platform_switcher_shows_one_platform(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/alpha/getting-started/platforms/")
    visible = [p for p in ("mac", "windows", "linux") if page.locator(f".extended-markdown.{p}").is_visible()]
    assert len(visible) == 1  # the visitor's platform (linux here, from navigator.platform)
    page.locator('.platform-switcher button[data-platform="windows"]').click()
    assert page.locator(".extended-markdown.windows").is_visible()
    assert not page.locator(".extended-markdown.mac").is_visible()
    assert page.locator('.platform-switcher button[data-platform="windows"]').get_attribute("aria-pressed") == "true"


def test_redirect_stub_and_404(served_site, page):
    page.goto(f"{served_site}/old/first-steps/")
    page.wait_for_url(f"**/en/{FPT}/alpha/getting-started/first-steps/")
    response = page.goto(f"{served_site}/404.html")
    assert response.ok and "Page not found" in page.locator("h1").inner_text()
