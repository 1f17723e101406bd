"""The built static site in a real browser, on a desktop (1280 px) and a phone (390 px).

Served by http.server on a free 127.0.0.1 port (404.html for a missing path, as static
hosts do), driven by Playwright with Debian's chromium (`apt-get install -y chromium`).
One build and one browser serve the whole module. Skipped, saying why, without either.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import threading
from pathlib import Path

import pytest
from docs_fixture import versions_yaml
from test_build_support import FPT, V21, V22, make_docs, run_build

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
MANY = 40  # articles in one map topic: a sidebar longer than the window

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")

FILLER = " ".join(f"Sentence {i} about nothing in particular, to push the code block down." for i in range(60))
LANDING_BODY = """
<!-- Article links -->
<div class="d-lg-flex gutter my-6 py-6">
  <div class="col-12 col-lg-4 mb-4 mb-lg-0">
    <div class="featured-links-heading pb-4">
      <h3 class="f5 text-normal text-mono underline-dashed color-gray-5">Guides</h3>
    </div>
    <ul class="list-style-none">
      {% for link in guideLinks %}
        <li>{% include featured-link %}</li>
      {% endfor %}
    </ul>
  </div>

  <div class="col-12 col-lg-4 mb-4 mb-lg-0">
    <div class="featured-links-heading pb-4">
      <h3 class="f5 text-normal text-mono underline-dashed color-gray-5">Popular articles</h3>
    </div>
    <ul class="list-style-none">
      {% for link in popularLinks %}
        <li>{% include featured-link %}</li>
      {% endfor %}
    </ul>
  </div>
</div>
"""
EXTRA = {
    "data/versions.yml": versions_yaml("2.22", "2.21", deprecated=("2.18", "2.17")),
    "content/gamma/index.md": f"""\
---
title: Gamma documentation
shortTitle: Gamma
intro: Everything about Gamma.
layout: product-landing
introLinks:
  quickstart: /gamma/quickstart
guideLinks:
  - /gamma/guide-one
popularLinks:
  - /gamma/caching
versions:
  free-pro-team: '*'
---
{LANDING_BODY}
{{% link_in_list /quickstart %}}
{{% link_in_list /guide-one %}}
{{% link_in_list /caching %}}
{{% link_in_list /keys %}}
{{% topic_link_in_list /many %}}
""" + "".join(f"    {{% link_in_list /article-{i:02d} %}}\n" for i in range(MANY)),
    "content/gamma/quickstart.md": "---\ntitle: Quickstart for Gamma\nshortTitle: Quickstart\nversions: '*'\n---\n\nStart.\n",
    "content/gamma/guide-one.md": ("---\ntitle: The first guide to Gamma\nshortTitle: First guide\n"
                                   "intro: Learn the first thing.\nversions: '*'\n---\n\nGuide.\n"),
    "content/gamma/caching.md": f"""\
---
title: Caching dependencies
intro: Speed up your workflows.
versions: '*'
---

{FILLER}

## Cache key

```yaml
{{% raw %}}key: ${{{{ runner.os }}}}-${{{{ hashFiles('**/lockfile') }}}}{{% endraw %}}
path: /opt/hostedtoolcache/tool_cache/zebrafish
```
""",
    "content/gamma/keys.md": """\
---
title: Keyboard keys
defaultPlatform: windows
versions: '*'
---

Press <span class="platform-mac">Command</span><span class="platform-windows">Control</span><span
class="platform-linux">Ctrl</span> to go on.

{% mac %}
The Mac block.
{% endmac %}

{% windows %}
The Windows block.
{% endwindows %}

