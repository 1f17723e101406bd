"""Property tests: mutated pages only ever produce located RenderErrors, never crashes or hangs.

Mutations of real pages (the shared 2020 corpus when present, and a small fixture page
always): truncation, stray braces/percents/quotes/`---`, broken YAML, deleted ranges,
huge lines, and deep nesting (`{% if x %}` x 200). Each example must finish within a
per-example time limit; any exception other than a RenderError with file and line fails.
The pipeline exercised is the one `render check` runs: frontmatter parsing, Liquid
parsing and rendering in every version the page exists in, Markdown, and the checker's
static analysis and link checks.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from docs_fixture import time_limit
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from renderer.check import Checker
from renderer.errors import RenderError
from renderer.model.pages import parse_page
from renderer.model.tree import DocsTree
from renderer.pipeline import render_page

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = REPO_ROOT.parent / "shared" / "corpora" / "github-docs-2020-10"
PER_EXAMPLE_SECONDS = 10
SCALE = int(os.environ.get("FUZZ_SCALE", "1"))  # FUZZ_SCALE=20 FUZZ_RANDOM=1 for a long hunt
FUZZ_SETTINGS = settings(
    deadline=None,  # the wall-clock limit below also stops hangs, which a deadline cannot
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    database=None,
    derandomize=os.environ.get("FUZZ_RANDOM") is None,  # reproducible in CI; FUZZ_RANDOM=1 explores
)

# Real pages with conditionals, reusables, link tags, raw blocks, tables and code.
CORPUS_PAGES = [
    "packages/using-github-packages-with-your-projects-ecosystem/using-github-packages-with-github-actions.md",
    "actions/reference/workflow-syntax-for-github-actions.md",
    "actions/hosting-your-own-runners/adding-self-hosted-runners.md",
    "github/managing-security-vulnerabilities/about-alerts-for-vulnerable-dependencies.md",
    "developers/webhooks-and-events/webhook-events-and-payloads.md",
    "github/index.md",
    "actions/index.md",
    "admin/enterprise-management/about-geo-replication.md",
]

FIXTURE_PAGE = """\
---
title: 'Fuzz {% data variables.product.name %}'
intro: 'An intro with {% data variables.product.name %} in it.'
redirect_from:
  - /old/fuzz
versions:
  free-pro-team: '*'
  enterprise-server: '>=2.21'
---

{% data reusables.fz.note %}

## Setup

Setting up{% if currentVersion == "free-pro-team@latest" %} on the web{% endif %}.

{% if currentVersion ver_gt "enterprise-server@2.21" %}
New in this release: {% data variables.product.name %}.
{% elsif currentVersion == "enterprise-server@2.21" %}
Old release.
{% else %}
The cloud.
{% endif %}

{% note %}
**Note:** {% data reusables.fz.nested %} {% raw %}{{ secrets.TOKEN }}{% endraw %}
{% endnote %}

1. Step one.
   {% indented_data_reference reusables.fz.note spaces=3 %}
