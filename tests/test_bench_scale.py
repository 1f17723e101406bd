"""bench/scale_tree.py, the tree multiplying of bench_scale.py: copies of the products that point into themselves."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path, PurePosixPath

import pytest
import yaml
from docs_fixture import REPO_ROOT, make_tree, page

from renderer.build import BuildOptions, build

SPEC = importlib.util.spec_from_file_location("scale_tree", REPO_ROOT / "bench" / "scale_tree.py")
assert SPEC is not None and SPEC.loader is not None
scale_tree = importlib.util.module_from_spec(SPEC)
sys.modules[SPEC.name] = scale_tree  # dataclasses look their module up there
SPEC.loader.exec_module(scale_tree)

ARTICLE = """\
See [B](/prod/sub/b), [the old URL](/articles/old-b), [legacy](/enterprise/{{ currentVersion }}/user/prod/sub/b)
and [Desktop](/desktop/start#intro), <a href="/prod/sub/b#anchor">b</a>, [nothing](/prod/nope), [ref][r].

![A picture](/assets/images/x.png) and [contact](/contact).

{% link /prod/sub/b %}

[r]: /en/free-pro-team@latest/prod/sub/b
"""

FILES = {
    "content/prod/index.md": page("Prod", "{% link_in_list /a %}\n{% link_in_list /sub %}\n", versions="'*'"),
    "content/prod/a.md": page("A", ARTICLE, versions="'*'", redirect_from="\n  - /articles/old-a\n  - /prod/older-a"),
    "content/prod/sub/index.md": page("Sub", "{% link_in_list /b %}\n", versions="'*'"),
    "content/prod/sub/b.md": page("B", "## Anchor\n\nText.\n", versions="'*'", redirect_from="[/articles/old-b]"),
    "content/desktop/index.md": page("Desktop", "{% link_in_list /start %}\n", versions="{free-pro-team: '*'}"),
    "content/desktop/start.md": page("Start", "## Intro\n\nGo [back](/prod/a).\n", versions="{free-pro-team: '*'}"),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    make_tree(tmp_path / "corpus", FILES)
    return tmp_path / "corpus"


def rewriter(copy: int = 2, content: Path = Path("/nowhere")):
    return scale_tree.CopyRewriter(copy, frozenset({"prod", "desktop"}), frozenset({"free-pro-team"}), content)


@pytest.mark.parametrize(("path", "expected"), [
    ("/prod/sub/b", "/prod-copy2/sub/b"),
    ("/articles/old-b", "/articles-copy2/old-b"),
    ("/enterprise/2.22/user/prod/x", "/enterprise/2.22/user/prod-copy2/x"),
    ("/enterprise/{{ currentVersion }}/prod/x", "/enterprise/{{ currentVersion }}/prod-copy2/x"),
    ("/enterprise/admin/x", "/enterprise/admin-copy2/x"),
    ("/en/free-pro-team@latest/prod/x", "/en/free-pro-team@latest/prod-copy2/x"),
    ("/free-pro-team/prod", "/free-pro-team/prod-copy2"),
    ("/assets/images/x.png", "/assets/images/x.png"),
    ("/contact", "/contact"),
    ("/", "/"),
    ("/enterprise", "/enterprise"),
])
def test_a_path_of_a_copy_leads_into_the_copy(path, expected):
    assert rewriter().path(path) == expected


def test_link_tags_rename_only_a_product_named_from_the_root(corpus):
    copy = rewriter(3, corpus / "content")
    folder = PurePosixPath("prod")
    assert copy.tag_path("/sub", folder) == "/sub"  # beside the page
    assert copy.tag_path("/prod/sub/b", folder) == "/prod-copy3/sub/b"
    assert copy.tag_path("/desktop", PurePosixPath("prod")) == "/desktop-copy3"
    (corpus / "content" / "prod" / "desktop.md").write_text(page("Beside", "x"))
    assert copy.tag_path("/desktop", folder) == "/desktop"  # a page of that name beside it wins


def test_multiplied_tree_has_renamed_copies_with_markers(corpus, tmp_path):
    root = scale_tree.multiply_tree(corpus, tmp_path / "x3", 3)
    content = root / "content"
    assert sorted(p.name for p in content.iterdir()) == [
        "desktop", "desktop-copy2", "desktop-copy3", "index.md", "prod", "prod-copy2", "prod-copy3"]
    for rel, text in FILES.items():  # the originals stay as they were
        assert (root / rel).read_text() == text
    copy = (content / "prod-copy3" / "a.md").read_text()
    assert "  - /articles-copy3/old-a\n  - /prod-copy3/older-a\n" in copy
    assert "[B](/prod-copy3/sub/b)" in copy and "(/articles-copy3/old-b)" in copy
    assert "(/enterprise/{{ currentVersion }}/user/prod-copy3/sub/b)" in copy
    assert '<a href="/prod-copy3/sub/b#anchor">' in copy and "[r]: /en/free-pro-team@latest/prod-copy3/sub/b" in copy
    assert "(/desktop-copy3/start#intro)" in copy and "{% link /prod-copy3/sub/b %}" in copy
    assert "(/assets/images/x.png)" in copy and "(/contact)" in copy
    assert copy.endswith("This page is copy 3 of its product, made by bench_scale.py.\n")
    assert "redirect_from: [/articles-copy2/old-b]" in (content / "prod-copy2" / "sub" / "b.md").read_text()
    assert "{% link_in_list /a %}" in (content / "prod-copy2" / "index.md").read_text()
    rules = yaml.safe_load((root / "data" / "link-rules.yml").read_text())
    assert rules["products"]["desktop-copy2"] == rules["products"]["desktop"] == ["free-pro-team"]
    assert yaml.safe_load((root / "data" / "products.yml").read_text())["productsInOrder"] == [
        "desktop", "prod", "desktop-copy2", "prod-copy2", "desktop-copy3", "prod-copy3"]


def test_copies_build_into_their_own_pages_and_as_many_broken_links(corpus, tmp_path):
    def built(factor: int):
        root = scale_tree.multiply_tree(corpus, tmp_path / f"x{factor}", factor)
        return build(BuildOptions(root=root, out=tmp_path / f"out{factor}" / "_site", jobs=1, use_cache=False,
                                  lenient=True, keep_going=True, progress=False))

    one, three = built(1), built(3)
    assert one.renders == 5 + 4 * 5 + 2 * 1  # home, prod (4 pages, 5 versions), desktop (2 pages, free-pro-team)
    assert three.renders == 5 + 3 * (one.renders - 5)
    assert not one.errors and not three.errors
    assert [p.kind for p in three.problems if p.kind not in ("link", "anchor")] == []
    broken_one = sorted(p.message for p in one.broken_links)
    assert broken_one and all("/prod/nope" in m for m in broken_one)
    assert len(three.broken_links) == 3 * len(one.broken_links)
    html = (tmp_path / "out3" / "_site" / "en" / "enterprise-server@2.22" / "prod-copy2" / "a" / "index.html").read_text()
    assert 'href="/en/enterprise-server@2.22/prod-copy2/sub/b"' in html
    assert 'href="/en/free-pro-team@latest/desktop-copy2/start#intro"' in html  # desktop exists in one plan only
    assert "This page is copy 2 of its product" in html
