"""Tests for `render serve` (renderer.serve): routing, safety, errors, live reload, load."""

from __future__ import annotations

import http.client
import os
import queue
import re
import shutil
import socket
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from docs_fixture import versions_yaml

from renderer.serve import PreviewServer, is_temp_file, request_segments
from renderer.site.search import bundle_pages, read_bundle

FPT = "free-pro-team@latest"
GHES = "enterprise-server@3.0"
GHES_OLD = "enterprise-server@2.22"
SECRET = "TOP-SECRET-OUTSIDE-THE-TREE"
SITE_TEMPLATES = Path(__file__).resolve().parents[1] / "site" / "templates"


# --------------------------------------------------------------------------
# A small docs tree
# --------------------------------------------------------------------------

FILES = {
    "data/versions.yml": versions_yaml("3.0", "2.22"),
    "data/variables/product.yml": """
        prodname: Octoproduct
        other: Elsewhere
        """,
    "reusables/shared/note.md": "Shared note for {% data variables.product.prodname %}.",
    "reusables/other/thing.md": "An unrelated reusable.",
    "content/index.md": """
        ---
        title: Home
        versions:
          free-pro-team: '*'
          enterprise-server: '*'
        ---

        Welcome home.

        {% link_in_list /guide %}
        """,
    "content/guide/index.md": """
        ---
        title: Guide
        versions:
          free-pro-team: '*'
          enterprise-server: '*'
        ---

        {% link_in_list /alpha %}
        {% link_in_list /beta %}
        """,
    "content/guide/alpha.md": """
        ---
        title: Alpha page
        versions:
          free-pro-team: '*'
          enterprise-server: '*'
        ---

        Alpha body in {% if currentVersion == "free-pro-team@latest" %}the cloud{% else %}a server{% endif %}.

        {% data reusables.shared.note %}
        """,
    "content/guide/beta.md": """
        ---
        title: Beta page
        versions:
          free-pro-team: '*'
        redirect_from:
          - /old/beta-path
        ---

        Beta body. {% data reusables.other.thing %}
        """,
    "content/guide/server-only.md": """
        ---
        title: Server only
        versions:
          enterprise-server: '>=3.0'
        ---

        Only on servers.
        """,
    "site/static/style.css": "body { color: black; }\n",
    "assets/images/pic.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>\n",
}


def write(root: Path, relpath: str, text: str) -> Path:
    path = root / relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def make_tree(base: Path) -> Path:
    root = base / "docs"
    for relpath, text in FILES.items():
        write(root, relpath, text)
    if SITE_TEMPLATES.is_dir():  # the site's own layouts, so site/static here is the one served
        shutil.copytree(SITE_TEMPLATES, root / "site" / "templates")
    (base / "secret.txt").write_text(SECRET, encoding="utf-8")
    write(base, "secret.md", f"---\ntitle: {SECRET}\nversions:\n  free-pro-team: '*'\n---\n{SECRET}\n")
    os.symlink(base / "secret.md", root / "content" / "leak.md")
    os.symlink(base / "secret.txt", root / "site" / "static" / "leak.css")
    os.symlink(base, root / "site" / "static" / "up")
    os.symlink(base / "secret.txt", root / "assets" / "images" / "leak.png")
    return root


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A read-only server shared by the routing tests (no watcher)."""
    root = make_tree(tmp_path_factory.mktemp("served"))
    server = PreviewServer(root, port=0, watch=False).start()
    yield server
    server.stop()


@pytest.fixture()
def live(tmp_path):
    """A watching server on a fresh tree, for tests that edit files."""
    root = make_tree(tmp_path)
    server = PreviewServer(root, port=0, watch=True).start()
    assert server.wait_watching(5), "file watcher did not start"
    server.root = root
    yield server
    server.stop()


def get(server: PreviewServer | int, path: str, method: str = "GET") -> tuple[int, dict[str, str], str]:
    """One request to a server (or a port on 127.0.0.1): status, headers (lower-case names), body."""
    port = server if isinstance(server, int) else server.port
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        conn.close()


def raw_get(server: PreviewServer, target: bytes) -> tuple[int, bytes]:
    """Send a request line as-is (no client-side normalisation) and return (status, whole reply)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        chunks = []
        while True:
            data = sock.recv(65536)
            if not data:
                break
            chunks.append(data)
    reply = b"".join(chunks)
    match = re.match(rb"HTTP/1\.[01] (\d{3})", reply)
    assert match, reply[:200]
    return int(match.group(1)), reply


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