{% linux %}
The Linux block.
{% endlinux %}
""",
    "content/gamma/many.md": "---\ntitle: Many articles\nmapTopic: true\nversions: '*'\n---\n",
    **{f"content/gamma/article-{i:02d}.md": f"---\ntitle: Article number {i:02d}\nversions: '*'\n---\n\nText {i}.\n"
       for i in range(MANY)},
}
KEYS = f"/en/{FPT}/gamma/keys/"
LANDING = f"/en/{FPT}/gamma/"
FIRST_STEPS = f"/en/{FPT}/alpha/getting-started/first-steps/"


def chromium_path() -> Path | None:
    if CHROMIUM.exists():
        return CHROMIUM
    found = shutil.which("chromium")
    return Path(found) if found else None


class StaticHost(http.server.SimpleHTTPRequestHandler):
    """A static host: files as they are, /404.html (status 404) for anything missing."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        not_found = Path(self.directory) / "404.html"
        if code != 404 or not not_found.is_file():
            return super().send_error(code, message, explain)
        body = not_found.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None


@pytest.fixture(scope="module")
def served_site(tmp_path_factory):
    root = make_docs(tmp_path_factory.mktemp("docs"), EXTRA)
    out = tmp_path_factory.mktemp("site") / "_site"
    assert run_build(root, out).ok
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticHost, directory=str(out)))
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


