"""The shared 2020 corpus: every page in every version renders, and parity is reported."""

from __future__ import annotations


import pytest

from renderer import parity
from renderer.errors import RenderError
from renderer.commands.export import iter_renders
from renderer.model.tree import DocsTree

from docs_fixture import CORPUS

REFERENCE = CORPUS / "reference-renders.jsonl.gz"
pytestmark = pytest.mark.skipif(not REFERENCE.is_file(), reason=f"shared 2020 corpus not found at {CORPUS}")

# Floors just under the last measured run (see the issue note); regressions fail.
PARITY_FLOORS = {"title": 0.999, "headings": 0.955, "hrefs": 0.955, "text": 0.93}
# Without the pages built from REST/GraphQL data that the corpus does not contain.
PARITY_FLOORS_WITHOUT_GENERATED = {"title": 0.999, "headings": 0.995, "hrefs": 0.995, "text": 0.97}


@pytest.fixture(scope="module")
def lenient_export():
    tree = DocsTree(CORPUS, lenient=True)
    errors: list[RenderError] = []
    records = {(r["version"], r["path"]): r for r in iter_renders(tree, errors)}
    return records, errors


def test_strict_mode_reports_the_liquid_typos_located():
    tree = DocsTree(CORPUS)
    errors: list[RenderError] = []
    count = sum(1 for _ in iter_renders(tree, errors))
    assert count > 4500
    typo_files = {e.file for e in errors if "include" not in e.message}
    assert "content/github/managing-security-vulnerabilities/about-alerts-for-vulnerable-dependencies.md" in typo_files
    assert "data/reusables/webhooks/secret.md" in typo_files
    for err in errors:
        assert err.file and err.line and err.column, str(err)
        assert err.version or "version range" in err.message, str(err)  # frontmatter errors are per file


def test_every_render_completes_and_matches_the_reference_set(lenient_export):
    records, errors = lenient_export
    reference = parity.load_renders(REFERENCE)
    # the one render left is an output statement no Liquid accepts: {{ a == 'b' }}
    assert all("configuring-code-scanning.md" in (e.file or "") for e in errors), [str(e) for e in errors]
    assert set(records) | {(e.version, "github/finding-security-vulnerabilities-and-errors-in-your-code/configuring-code-scanning.md") for e in errors} == set(reference)


def test_parity_with_githubs_2020_renderer(lenient_export):
    records, _ = lenient_export
    reference = parity.load_renders(REFERENCE)
    report = parity.compare(records, reference)
    print(report.format(max_examples=3))
    for aspect, floor in PARITY_FLOORS.items():
        assert report.ratio(aspect) >= floor, aspect
    generated = parity.pages_needing_generated_data(CORPUS / "content")
    assert 40 <= len(generated) <= 60
    subset = parity.compare(
        {k: v for k, v in records.items() if k[1] not in generated},
        {k: v for k, v in reference.items() if k[1] not in generated},
    )
    for aspect, floor in PARITY_FLOORS_WITHOUT_GENERATED.items():
        assert subset.ratio(aspect) >= floor, aspect