# --------------------------------------------------------------------------
# Pages, versions, redirects, 404
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version, expected",
    [(FPT, "Alpha body in the cloud"), (GHES, "Alpha body in a server"), (GHES_OLD, "Alpha body in a server")],
)
def test_page_in_each_version(served, version, expected):
    status, headers, body = get(served, f"/en/{version}/guide/alpha/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    assert expected in body
    assert "Shared note for Octoproduct." in body
    assert "Alpha page" in body
    assert "/__reload" in body  # the live-reload script is injected


def test_page_without_trailing_slash_and_home(served):
    assert get(served, f"/en/{FPT}/guide/alpha")[0] == 200
    status, _, body = get(served, f"/en/{GHES}/")
    assert status == 200 and "Welcome home." in body


def test_version_picker_links_to_other_versions(served):
    _, _, body = get(served, f"/en/{FPT}/guide/alpha/")
    for version in (GHES, GHES_OLD):
        assert re.search(rf'href="/en/{re.escape(version)}/guide/alpha/?"', body), f"no picker link to {version}"


def test_page_not_in_version_is_404(served):
    assert get(served, f"/en/{GHES}/guide/beta/")[0] == 404
    assert get(served, f"/en/{FPT}/guide/server-only/")[0] == 404
    assert get(served, f"/en/{GHES}/guide/server-only/")[0] == 200


@pytest.mark.parametrize(
    "path, status, location",
    [
        ("/", 302, f"/en/{FPT}/"),
        ("/en", 302, f"/en/{FPT}/"),
        ("/en/", 302, f"/en/{FPT}/"),
        ("/guide/alpha", 302, f"/en/{FPT}/guide/alpha"),
        ("/en/guide/alpha/", 302, f"/en/{FPT}/guide/alpha"),
        (f"/{GHES}/guide/alpha", 404, None),  # version without language: the build has no stub for it either
        ("/en/guide/server-only", 302, f"/en/{GHES}/guide/server-only"),  # not in the default version
        ("/old/beta-path", 301, f"/en/{FPT}/guide/beta"),
        ("/en/old/beta-path/", 301, f"/en/{FPT}/guide/beta"),
        (f"/en/{FPT}/old/beta-path", 301, f"/en/{FPT}/guide/beta"),
        (f"/en/{GHES}/old/beta-path", 404, None),  # beta does not exist there (no stub in the build either)
    ],
)
def test_redirects(served, path, status, location):
    got, headers, _ = get(served, path)
    assert got == status
    if location is not None:
        assert headers["location"].rstrip("/") == location.rstrip("/")


def test_unknown_paths_give_the_404_page(served):
    for path in (f"/en/{FPT}/no/such/page/", "/no-such-thing", f"/en/{FPT}/guide/alpha/extra", "/static/missing.css",
                 "/en/enterprise-server@9.9/guide/alpha/"):
        status, headers, body = get(served, path)
        assert status == 404, path
        assert headers["content-type"].startswith("text/html")
        assert "<html" in body.lower()


def test_static_assets_and_head(served):
    status, headers, body = get(served, "/static/style.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and "color: black" in body
    status, headers, body = get(served, "/assets/images/pic.svg")
    assert status == 200 and headers["content-type"].startswith("image/svg+xml")
    status, headers, body = get(served, f"/en/{FPT}/guide/alpha/", method="HEAD")
    assert status == 200 and body == "" and int(headers["content-length"]) > 0


@pytest.mark.parametrize("host", [b"evil.example", b"evil.example:4000", b"127.0.0.1.evil.example", b""])
def test_foreign_host_header_is_refused(served, host):
    """DNS rebinding: a page on another site must not read the preview."""
    with socket.create_connection(("127.0.0.1", served.port), timeout=10) as sock:
        sock.sendall(b"GET /en/free-pro-team@latest/guide/alpha/ HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n")
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 403"), reply[:100]
    for ok in (f"localhost:{served.port}", f"127.0.0.1:{served.port}", "localhost"):
        conn = http.client.HTTPConnection("127.0.0.1", served.port, timeout=10)
        conn.request("GET", f"/en/{FPT}/guide/alpha/", headers={"Host": ok})
        assert conn.getresponse().status == 200
        conn.close()


def test_search_index_per_version(served):
    status, headers, body = get(served, f"/search/{FPT}/pagefind/pagefind.js")
    assert status == 200 and "javascript" in headers["content-type"]
    status, headers, body = get(served, f"/search/{FPT}/")
    assert status == 200 and 'id="search-page-input"' in body
    app = served.app
    urls = {p["url"] for p in bundle_pages(app.search_files(FPT))}
    assert f"/en/{FPT}/guide/beta/" in urls and f"/en/{FPT}/guide/server-only/" not in urls
    urls = {p["url"] for p in bundle_pages(app.search_files(GHES))}
    assert f"/en/{GHES}/guide/server-only/" in urls and f"/en/{GHES}/guide/beta/" not in urls
    assert get(served, "/search/nope/pagefind/pagefind.js")[0] == 404
    assert get(served, f"/search/{FPT}/pagefind/nope.js")[0] == 404


def test_every_redirect_of_the_site_model_is_served(served):
    """One redirect table for build and serve: each entry is answered with its status and target."""
    redirects = served.app.site.redirects
    assert len(redirects) > 5
    for key, redirect in redirects.items():
        status, headers, _ = get(served, "/" + key)
        assert (status, headers.get("location")) == (redirect.status, redirect.target), key


def test_search_index_is_the_built_one(served, tmp_path):
    from renderer.build import BuildOptions, build

    build(BuildOptions(root=served.app.root, out=tmp_path / "site", jobs=1, progress=False, use_cache=False,
                       keep_going=True))
    for version in (FPT, GHES, GHES_OLD):
        built = read_bundle(tmp_path / "site", version)
        assert built, version
        for path, data in built.items():
            response = served.app.respond("/" + path)
            assert response.status == 200 and response.body == data, path
    texts = [p["content"] for p in bundle_pages(served.app.search_files(FPT))]
    assert any("Alpha body in the cloud" in text for text in texts)  # from the rendered body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head(served, method):
    status, headers, _ = get(served, f"/en/{FPT}/guide/alpha/", method=method)
    assert status in (405, 501)


# --------------------------------------------------------------------------
# Safety: nothing outside the docs tree can be read
# --------------------------------------------------------------------------

NASTY_PATHS = [
    b"/../secret.txt",
    b"/../../secret.txt",
    b"/static/../../secret.txt",
    b"/static/../../../secret.txt",
    b"/static/%2e%2e/%2e%2e/secret.txt",
    b"/static/%2E%2E%2F%2E%2E%2Fsecret.txt",
    b"/static/..%2f..%2fsecret.txt",
    b"/static/%252e%252e%252f%252e%252e%252fsecret.txt",
    b"/static/%25252e%25252e/secret.txt",
    b"/static/..%5c..%5csecret.txt",
    b"/static/..\\..\\secret.txt",
    b"/static/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.txt",
    b"/static/style.css%00.png",
    b"/static/%00../../secret.txt",
    b"/static/leak.css",
    b"/static/up/secret.txt",
    b"/static//secret.txt",
    b"//secret.txt",
    b"/en/free-pro-team@latest/leak/",
    b"/en/free-pro-team@latest/leak",
    b"/leak",
    b"/en/free-pro-team@latest/../../secret",
    b"/en/free-pro-team@latest/%2e%2e/%2e%2e/secret",
    b"/en/free-pro-team@latest/..%2f..%2f..%2fsecret",
    b"/en/free-pro-team@latest/guide/..%5c..%5c..%5csecret",
    b"/en/free-pro-team@latest/%252e%252e/secret",
    b"/en/%2e%2e/%2e%2e/secret",
    b"/static/.htaccess",
    b"/assets/images/leak.png",
    b"/assets/../secret.txt",
    b"/assets/%2e%2e/secret.txt",
    b"/assets/images/..%2f..%2f..%2fsecret.txt",
    b"/.git/config",
    b"http://127.0.0.1/../secret.txt",
    b"http://127.0.0.1/static/../../secret.txt",
]


@pytest.mark.parametrize("target", NASTY_PATHS, ids=[p.decode("latin-1") for p in NASTY_PATHS])
def test_traversal_attempts_are_refused(served, target):
    status, reply = raw_get(served, target)
    if b"leak" in target and b"static" not in target and b"assets" not in target:
        # content/leak.md links out of content/: the writer sees it refused, located (the build and check do too)
        assert status == 500 and b"content/leak.md" in reply, status
    else:
        assert status in (400, 404), status
    assert SECRET.encode() not in reply


def test_symlinked_files_inside_the_tree_still_work(served, tmp_path):
    # A symlink that stays inside site/static is fine; the refusal is about leaving it.
    assert get(served, "/static/style.css")[0] == 200


def test_request_segments_unit():
    assert request_segments("/en/x/y/?q=1#f") == ["en", "x", "y"]
    assert request_segments("/caf%C3%A9") == ["café"]
    for bad in ("/a/../b", "/%2e%2e/b", "/a%00b", "/a%5cb", "/%252e%252e", "/.git", "/a\\b", "/%ff"):
        assert request_segments(bad) is None, bad


def test_temp_files_unit():
    for name in (".alpha.md.swp", "alpha.md~", "#alpha.md#", ".#alpha.md", "4913", "alpha.md.tmp", ".goutputstream-X1"):
        assert is_temp_file(name), name
    for name in ("alpha.md", "product.yml", "style.css"):
        assert not is_temp_file(name), name


# --------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------


def test_200_concurrent_requests(served):
    paths = [f"/en/{v}/guide/alpha/" for v in (FPT, GHES, GHES_OLD)] + [f"/en/{FPT}/guide/beta/", "/static/style.css"]
    barrier = threading.Barrier(200, timeout=20)

    def one(i: int) -> int:
        barrier.wait()
        return get(served, paths[i % len(paths)])[0]

    with ThreadPoolExecutor(max_workers=200) as pool:
        statuses = list(pool.map(one, range(200)))
    assert statuses == [200] * 200


# --------------------------------------------------------------------------
# Error pages
# --------------------------------------------------------------------------


def _status(server, path):
    return get(server, path)[0]


def test_liquid_error_page_then_fix(live):
    page = live.root / "content/guide/alpha.md"
    original = page.read_text()
    broken = original.replace("{% endif %}", "")  # an unclosed if
    assert broken != original
    path = f"/en/{GHES}/guide/alpha/"
    assert _status(live, path) == 200
    page.write_text(broken)
    assert wait_for(lambda: _status(live, path) == 500), "the broken page was not re-rendered"
    status, _, body = get(live, path)
    assert status == 500
    assert re.search(r"content/guide/alpha\.md:\d+:\d+", body), body[:2000]
    assert GHES in body
    assert "/__reload" in body  # the error page live-reloads too
    page.write_text(original)
    assert wait_for(lambda: _status(live, path) == 200), "fixing the file did not bring the page back"


def test_yaml_frontmatter_error_names_line_and_column(live):
    page = live.root / "content/guide/alpha.md"
    original = page.read_text()
    page.write_text(original.replace("title: Alpha page", "title: [unclosed"))
    path = f"/en/{FPT}/guide/alpha/"
    assert wait_for(lambda: _status(live, path) == 500)
    _, _, body = get(live, path)
    assert re.search(r"content/guide/alpha\.md:\d+:\d+", body)
    assert FPT in body
    page.write_text(original)
    assert wait_for(lambda: _status(live, path) == 200)


def test_error_in_reusable_names_the_reusable(live):
    reusable = live.root / "reusables/shared/note.md"
    reusable.write_text("Broken {% data variables.product.nope %} here.\n")
    path = f"/en/{FPT}/guide/alpha/"
    assert wait_for(lambda: _status(live, path) == 500)
    _, _, body = get(live, path)
    assert "reusables/shared/note.md:1:" in body
    reusable.write_text("Fixed note.\n")
    assert wait_for(lambda: _status(live, path) == 200)
    assert "Fixed note." in get(live, path)[2]


# --------------------------------------------------------------------------
# Live reload
# --------------------------------------------------------------------------


class EventStream:
    """A minimal server-sent events client reading in a thread."""

    def __init__(self, server: PreviewServer, page_path: str, status: int = 200):
        got, _, body = get(server, page_path)
        assert got == status
        gen = re.search(r'gen=([\w-]+)"', body)
        assert gen, "no reload script with a generation token"
        self.events: queue.Queue = queue.Queue()
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        self.sock.sendall(f"GET /__reload?path={page_path}&gen={gen.group(1)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        self.file = self.sock.makefile("rb")
        status_line = self.file.readline()
        assert b" 200 " in status_line
        while self.file.readline() not in (b"\r\n", b"\n", b""):
            pass
        self.connected = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        assert self.connected.wait(5)

    def _read(self) -> None:
        try:
            for line in self.file:
                if line.startswith(b": subscribed"):
                    self.connected.set()
                if line.startswith(b"event: "):
                    self.events.put((time.monotonic(), line[7:].strip().decode()))
        except OSError:
            pass

    def wait(self, timeout: float):
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


def test_reusable_change_reloads_only_pages_using_it(live):
    alpha_fpt = EventStream(live, f"/en/{FPT}/guide/alpha/")
    alpha_ghes = EventStream(live, f"/en/{GHES}/guide/alpha/")
    beta = EventStream(live, f"/en/{FPT}/guide/beta/")
    try:
        assert alpha_fpt.wait(0.3) is None  # up to date: no reload on connect
        write(live.root, "reusables/shared/note.md", "An edited note.")
        got = alpha_fpt.wait(5)
        assert got is not None and got[1] == "reload"
        assert (alpha_ghes.wait(2) or (0, ""))[1] == "reload"
        assert beta.wait(0.4) is None, "an unrelated page was reloaded"
        assert "An edited note." in get(live, f"/en/{FPT}/guide/alpha/")[2]
    finally:
        for stream in (alpha_fpt, alpha_ghes, beta):
            stream.close()


def test_variable_and_page_edits_reload_the_right_tabs(live):
    alpha = EventStream(live, f"/en/{FPT}/guide/alpha/")
    beta = EventStream(live, f"/en/{FPT}/guide/beta/")
    try:
        write(live.root, "data/variables/product.yml", "prodname: Renamed\nother: Elsewhere\n")
        assert (alpha.wait(5) or (0, ""))[1] == "reload"  # via the reusable that uses the variable
        assert beta.wait(0.3) is None
        assert "Shared note for Renamed." in get(live, f"/en/{FPT}/guide/alpha/")[2]
    finally:
        alpha.close()
        beta.close()
    beta = EventStream(live, f"/en/{FPT}/guide/beta/")
    index = EventStream(live, f"/en/{FPT}/guide/")  # links to beta with its title only
    try:
        page = live.root / "content/guide/beta.md"
        page.write_text(page.read_text().replace("Beta body.", "Beta body, edited."))
        assert (beta.wait(5) or (0, ""))[1] == "reload"
        assert index.wait(0.3) is None, "the body edit does not change the index page"
        assert "Beta body, edited." in get(live, f"/en/{FPT}/guide/beta/")[2]
    finally:
        beta.close()
        index.close()


def test_title_edit_reloads_pages_showing_the_title(live):
    """A title appears in link lists and in the navigation of its version, not elsewhere."""
    streams = {name: EventStream(live, path) for name, path in {
        "beta": f"/en/{FPT}/guide/beta/",
        "index": f"/en/{FPT}/guide/",
        "server-only": f"/en/{GHES}/guide/server-only/",  # beta does not exist there
    }.items()}
    try:
        page = live.root / "content/guide/beta.md"
        page.write_text(page.read_text().replace("title: Beta page", "title: Renamed beta"))
        assert (streams["beta"].wait(5) or (0, ""))[1] == "reload"
        assert (streams["index"].wait(2) or (0, ""))[1] == "reload"
        assert streams["server-only"].wait(0.3) is None
        assert "Renamed beta" in get(live, f"/en/{FPT}/guide/")[2]
    finally:
        for stream in streams.values():
            stream.close()


def test_temp_files_and_build_output_do_not_reload(live):
    alpha = EventStream(live, f"/en/{FPT}/guide/alpha/")
    try:
        for name in ("content/guide/.alpha.md.swp", "content/guide/alpha.md~", "reusables/shared/4913",
                     "content/_site/index.html", "site/.render-cache/x", "_site/en/index.html"):
            write(live.root, name, "junk")
        assert alpha.wait(0.5) is None
    finally:
        alpha.close()


def test_missed_change_reloads_on_subscribe(live):
    status, _, body = get(live, f"/en/{FPT}/guide/alpha/")
    gen = re.search(r'gen=([\w-]+)"', body).group(1)
    write(live.root, "reusables/shared/note.md", "Changed before the tab subscribed.")
    assert wait_for(lambda: "Changed before" in get(live, f"/en/{FPT}/guide/alpha/")[2])
    with socket.create_connection(("127.0.0.1", live.port), timeout=5) as sock:
        sock.sendall(f"GET /__reload?path=/en/{FPT}/guide/alpha/&gen={gen} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        data = b""
        while b"event: reload" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
    assert b"event: reload" in data


def test_404_tab_reloads_when_its_page_is_created(live):
    path = f"/en/{FPT}/guide/gamma/"
    stream = EventStream(live, path, status=404)
    try:
        assert stream.wait(0.3) is None
        write(live.root, "content/guide/gamma.md", "---\ntitle: Gamma\nversions:\n  free-pro-team: '*'\n---\nNew page.\n")
        assert (stream.wait(5) or (0, ""))[1] == "reload"
        status, _, body = get(live, path)
        assert status == 200 and "New page." in body
    finally:
        stream.close()


def test_site_asset_edit_reloads_open_pages(live):
    alpha = EventStream(live, f"/en/{FPT}/guide/alpha/")
    try:
        write(live.root, "site/static/style.css", "body { color: navy; }\n")
        assert (alpha.wait(5) or (0, ""))[1] == "reload"
        assert "navy" in get(live, "/static/style.css")[2]
    finally:
        alpha.close()


def test_broken_versions_file_shows_error_then_recovers(live):
    versions = live.root / "data/versions.yml"
    original = versions.read_text()
    path = f"/en/{FPT}/guide/alpha/"
    versions.write_text(original.replace("plans:", "plans: [oops"))
    assert wait_for(lambda: _status(live, path) == 500)
    assert "data/versions.yml" in get(live, path)[2]
    versions.write_text(original.replace("releases: ['3.0', '2.22']", "releases: ['3.1', '3.0', '2.22']"))
    assert wait_for(lambda: _status(live, path) == 200)
    assert _status(live, "/en/enterprise-server@3.1/guide/alpha/") == 200  # the new release is served


def test_broken_links_are_shown_on_the_page_and_logged(tmp_path):
    root = make_tree(tmp_path)
    write(root, "content/guide/linker.md", "---\ntitle: Linker\nversions:\n  free-pro-team: '*'\n---\n\n"
          "See [gamma](/guide/gamma) and [beta](/guide/beta#nowhere).\n")
    logs: list[str] = []
    path = f"/en/{FPT}/guide/linker/"
    with PreviewServer(root, port=0, watch=True, log=logs.append) as server:
        assert server.wait_watching(5)
        problems = server.app.problems("guide/linker.md", FPT)
        assert sorted((p.kind, p.severity, p.file, p.line) for p in problems) == [
            ("anchor", "error", "content/guide/linker.md", 7), ("link", "error", "content/guide/linker.md", 7)]
        status, _, body = get(server, path)
        assert status == 200 and "render serve: 2 broken links on this page" in body
        assert "content/guide/linker.md:7:" in body
        assert any(line.startswith("content/guide/linker.md:7:") and "(link)" in line for line in logs), logs
        stream = EventStream(server, path)
        try:
            write(root, "content/guide/gamma.md", "---\ntitle: Gamma\nversions:\n  free-pro-team: '*'\n---\nNew.\n")
            assert (stream.wait(5) or (0, ""))[1] == "reload"
            assert "1 broken link on this page" in get(server, path)[2]
            beta = root / "content/guide/beta.md"
            beta.write_text(beta.read_text() + "\n## Nowhere\n\nNow it is somewhere.\n")
            assert (stream.wait(5) or (0, ""))[1] == "reload"  # the anchor it links to exists now
            assert "render-serve-problems" not in get(server, path)[2]
            assert server.app.problems("guide/linker.md", FPT) == []
        finally:
            stream.close()


def test_site_model_refresh_keeps_the_redirect_table_only_while_urls_stay(tmp_path):
    from renderer.model.tree import DocsTree
    from renderer.site.model import SiteModel

    root = make_tree(tmp_path)
    tree = DocsTree(root)
    site = SiteModel(tree)
    table = site.redirects
    beta = root / "content/guide/beta.md"
    beta.write_text(beta.read_text().replace("title: Beta page", "title: Renamed beta"))
    tree.forget_page("guide/beta.md")
    renamed = site.refreshed()
    assert renamed.redirects is table and renamed.page("guide/beta.md").title == "Renamed beta"
    beta.write_text(beta.read_text().replace("/old/beta-path", "/older/beta-path"))
    tree.forget_page("guide/beta.md")
    moved = renamed.refreshed()
    assert moved.redirects is not table
    assert "older/beta-path" in moved.redirects and "old/beta-path" not in moved.redirects


def test_redirect_from_edit_is_served_at_once(live):
    beta = live.root / "content/guide/beta.md"
    beta.write_text(beta.read_text().replace("/old/beta-path", "/older/beta-path"))
    assert wait_for(lambda: get(live, "/older/beta-path")[0] == 301)
    assert get(live, "/older/beta-path")[1]["location"] == f"/en/{FPT}/guide/beta/"
    assert get(live, "/old/beta-path")[0] == 404


def test_many_tabs_and_requests_at_once(live):
    """40 open tabs and 200 simultaneous requests: every request answered, every tab reloaded."""
    path = f"/en/{FPT}/guide/alpha/"
    streams = [EventStream(live, path) for _ in range(40)]
    try:
        barrier = threading.Barrier(200, timeout=20)

        def one(i: int) -> int:
            barrier.wait()
            return get(live, path if i % 2 else "/static/style.css")[0]

        with ThreadPoolExecutor(max_workers=200) as pool:
            assert list(pool.map(one, range(200))) == [200] * 200
        write(live.root, "reusables/shared/note.md", "A note edited with 40 tabs open.")
        assert all((stream.wait(10) or (0, ""))[1] == "reload" for stream in streams)
    finally:
        for stream in streams:
            stream.close()