2. See "[Other](/other#details)" and [Setup](#setup).

{% link_in_list /other %}

| a | b |
|---|---|
| {% octicon "gear" aria-label="gear" %} | `x` |

```yaml
key: '{% unless currentVersion == "free-pro-team@latest" %}ghes{% endunless %}'
```
"""

FIXTURE_FILES = {
    "data/variables/product.yml": "name: '{% if currentVersion == \"free-pro-team@latest\" %}GitHub{% else %}GHES{% endif %}'\n",
    "reusables/fz/note.md": "A shared note about {% data variables.product.name %}.",
    "reusables/fz/nested.md": "Nested {% data reusables.fz.note %}",
    "content/index.md": "---\ntitle: Home\nversions: '*'\n---\nHome.\n",
    "content/other.md": "---\ntitle: Other\nversions: '*'\n---\n## Details\n",
}

TOKENS = ["{", "}", "%", "{%", "%}", "{{", "}}", "{% ", " %}", "---", "---\n", "'", '"', "\n", ":", ": [", "- ",
          "&a ", "*a", "!!python/object:os.system ", "{% if x %}", "{% endif %}", "{% else %}", "{% elsif %}",
          "{% data ", "{% data reusables.fz.note %}", "{% data ../../etc/passwd %}", "{% raw %}", "{% endraw %}",
          "{% note %}", "ver_gt", "currentVersion", "\t", "\x00", "\ufeff", "]("]




@st.composite
def mutations(draw, text: str):
    """A text derived from `text` by 1-4 random edits."""
    # Positions come from a seeded Random: hypothesis' own integers lean towards 0, and
    # edits at the very start only ever break the opening '---'.
    rnd = draw(st.randoms(use_true_random=True))
    for _ in range(draw(st.integers(1, 4))):
        # Mostly anywhere; now and then in the first lines, where the frontmatter lives.
        at = rnd.randint(0, min(len(text), 300) if rnd.random() < 0.2 else len(text))
        kind = draw(st.sampled_from(["insert", "insert", "delete", "truncate", "repeat", "huge", "nest", "yaml"]))
        if kind == "insert":
            piece = draw(st.one_of(st.sampled_from(TOKENS), st.text(alphabet="{}%-'\":\n ", min_size=1, max_size=6)))
            text = text[:at] + piece + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 200)):]
        elif kind == "truncate":
            text = text[:at]
        elif kind == "repeat":
            piece = draw(st.sampled_from(TOKENS))
            text = text[:at] + piece * draw(st.integers(2, 300)) + text[at:]
        elif kind == "huge":
            text = text[:at] + draw(st.sampled_from(["x", "{ ", "% ", "`", "*", "[", "<a "])) * 50_000 + text[at:]
        elif kind == "nest":
            depth = draw(st.integers(20, 200))
            opener = draw(st.sampled_from(["{% if x %}", '{% if currentVersion ver_gt "enterprise-server@2.20" %}',
                                           "{% unless x %}", "{% note %}", "{% for i in (1..2) %}"]))
            closer = {"{% u": "{% endunless %}", "{% n": "{% endnote %}", "{% f": "{% endfor %}"}.get(opener[:4], "{% endif %}")
            balanced = draw(st.booleans())
            text = text[:at] + opener * depth + "deep" + (closer * depth if balanced else "") + text[at:]
        else:  # break the YAML frontmatter
            end = text.find("\n---", 3)
            cut = rnd.randint(0, max(end, 0))
            text = text[:cut] + draw(st.sampled_from([": :", "\n  - [", "\n\t", "&x !!", "\n---\n", "'", "? "])) + text[cut:]
    return text


def assert_located(err: RenderError, text: str) -> None:
    assert err.file, f"error without a file: {err!r}"
    assert err.line is not None and err.line >= 1, f"error without a line: {err!r}"


def exercise(tree: DocsTree, relpath: str, text: str) -> None:
    """Everything `render check` does to one page; only located RenderErrors may come out."""
    file = f"content/{relpath}"
    with time_limit(PER_EXAMPLE_SECONDS):
        try:
            page = parse_page(relpath, file, text, tree.model, lenient=tree.lenient)
        except RenderError as err:
            assert_located(err, text)
            return
        for version in page.versions:
            try:
                render_page(tree, page, version)
            except RenderError as err:
                assert_located(err, text)
        problems = Checker(tree, data=False).run(pages=[page])
        for problem in problems:
            assert problem.file and problem.line, f"problem not located: {problem}"


def build_fixture(root: Path) -> None:
    for rel, text in FIXTURE_FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "data" / "versions.yml").write_text((REPO_ROOT / "data" / "versions.yml").read_text())
    (root / "content" / "fuzz.md").write_text(FIXTURE_PAGE)


@pytest.fixture(scope="module")
def fixture_trees(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz-fixture")
    build_fixture(root)
    return DocsTree(root), DocsTree(root, lenient=True)


def test_fixture_page_is_clean_before_mutation(fixture_trees):
    strict, _ = fixture_trees
    page = strict.page("fuzz.md")
    assert len(page.versions) == 3
    assert [p for p in Checker(strict).run() if p.severity == "error"] == []


@settings(FUZZ_SETTINGS, max_examples=SCALE * 300)
@given(text=mutations(FIXTURE_PAGE), lenient=st.booleans())
def test_mutated_fixture_page_gives_only_located_errors(fixture_trees, text, lenient):
    exercise(fixture_trees[lenient], "fuzz.md", text)


# --- the shared corpus ----------------------------------------------------------------

needs_corpus = pytest.mark.skipif(not (CORPUS / "content").is_dir(),
                                  reason=f"shared corpus not available at {CORPUS} (fixture fuzzing still runs)")


@pytest.fixture(scope="module")
def corpus_trees(tmp_path_factory):
    """A tree whose data/ is the corpus's (read-only, by symlink) and whose content/ is the page under test."""
    root = tmp_path_factory.mktemp("fuzz-corpus")
    (root / "content").mkdir()
    (root / "content" / "index.md").write_text("---\ntitle: Home\nversions: '*'\n---\n")
    (root / "data").symlink_to(CORPUS / "data", target_is_directory=True)
    texts = {rel: (CORPUS / "content" / rel).read_text(encoding="utf-8") for rel in CORPUS_PAGES
             if (CORPUS / "content" / rel).is_file()}
    return DocsTree(root), DocsTree(root, lenient=True), texts


@st.composite
def corpus_mutations(draw, texts: dict[str, str]):
    relpath = draw(st.sampled_from(sorted(texts)))
    return relpath, draw(mutations(texts[relpath]))


@needs_corpus
def test_corpus_pages_are_available(corpus_trees):
    _, _, texts = corpus_trees
    assert len(texts) >= 5, "the sampled corpus pages moved; update CORPUS_PAGES"


@needs_corpus
@settings(FUZZ_SETTINGS, max_examples=SCALE * 300)
@given(data=st.data(), lenient=st.booleans())
def test_mutated_corpus_pages_give_only_located_errors(corpus_trees, data, lenient):
    strict_tree, lenient_tree, texts = corpus_trees
    relpath, text = data.draw(corpus_mutations(texts))
    exercise(lenient_tree if lenient else strict_tree, relpath, text)
