"""Resource limits: each hostile input fails within 10 s and 500 MB, with a located
error naming the file, in `render check`, `render build`, `render <page>` and the
preview server alike.

Commands run as subprocesses in their own session (killed as a group at the time
limit); their peak memory is the largest child's ru_maxrss, measured by a small
wrapper process so that nothing else this test process ran is counted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from docs_fixture import REPO_ROOT, time_limit, versions_yaml

from renderer.serve import PreviewApp

FPT = "free-pro-team@latest"
SECONDS = 10
MAX_RSS_MB = 500

# 342 bytes: 9^9 "lol"s once every alias is repeated
ALIAS_BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{name}: &{name} [{','.join(['*' + prev] * 9)}]\n" for prev, name in zip("abcdefgh", "bcdefghi", strict=True))


# Runs the command given after the result file, then writes its exit status, output and
# the peak memory of its process tree (children reaped by the command count too).
MEASURE = (
    "import json, resource, subprocess, sys\n"
    "done = subprocess.run(sys.argv[2:], capture_output=True, text=True, errors='replace')\n"
    "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "json.dump({'rc': done.returncode, 'out': done.stdout, 'err': done.stderr, 'rss_kb': rss}, open(sys.argv[1], 'w'))\n"
)


@dataclass
class Outcome:
    rc: int
    output: str
    rss_mb: float


def run_limited(tmp_path: Path, *args: str, env: dict | None = None) -> Outcome:
    """`python -m renderer ARGS` within SECONDS and MAX_RSS_MB, or the test fails."""
    result_file = tmp_path / f"result-{os.getpid()}-{len(list(tmp_path.glob('result-*')))}.json"
    process = subprocess.Popen([sys.executable, "-c", MEASURE, str(result_file), sys.executable, "-m", "renderer", *args],
                               cwd=REPO_ROOT, env={**os.environ, **(env or {})}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"`render {' '.join(args)}` took longer than {SECONDS} s")
    data = json.loads(result_file.read_text())
    outcome = Outcome(data["rc"], data["out"] + data["err"], data["rss_kb"] / 1024)
    assert outcome.rss_mb < MAX_RSS_MB, f"`render {' '.join(args)}` used {outcome.rss_mb:.0f} MB"
    assert "Traceback" not in outcome.output, outcome.output
    return outcome


def make_root(tmp_path: Path, pages: dict[str, str] | None = None) -> Path:
    root = tmp_path / "docs"
    files = {
        "data/versions.yml": versions_yaml("2.22"),
        "data/variables/product.yml": "name: Octo\n",
        "content/index.md": "---\ntitle: Home\nversions: '*'\n---\nHome.\n",
        **(pages or {}),
    }
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def page(body: str) -> str:
    return f"---\ntitle: P\nversions: '*'\n---\n{body}"


def assert_every_command_fails_naming(tmp_path: Path, root: Path, named: str, page_file: str | None = None,
                                      env: dict | None = None) -> None:
    """check, build and (for a page) `render <page>` exit 1 within the limits, naming `named` with a line."""
    located = re.compile(re.escape(named) + r":\d+(:\d+)?")
    check = run_limited(tmp_path, "check", "--root", str(root), env=env)
    assert check.rc == 1 and located.search(check.output), check.output
    build = run_limited(tmp_path, "build", "--root", str(root), "--out", str(tmp_path / "_site"), env=env)
    assert build.rc == 1 and located.search(build.output), build.output
    if page_file is not None:
        single = run_limited(tmp_path, "--root", str(root), str(root / page_file), env=env)
        assert single.rc == 1 and located.search(single.output), single.output


# --- YAML ------------------------------------------------------------------------------


def test_alias_bomb_read_through_site_data(tmp_path):
    root = make_root(tmp_path, {"content/bomb.md": page("{{ site.data.variables.bomb.i }}\n"),
                                "data/variables/bomb.yml": ALIAS_BOMB})
    assert_every_command_fails_naming(tmp_path, root, "data/variables/bomb.yml", "content/bomb.md")
    app = PreviewApp(root)
    with time_limit(SECONDS):
        response = app.respond(f"/en/{FPT}/bomb/")
    assert response.status == 500 and re.search(rb"data/variables/bomb.yml:\d+:\d+", response.body)


def test_a_huge_value_through_site_data_is_refused(tmp_path):
    # no aliases: 400,000 two-letter strings, 2.4 MB of YAML, which a template would print in one go
    big = "items: [" + ", ".join(["ab"] * 400_000) + "]\n"
    root = make_root(tmp_path, {"content/big.md": page("{{ site.data.variables.big.items }}\n"),
                                "data/variables/big.yml": big})
    assert_every_command_fails_naming(tmp_path, root, "data/variables/big.yml", "content/big.md")
    small = run_limited(tmp_path, "--root", str(root), str(root / "content/big.md"), env={"RENDER_SITE_DATA_MAX": "2000000"})
    assert small.rc == 0 and small.output.count("ab") == 400_000


@pytest.mark.parametrize("file", ["data/versions.yml", "data/variables/bomb.yml", "data/link-rules.yml",
                                  "data/frontmatter.yml"])
def test_alias_bombs_in_other_yaml_files_are_located(tmp_path, file):
    root = make_root(tmp_path, {"content/bomb.md": page("{% data variables.bomb.a %}\n"), file: ALIAS_BOMB})
    assert_every_command_fails_naming(tmp_path, root, file)


def test_alias_bomb_in_products_yml_leaves_the_index_order(tmp_path):
    root = make_root(tmp_path, {"data/products.yml": ALIAS_BOMB + "productsInOrder: *i\n"})
    build = run_limited(tmp_path, "build", "--root", str(root), "--out", str(tmp_path / "_site"))
    assert build.rc == 0, build.output


@pytest.mark.parametrize("text, message", [
    ("n: 1" + "0" * 5000 + "\n", "integer string conversion"),
    ("a: &a [*a]\n", "recursive alias"),
    ("n: " + "[" * 2000 + "]" * 2000 + "\n", "nesting depth"),
])
def test_yaml_values_python_cannot_hold_are_located(tmp_path, text, message):
    root = make_root(tmp_path, {"content/x.md": page("{% data variables.odd.n %}\n"), "data/variables/odd.yml": text})
    check = run_limited(tmp_path, "check", "--root", str(root))
    assert check.rc == 1 and "data/variables/odd.yml:1:" in check.output and message in check.output, check.output


# --- files that are not regular, or too large ----------------------------------------


def test_page_symlink_to_dev_zero(tmp_path):
    root = make_root(tmp_path)
    (root / "content" / "zero.md").symlink_to("/dev/zero")
    assert_every_command_fails_naming(tmp_path, root, "content/zero.md")
    with time_limit(SECONDS):
        response = PreviewApp(root).respond(f"/en/{FPT}/zero/")  # never read: refused, located, as in the build
    assert response.status == 500 and b"content/zero.md" in response.body


def test_page_that_is_a_fifo(tmp_path):
    root = make_root(tmp_path)
    os.mkfifo(root / "content" / "pipe.md")
    assert_every_command_fails_naming(tmp_path, root, "content/pipe.md", "content/pipe.md")
    with time_limit(SECONDS):
        response = PreviewApp(root).respond(f"/en/{FPT}/pipe/")
    assert response.status == 500 and b"not a regular file (a named pipe (FIFO))" in response.body


def test_reusable_that_is_a_fifo(tmp_path):
    root = make_root(tmp_path, {"content/uses.md": page("{% data reusables.pipe %}\n")})
    (root / "reusables").mkdir()
    os.mkfifo(root / "reusables" / "pipe.md")
    assert_every_command_fails_naming(tmp_path, root, "reusables/pipe.md", "content/uses.md")


def test_a_50_mb_page(tmp_path):
    root = make_root(tmp_path, {"content/huge.md": page("x" * (50 * 1024 * 1024))})
    assert_every_command_fails_naming(tmp_path, root, "content/huge.md", "content/huge.md")
    check = run_limited(tmp_path, "check", "--root", str(root))
    assert "file is too large (52,428,831 bytes; the limit is 4,194,304" in check.output


def test_a_4_gib_sparse_page(tmp_path):
    root = make_root(tmp_path, {"content/sparse.md": page("x\n")})
    with open(root / "content" / "sparse.md", "r+b") as file:
        file.truncate(4 * 1024**3)
    assert_every_command_fails_naming(tmp_path, root, "content/sparse.md", "content/sparse.md")


def test_the_source_size_limit_is_set_by_an_environment_variable(tmp_path):
    root = make_root(tmp_path, {"content/two-kb.md": page("y" * 2000 + "\n")})
    tight = run_limited(tmp_path, "check", "--root", str(root), env={"RENDER_MAX_SOURCE_BYTES": "1000"})
    assert tight.rc == 1 and "content/two-kb.md:1:1" in tight.output and "RENDER_MAX_SOURCE_BYTES" in tight.output
    assert run_limited(tmp_path, "check", "--root", str(root), env={"RENDER_MAX_SOURCE_BYTES": "3000"}).rc == 0
    bad = run_limited(tmp_path, "check", "--root", str(root), env={"RENDER_MAX_SOURCE_BYTES": "lots"})
    assert bad.rc == 1 and "RENDER_MAX_SOURCE_BYTES='lots' must be a positive whole number" in bad.output


# --- the sidebar -----------------------------------------------------------------------


def nav_tree(tmp_path: Path, articles: int) -> Path:
    """prod/cat with two map topics of two articles each, and `articles` loose articles."""
    pages = {
        "content/prod/index.md": "---\ntitle: Prod\nversions: '*'\n---\n{% link_in_list /cat %}\n{% link_in_list /other %}\n",
        "content/prod/other/index.md": "---\ntitle: Other\nversions: '*'\n---\n{% link_in_list /elsewhere %}\n",
        "content/prod/other/elsewhere.md": "---\ntitle: Elsewhere\nversions: '*'\n---\nx\n",
        "content/prod/cat/index.md": ("---\ntitle: Cat\nversions: '*'\n---\n{% topic_link_in_list /t1 %}\n"
                                      "  {% link_in_list /a1 %}\n  {% link_in_list /a2 %}\n{% topic_link_in_list /t2 %}\n"
                                      "  {% link_in_list /b1 %}\n  {% link_in_list /b2 %}\n"),
    }
    for name in ("t1", "t2"):
        pages[f"content/prod/cat/{name}.md"] = f"---\ntitle: Topic {name}\nmapTopic: true\nversions: '*'\n---\n"
    for name in ("a1", "a2", "b1", "b2", *(f"n{i:04}" for i in range(articles))):
        pages[f"content/prod/cat/{name}.md"] = f"---\ntitle: Article {name}\nversions: '*'\n---\nText.\n"
    return make_root(tmp_path, pages)


SIDEBAR = re.compile(r'<aside class="sidebar" id="sidebar">(.*?)</aside>', re.S)


def sidebar_of(out: Path, path: str) -> str:
    return SIDEBAR.search((out / "en" / FPT / path / "index.html").read_text()).group(1)


def test_the_sidebar_opens_only_what_is_on_the_page_path(tmp_path):
    root = nav_tree(tmp_path, 0)
    out = tmp_path / "_site"
    assert run_limited(tmp_path, "build", "--root", str(root), "--out", str(out)).rc == 0
    a1 = sidebar_of(out, "prod/cat/a1")
    assert f'<a href="/en/{FPT}/prod/cat/a1/" class="is-current" aria-current="page">Article a1</a>' in a1
    assert "Article a2" in a1 and "Topic t2" in a1 and "Other" in a1  # siblings, the other topic, categories
    assert "Article b1" not in a1 and "Elsewhere" not in a1  # what is not on the path stays closed
    t2 = sidebar_of(out, "prod/cat/t2")
    assert "Article b1" in t2 and "Article a1" not in t2
    assert 'class="is-current" aria-current="page">Topic t2</a>' in t2
    cat = sidebar_of(out, "prod/cat")
    assert "Topic t1" in cat and "Article a1" not in cat and "Article b1" not in cat
    other = sidebar_of(out, "prod/other")
    assert "Elsewhere" in other and "Topic t1" not in other


def test_a_flat_folder_of_1000_pages_keeps_each_page_small(tmp_path):
    root = nav_tree(tmp_path, 1000)
    out = tmp_path / "_site"
    build = run_limited(tmp_path, "build", "--root", str(root), "--out", str(out))
    assert build.rc == 0, build.output
    sizes = [f.stat().st_size for f in (out / "en").rglob("index.html")]
    assert len(sizes) > 2000 and max(sizes) < 30_000, max(sizes)  # was ~100 kB each: every page listed all 1,000
    last = sidebar_of(out, "prod/cat/n0999")
    assert 'aria-current="page">Article n0999</a>' in last
    # the category lists t1, t2, then n0000..n0999: n0999 is entry 1001, in the window 1000-1099
    assert f'<a class="nav-more-link" href="/en/{FPT}/prod/cat/n0898/">&hellip; 1000 earlier</a>' in last
    assert "Article n0100" not in last
    first = sidebar_of(out, "prod/cat/n0000")
    more = re.search(r'<a class="nav-more-link" href="([^"]+)">(\d+) more', first)
    assert more and more.groups() == (f"/en/{FPT}/prod/cat/n0098/", "902")  # every entry reachable, a window at a time