def open_page(browser, viewport=DESKTOP, **options):
    context = browser.new_context(viewport=viewport, **options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return context, page, errors


@pytest.fixture
def page(browser):
    context, page, errors = open_page(browser)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


@pytest.fixture
def phone(browser):
    context, page, errors = open_page(browser, PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def test_version_picker_switches_versions(served_site, page):
    page.goto(f"{served_site}{FIRST_STEPS}")
    assert page.locator("h1").inner_text() == "First steps"
    page.locator(".version-picker summary").click()
    page.locator(".version-picker a", has_text="Enterprise Server 2.21").click()
    page.wait_for_url(f"**/en/{V21}/alpha/getting-started/first-steps/")
    assert page.locator("h1").inner_text() == "First steps"
    assert page.locator(".version-picker summary").inner_text().strip().endswith("Enterprise Server 2.21")
    assert page.locator("#page-notice").is_hidden()


def test_picker_marks_versions_without_the_page_and_says_so_on_arrival(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/alpha/advanced/deep/")
    page.locator(".version-picker summary").click()
    missing = page.locator(".version-picker a", has_text="Enterprise Server 2.21")
    assert "is-missing" in missing.get_attribute("class") and "not in this version" in missing.inner_text()
    present = page.locator(".version-picker a", has_text="Enterprise Server 2.22")
    assert present.get_attribute("data-missing") is None
    missing.click()
    page.wait_for_url(re.compile(rf"/en/{re.escape(V21)}/alpha/(\?|$)"))
    assert "documentation" in page.locator("h1").inner_text()
    notice = page.locator("#page-notice")
    notice.wait_for()
    assert "\u201cDeep dive\u201d is not available in Enterprise Server 2.21" in notice.inner_text()
    page.wait_for_function("!location.search")  # the notice's parameter leaves the address


def test_deprecated_release_url_points_at_the_newest_release(served_site, page):
    response = page.goto(f"{served_site}/en/enterprise-server@2.18/alpha/getting-started/first-steps/")
    assert response.status == 404
    notice = page.locator("#release-notice")
    notice.wait_for()
    assert "Enterprise Server 2.18 is deprecated" in notice.inner_text()
    link = notice.locator("a")
    assert link.get_attribute("href") == f"/en/{V22}/alpha/getting-started/first-steps/"
    link.click()
    page.wait_for_url(f"**/en/{V22}/alpha/getting-started/first-steps/")
    # a page the newest release does not have: its home instead
    page.goto(f"{served_site}/en/enterprise-server@2.17/nothing/here/")
    page.wait_for_function(f"document.querySelector('#release-notice a').getAttribute('href') === '/en/{V22}/'")
    # an unknown release is a plain 404
    page.goto(f"{served_site}/en/enterprise-server@9.9/alpha/")
    assert page.locator("#release-notice").is_hidden()


def test_search_finds_pages_of_the_version_being_read(served_site, page):
    page.goto(f"{served_site}/en/{V22}/alpha/")
    page.locator("#search-input").fill("xylophone")
    result = page.locator("#search-results a.result-link").first
    result.wait_for()
    assert "Deep dive" in result.inner_text()
    assert page.locator("#search-results a.result-link mark", has_text="xylophone").count() >= 1
    result.click()
    page.wait_for_url(f"{served_site}/en/{V22}/alpha/advanced/deep/")
    assert page.locator("h1").inner_text() == "Deep dive"
    # a page only in free-pro-team is not found from 2.22, but is from free-pro-team
    page.locator("#search-input").fill("quasar")
    page.locator("#search-results .search-status", has_text="No results").wait_for()
    page.goto(f"{served_site}/en/{FPT}/")
    page.locator("#search-input").fill("quasar")
    page.locator("#search-results a", has_text="Only in the latest").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{served_site}/en/{FPT}/alpha/getting-started/only-latest/")


def test_search_reads_code_blocks_far_into_a_page_and_enter_opens_the_results(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/alpha/")
    for word in ("hashFiles", "tool_cache"):
        page.locator("#search-input").fill(word)
        result = page.locator("#search-results a.result-link", has_text="Caching dependencies").first
        result.locator("mark", has_text=word).first.wait_for()  # highlighted in the snippet
    page.locator("#search-input").fill("cache dependencies")
    page.locator("#search-results a.result-link").first.wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/search/{FPT}/?q=cache+dependencies")
    first = page.locator("#search-page-results > li").first
    first.wait_for()
    assert "Caching dependencies" in first.locator(".result-title").first.inner_text()  # the title match ranks first
    assert page.locator("#search-page-results mark").count() >= 1
    assert "result" in page.locator("#search-page-status").inner_text()


def test_platform_spans_and_blocks_switch_together(served_site, page):
    page.goto(f"{served_site}{KEYS}")
    # the page's defaultPlatform wins over the reader's OS (linux here)
    assert page.locator(".platform-windows").is_visible() and page.locator(".extended-markdown.windows").is_visible()
    assert page.locator(".platform-linux").is_hidden() and page.locator(".extended-markdown.linux").is_hidden()
    page.locator('.platform-switcher button[data-platform="mac"]').click()
    assert page.locator(".platform-mac").is_visible() and page.locator(".extended-markdown.mac").is_visible()
    for other in ("windows", "linux"):
        assert page.locator(f".platform-{other}").is_hidden()
        assert page.locator(f".extended-markdown.{other}").is_hidden()
    assert page.locator('.platform-switcher button[data-platform="mac"]').get_attribute("aria-pressed") == "true"
    # the reader's choice sticks, over the page's default
    page.reload()
    assert page.locator(".platform-mac").is_visible() and page.locator(".platform-windows").is_hidden()


def test_platform_switcher_follows_the_os_without_a_default(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/alpha/getting-started/platforms/")
    visible = [p for p in ("mac", "windows", "linux") if page.locator(f".extended-markdown.{p}").is_visible()]
    assert visible == ["linux"]  # navigator.platform is Linux here
    page.locator('.platform-switcher button[data-platform="windows"]').click()
    assert page.locator(".extended-markdown.windows").is_visible()
    assert not page.locator(".extended-markdown.mac").is_visible()


def test_phone_title_on_the_first_screen_and_a_working_menu(served_site, phone):
    phone.goto(f"{served_site}/en/{FPT}/gamma/article-30/")
    title = phone.locator("h1").bounding_box()
    assert title is not None and title["y"] + title["height"] < PHONE["height"] / 2
    sidebar_link = phone.locator(".sidebar a.is-current")
    assert not sidebar_link.is_visible()  # the navigation waits in the drawer
    menu = phone.locator(".menu-button")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    assert menu.get_attribute("aria-expanded") == "true"
    sidebar_link.wait_for(state="visible")
    box = sidebar_link.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= PHONE["height"]  # the current page shows in the drawer
    phone.keyboard.press("Escape")
    phone.wait_for_function("!document.documentElement.classList.contains('nav-open')")
    assert menu.get_attribute("aria-expanded") == "false"
    menu.click()
    phone.locator(".sidebar a", has_text="Article number 31").click()
    phone.wait_for_url(f"**/en/{FPT}/gamma/article-31/")


def test_desktop_sidebar_scrolls_to_the_current_page(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/gamma/article-{MANY - 2:02d}/")
    current = page.locator(".sidebar a.is-current")
    assert current.inner_text() == f"Article number {MANY - 2:02d}"
    box = current.bounding_box()
    assert box["y"] > 0 and box["y"] + box["height"] < DESKTOP["height"]
    assert page.evaluate("document.getElementById('sidebar').scrollTop") > 0


def test_map_topic_articles_link_to_their_neighbours(served_site, page):
    page.goto(f"{served_site}/en/{FPT}/gamma/article-05/")
    assert page.locator(".pager-prev .pager-title").inner_text() == "Article number 04"
    page.locator(".pager-next").click()
    page.wait_for_url(f"**/en/{FPT}/gamma/article-06/")


def test_product_landing_page_shows_featured_links(served_site, page):
    page.goto(f"{served_site}{LANDING}")
    assert page.locator("pre").count() == 0  # no HTML shown as code
    guide = page.locator(".link-with-intro", has_text="First guide")
    assert guide.get_attribute("href") == f"/en/{FPT}/gamma/guide-one"
    assert guide.locator(".link-with-intro-intro").inner_text() == "Learn the first thing."
    assert page.locator(".link-with-intro", has_text="Caching dependencies").is_visible()
    button = page.locator(".intro-links a.btn", has_text="Quickstart")
    assert button.get_attribute("href") == f"/en/{FPT}/gamma/quickstart/"


def test_dark_mode_follows_the_system_and_the_toggle_persists(served_site, browser):
    def background(page):
        return page.evaluate("getComputedStyle(document.body).backgroundColor")

    context, page, errors = open_page(browser, color_scheme="dark")
    page.goto(f"{served_site}{FIRST_STEPS}")
    dark = background(page)
    assert dark == "rgb(13, 17, 23)"
    page.locator(".theme-toggle").click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    assert background(page) == "rgb(255, 255, 255)"
    page.reload()
    assert background(page) == "rgb(255, 255, 255)"  # the reader's choice outlives the page
    page.locator(".theme-toggle").click()
    assert background(page) == dark and page.locator(".theme-toggle").get_attribute("aria-pressed") == "true"
    context.close()
    assert errors == []


def test_code_blocks_have_a_language_label_and_copy_button(served_site, browser):
    context, page, errors = open_page(browser)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{served_site}/en/{FPT}/gamma/caching/")
    block = page.locator(".code-block").first
    assert block.locator(".code-language").inner_text() == "YAML"
    block.locator(".copy-button").click()
    block.locator(".copy-button", has_text="Copied").wait_for()
    assert "hashFiles('**/lockfile')" in page.evaluate("navigator.clipboard.readText()")
    context.close()
    assert errors == []


@pytest.mark.parametrize(("url", "viewport"), [(f"/en/{FPT}/", DESKTOP), (FIRST_STEPS, DESKTOP), (LANDING, DESKTOP),
                                               (KEYS, PHONE)], ids=["home", "article", "landing", "phone-article"])
def test_no_serious_accessibility_violations(served_site, browser, url, viewport):
    axe = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
    context, page, errors = open_page(browser, viewport)
    page.goto(f"{served_site}{url}")
    results = axe.Axe().run(page)
    serious = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    context.close()
    assert serious == []
    assert errors == []


def test_redirect_stub_and_404(served_site, page):
    page.goto(f"{served_site}/old/first-steps/")
    page.wait_for_url(f"**{FIRST_STEPS}")
    response = page.goto(f"{served_site}/404.html")
    assert response.ok and "Page not found" in page.locator("h1").inner_text()
